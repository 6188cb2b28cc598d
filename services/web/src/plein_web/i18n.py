"""Dutch and English: gettext catalogues compiled from the committed .po files at start-up,
the language of the profile (else the browser's), and dates in that language."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.support import NullTranslations
from plein_platform.i18n import best_accepted, catalogue, first_spoken

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"

current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_language", default=DEFAULT_LANGUAGE
)


def translations(language: str) -> NullTranslations:
    """The catalogue of `language`, compiled in memory from its .po (no .mo build step)."""
    return catalogue(LOCALE_DIR, language)


def gettext(message: str, **variables: Any) -> str:
    text = translations(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(current_language.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def choose_language(profile_languages: list[str] | None, accept_language: str | None) -> str:
    """The first of the profile's languages we speak, else the browser's best, else English."""
    return (
        first_spoken(profile_languages, LANGUAGES)
        or best_accepted(accept_language, LANGUAGES)
        or DEFAULT_LANGUAGE
    )


def when(moment: datetime | str | None, time_zone: str, now: datetime | None = None) -> str:
    """A moment as people say it: "5 minutes ago" within a day, else a localised date."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    locale = Locale.parse(current_language.get())
    now = now or datetime.now(UTC)
    delta = moment - now
    if abs(delta.total_seconds()) < 24 * 3600:
        return format_timedelta(delta, locale=locale, add_direction=True, threshold=1.5)
    return format_datetime(moment, "d MMM yyyy, HH:mm", tzinfo=ZoneInfo(time_zone), locale=locale)


def day(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_date(moment, "long", locale=Locale.parse(current_language.get()))


def N_(message: str) -> str:
    """Marks a word for the catalogue that templates translate from data (`_(kind)`)."""
    return message


DATA_WORDS = [
    # reactions
    N_("like"),
    N_("love"),
    N_("celebrate"),
    N_("thanks"),
    N_("insightful"),
    N_("funny"),
    # praise badges
    N_("thank_you"),
    N_("team_player"),
    N_("above_and_beyond"),
    N_("problem_solver"),
    N_("mentor"),
    N_("welcome"),
    # notification kinds
    N_("mention"),
    N_("reply"),
    N_("reaction"),
    N_("follower"),
    N_("announcement"),
    N_("praise"),
    N_("answer_accepted"),
    N_("membership_request"),
    N_("report"),
    N_("escalation"),
    N_("announcement_guideline"),
    # channels and digests
    N_("off"),
    N_("in_app"),
    N_("digest"),
    N_("email"),
    N_("daily"),
    N_("weekly"),
    # placeholders of concealed messages
    N_("deleted message"),
    N_("hidden by a moderator"),
]
