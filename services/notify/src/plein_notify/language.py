"""Dutch and English for notify: the gettext catalogues under `locale/` (read the one way
Plein reads them, plein_platform.i18n), a person's language from their profile's languages or
a client's Accept-Language, and numbers and moments as that language writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from plein_platform.i18n import best_accepted, catalogue, first_spoken

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_TIME_ZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class Speech:
    """One language's words (a plein_notify.sentences.Speaker), and its way with dates."""

    language: str
    time_zone: str = DEFAULT_TIME_ZONE

    def gettext(self, message: str, **variables: object) -> str:
        text = catalogue(LOCALE_DIR, self.language).gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        text = catalogue(LOCALE_DIR, self.language).ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    def number(self, value: float) -> str:
        return format_decimal(value, locale=Locale.parse(self.language))

    def moment(self, at: datetime) -> str:
        """'25 november 2026 10:00' / 'November 25, 2026, 10:00 AM', in the time zone."""
        local = at.astimezone(ZoneInfo(self.time_zone))
        locale = Locale.parse(self.language)
        return self.gettext(
            "%(date)s, %(time)s",
            date=format_date(local, "long", locale=locale),
            time=format_time(local, "short", locale=locale),
        )


def speech(language: str | None, time_zone: str = DEFAULT_TIME_ZONE) -> Speech:
    """The words of `language` (one we speak), else of the default language."""
    return Speech(language if language in LANGUAGES else DEFAULT_LANGUAGE, time_zone)


def profile_language(languages: list[str] | None) -> str | None:
    """The first of a profile's languages that notify speaks; None when none is."""
    return first_spoken(languages, LANGUAGES)


def accepted_language(header: str | None) -> str | None:
    """The language a client asks for (Accept-Language) that notify speaks, best first;
    None when it asks for none of them."""
    return best_accepted(header, LANGUAGES)
