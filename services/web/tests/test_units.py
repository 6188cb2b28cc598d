"""Rules of the web client that need no server: languages, escaping, redirects, addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from cryptography.fernet import Fernet
from plein_web import i18n
from plein_web.gateway import ApiProblem, Gateway
from plein_web.pages import safe_next
from plein_web.problems import Advice
from plein_web.rendering import Renderer, highlighted, initials, person_name, rich_text
from plein_web.sealing import TokenSeal

PACKAGE = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def _ui_strings() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        PACKAGE,
        METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_ui_string_has_a_dutch_translation() -> None:
    with (PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert _ui_strings() - translated == set()


def test_pages_speak_dutch_when_the_language_is_dutch() -> None:
    token = i18n.current_language.set("nl")
    try:
        assert i18n.gettext("Sign in") == "Inloggen"
        assert i18n.ngettext("%(num)d reply", "%(num)d replies", 3) == "3 reacties"
        assert "december" in i18n.day(datetime(2026, 12, 1, tzinfo=UTC))
    finally:
        i18n.current_language.reset(token)
    assert i18n.gettext("Sign in") == "Sign in"


def test_language_comes_from_the_profile_then_the_browser() -> None:
    assert i18n.choose_language(["nl-NL", "en"], "en-GB,en;q=0.9") == "nl"
    assert i18n.choose_language(["fr"], "nl-BE,nl;q=0.9,en;q=0.5") == "nl"
    assert i18n.choose_language([], "de-DE, en;q=0.4, nl;q=0.8") == "nl"
    assert i18n.choose_language(None, "fr-FR") == "en"
    assert i18n.choose_language(None, None) == "en"


def test_user_text_is_escaped_and_its_links_get_nofollow_noopener() -> None:
    html = str(rich_text('<script>alert("x")</script> see https://example.com/a?b=1&c=2. #hr'))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        in html
    )
    assert '<a class="topic" href="/topics/hr">#hr</a>' in html
    assert str(rich_text('javascript:alert(1) "quoted"')).count("<a") == 0


def test_search_highlights_only_the_matches_and_escapes_the_rest() -> None:
    html = str(
        highlighted([{"text": "<b>x</b> ", "match": False}, {"text": "koffie", "match": True}])
    )
    assert html == "&lt;b&gt;x&lt;/b&gt; <mark>koffie</mark>"


def test_after_sign_in_the_browser_only_goes_to_a_page_of_this_site() -> None:
    assert safe_next("/groups?x=1") == "/groups?x=1"
    for elsewhere in ("https://evil.example/", "//evil.example/x", "evil", "", None):
        assert safe_next(elsewhere) == "/"


def test_gateway_addresses_each_api_on_one_base_or_by_its_service() -> None:
    assert Gateway("http://127.0.0.1:8000/api/").url("/identity/tokens") == (
        "http://127.0.0.1:8000/api/identity/tokens"
    )
    assert Gateway("http://{service}/api").url("/feed/home") == "http://feed/api/feed/home"


def test_a_validation_problem_is_shown_per_field_by_its_type_in_the_pages_language() -> None:
    problem = ApiProblem(
        422,
        {
            "type": "about:blank",
            "title": "Invalid input",
            "errors": [
                {
                    "location": ["body", "text"],
                    "message": "String should have at most 10000 characters",
                    "type": "string_too_long",
                    "context": {"max_length": 10000},
                }
            ],
        },
    )
    assert problem.field_errors() == {"text": "at most 10000 characters, please shorten it"}
    assert problem.message == "Text: at most 10000 characters, please shorten it"
    token = i18n.current_language.set("nl")
    try:
        assert problem.message == "Tekst: hoogstens 10000 tekens, maak het korter"
    finally:
        i18n.current_language.reset(token)


def test_an_api_problem_reads_in_the_pages_language_by_its_code_not_its_english() -> None:
    empty = ApiProblem(
        422, {"type": "about:blank", "detail": "A reply needs some text.", "code": "text_required"}
    )
    assert empty.message == "A post needs some text."
    slow = ApiProblem(
        429,
        {"type": "about:blank", "detail": "Too many wrong passwords", "retry_after_s": 120},
        retry_after="120",
    )
    assert "2 minutes" in slow.message
    token = i18n.current_language.set("nl")
    try:
        assert empty.message == "Een bericht heeft tekst nodig."
        assert "2 minuten" in slow.message and "Wacht" in slow.message
        assert ApiProblem(404, {"type": "about:blank", "detail": "Not found"}).message.startswith(
            "Wat je zoekt"
        )
    finally:
        i18n.current_language.reset(token)


def test_someone_without_a_photo_gets_initials() -> None:
    assert initials("Ann de Vries") == "AV"
    assert initials("Chloé") == "C"
    assert initials("") == "?"


def test_a_mentioned_persons_whole_name_is_marked() -> None:
    html = str(rich_text("Ask @Farid El Amrani or @eva", ["Farid El Amrani"]))
    assert '<span class="mention">@Farid El Amrani</span>' in html
    assert '<span class="mention">@eva</span>' in html


def test_a_sealed_token_opens_with_its_key_also_after_rotation_and_not_with_another() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = TokenSeal(old).seal("refresh-me")
    assert sealed is not None and "refresh-me" not in sealed
    assert TokenSeal(old).open(sealed) == "refresh-me"
    assert TokenSeal(f"{new},{old}").open(sealed) == "refresh-me"  # rotated: the old still opens
    assert TokenSeal(new).open(sealed) is None  # a key no longer held: signed out, no error
    assert TokenSeal(old).seal(None) is None and TokenSeal(old).open(None) is None


def test_an_erased_persons_words_read_removed_in_the_readers_language() -> None:
    token = i18n.current_language.set("nl")
    try:
        assert str(rich_text("[removed]")) == '<em class="removed">[verwijderd]</em>'
    finally:
        i18n.current_language.reset(token)
    assert str(rich_text("[removed]")) == '<em class="removed">[removed]</em>'
    assert "<em" not in str(rich_text("[removed] by hand, in a longer text"))


def test_an_erased_persons_name_reads_former_colleague_in_the_readers_language() -> None:
    entry = {
        "post_id": "p-1",
        "author_id": "a-1",
        "author_name": "former colleague",
        "text": "x",
        "created_at": "2026-12-01T09:00:00+00:00",
        "reply_count": 0,
    }
    macros = Renderer("Europe/Amsterdam").env.get_template("_macros.html").module
    token = i18n.current_language.set("nl")
    try:
        assert person_name("former colleague") == "oud-collega"
        assert ">oud-collega</a>" in str(macros.entry(entry))  # type: ignore[attr-defined]
    finally:
        i18n.current_language.reset(token)
    assert person_name("former colleague") == "former colleague"
    assert person_name("Ann de Vries") == "Ann de Vries" and person_name(None) is None


def test_each_error_status_says_what_to_do_in_both_languages() -> None:
    statuses = (403, 404, 409, 413, 422, 429, 500, 503)
    english = {status: Advice.of(status, 90) for status in statuses}
    assert english[429].detail == (
        "Too many attempts in a short time. Wait 2 minutes, then try again."
    )
    assert "try again in a minute" in english[500].detail
    token = i18n.current_language.set("nl")
    try:
        dutch = {status: Advice.of(status, 90) for status in statuses}
    finally:
        i18n.current_language.reset(token)
    assert dutch[500].title == "Er ging bij ons iets mis" and dutch[503] == dutch[500]
    assert "Wacht 2 minuten" in dutch[429].detail
    for status in statuses:  # every status has its own Dutch words
        assert dutch[status].title != english[status].title, status
        assert dutch[status].detail != english[status].detail, status
