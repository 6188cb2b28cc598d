"""Gettext catalogues, the one way Plein's services read them: the committed .po files under
`<package>/locale/<language>/LC_MESSAGES/messages.po`, compiled in memory with Babel the first
time a language is asked for (no .mo build step, nothing generated to commit or forget), and a
person's language from the languages their profile lists."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


@cache
def catalogue(locale_dir: Path, language: str) -> NullTranslations:
    """The catalogue of `language` in `locale_dir`; a missing one speaks the message ids."""
    po = locale_dir / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)


def first_spoken(languages: Iterable[str] | None, spoken: Sequence[str]) -> str | None:
    """The first of a profile's languages ("nl-NL", "en") that is one of `spoken`, as its
    two-letter code; None when there is none."""
    for language in languages or []:
        code = language.strip().lower()[:2]
        if code in spoken:
            return code
    return None


def best_accepted(accept_language: str | None, spoken: Sequence[str]) -> str | None:
    """The language of `spoken` that an Accept-Language header ranks highest, as its
    two-letter code; None when it asks for none of them."""
    choices: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower()[:2]
        if code in spoken and quality > 0:
            choices.append((quality, code))
    return max(choices, key=lambda c: c[0])[1] if choices else None
