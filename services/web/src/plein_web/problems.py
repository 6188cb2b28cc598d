"""What a person reads when something went wrong: an API's RFC 9457 problem (or the web
client's own refusal) said in the page's language, chosen by the problem's status, its `code`
extension and its fields' error types, never by matching the English words the API wrote."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from babel import Locale
from babel.dates import format_timedelta

from .i18n import N_, current_language, gettext

# Form fields as the pages label them; others are shown by name.
FIELD_LABELS = {
    "text": N_("Text"),
    "title": N_("Title"),
    "question": N_("Question"),
    "options": N_("Options"),
    "email": N_("E-mail address"),
    "password": N_("Password"),
    "display_name": N_("Name"),
    "department": N_("Department"),
    "job_title": N_("Job title"),
    "message": N_("Message"),
    "name": N_("Name"),
    "description": N_("Description"),
    "reason": N_("Reason"),
    "q": N_("Search"),
}

# Problems the APIs mark with a `code` extension: what each means for the person.
CODES = {
    "text_required": N_("A post needs some text."),
    "push_endpoint_refused": N_("This browser's push service is not one Plein may send to."),
    "push_keys_invalid": N_("This browser gave no usable push keys."),
    "push_device_taken": N_("This device receives another person's pushes; they remove it first."),
}

# A rule the API broke on one field (its `field` extension): what to do about it.
FIELD_ADVICE = {
    "password": N_(
        "This password is too short or too easy to guess. A few unrelated words or a longer "
        "phrase work well; no special characters are required."
    ),
}


def wait_text(seconds: float) -> str:
    """A wait as people say it, in the page's language: "2 minutes", "30 seconden"."""
    locale = Locale.parse(current_language.get())
    return format_timedelta(
        timedelta(seconds=max(1, math.ceil(seconds))), locale=locale, threshold=1.1
    )


def _field_message(error: dict[str, Any]) -> str:
    """One field's error from its pydantic type and limits."""
    kind = str(error.get("type") or "")
    context = error.get("context") or {}
    limit = context.get("max_length") or context.get("min_length")
    if kind == "string_too_long" and limit is not None:
        return gettext("at most %(limit)s characters, please shorten it", limit=limit)
    if kind == "string_too_short" and limit is not None and int(limit) > 1:
        return gettext("at least %(limit)s characters", limit=limit)
    if kind in ("string_too_short", "missing"):
        return gettext("this cannot be empty")
    if kind in ("too_long",) and context.get("max_length") is not None:
        return gettext("at most %(limit)s items", limit=context["max_length"])
    if kind == "uuid_parsing" or kind == "uuid_type":
        return gettext("this is not a valid link or id")
    if kind in ("int_parsing", "float_parsing"):
        return gettext("this must be a number")
    if kind == "value_error" and "email" in str(error.get("location") or ""):
        return gettext("this is not an e-mail address")
    return gettext("this value is not accepted")


def _field_label(name: str) -> str:
    return gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def field_messages(problem: dict[str, Any]) -> dict[str, str]:
    """Messages per form field of a validation problem, in the page's language."""
    out: dict[str, str] = {}
    field = problem.get("field")
    if isinstance(field, str) and field in FIELD_ADVICE:
        out[field] = gettext(FIELD_ADVICE[field])
    for error in problem.get("errors") or []:
        if not isinstance(error, dict):
            continue
        where = error.get("location") or error.get("loc") or []
        if where:
            out.setdefault(str(where[-1]), _field_message(error))
    return out


def retry_after(problem: dict[str, Any], header: str | None = None) -> float | None:
    """Seconds to wait before trying again: the problem's `retry_after_s`, else Retry-After."""
    for value in (problem.get("retry_after_s"), header):
        try:
            if value is not None:
                return float(value)
        except (TypeError, ValueError):
            continue
    return None


def explain(status: int, problem: dict[str, Any], retry_after_header: str | None = None) -> str:
    """The sentence a page shows for an API's problem."""
    if "type" not in problem and problem.get("detail"):
        return str(problem["detail"])  # the web client's own refusal, already translated
    code = problem.get("code")
    if isinstance(code, str) and code in CODES:
        return gettext(CODES[code])
    fields = field_messages(problem)
    if len(fields) == 1 and problem.get("field") in fields:
        return next(iter(fields.values()))
    if fields:
        return "; ".join(f"{_field_label(name)}: {text}" for name, text in fields.items())
    if problem.get("max_chars") is not None:
        return gettext(
            "The text holds at most %(limit)s characters; please shorten it.",
            limit=problem["max_chars"],
        )
    return Advice.of(status, retry_after(problem, retry_after_header)).detail


@dataclass(frozen=True)
class Advice:
    """An error page's title and what to do, for an HTTP status."""

    title: str
    detail: str

    @staticmethod
    def of(status: int, wait_s: float | None = None) -> Advice:
        if status == 404:
            return Advice(
                gettext("Page not found"),
                gettext(
                    "What you are looking for is not here: it may have been removed, or the "
                    "link is incomplete. Check the link or search for it."
                ),
            )
        if status in (401, 403):
            return Advice(
                gettext("Not for you, sorry"),
                gettext(
                    "You may not see or do this. If you think you should, ask an admin of "
                    "the group or of Plein."
                ),
            )
        if status == 409:
            return Advice(
                gettext("That has changed meanwhile"),
                gettext("Someone changed this at the same time. Reload the page and try again."),
            )
        if status == 413:
            return Advice(
                gettext("That is too large"),
                gettext(
                    "What you sent is larger than Plein accepts. Make it smaller and try again."
                ),
            )
        if status == 422 or status == 400:
            return Advice(
                gettext("That did not work"),
                gettext(
                    "Something in what you sent is not right. Go back, check it and try again."
                ),
            )
        if status == 429:
            if wait_s is not None:
                detail = gettext(
                    "Too many attempts in a short time. Wait %(wait)s, then try again.",
                    wait=wait_text(wait_s),
                )
            else:
                detail = gettext(
                    "Too many attempts in a short time. Wait a moment, then try again."
                )
            return Advice(gettext("Slow down a moment"), detail)
        if status >= 500:
            return Advice(
                gettext("Something went wrong on our side"),
                gettext(
                    "Plein could not finish this. It is not your fault: try again in a minute; "
                    "if it keeps happening, tell your IT department."
                ),
            )
        return Advice(
            gettext("Something went wrong"),
            gettext("Go back and try again."),
        )
