"""The feed's pure parts, without servers: mentions as links, long posts folded, threads in
two levels, where a plain form goes back to, and the limit said in words."""

from __future__ import annotations

from uuid import uuid4

from plein_web import i18n
from plein_web.pages_home import back_to, too_long, two_levels
from plein_web.rendering import folded, rich_text


def test_a_mention_is_one_link_per_whole_name_or_handle() -> None:
    greet = {"id": "u-1", "display_name": "Greet Mulder", "handle": "greet"}
    html = str(rich_text("Vraag @Greet Mulder of @greet, niet @Greet", [greet]))
    assert html.count('<a class="mention" href="/people/u-1">') == 2
    assert '<a class="mention" href="/people/u-1">@Greet Mulder</a>' in html
    assert '<a class="mention" href="/people/u-1">@greet</a>' in html
    assert '<span class="mention">@Greet</span>' in html  # names no one: not a link


def test_a_mentioned_name_with_markup_stays_text() -> None:
    odd = {"id": "u-2", "display_name": "<b>Bo</b>", "handle": None}
    html = str(rich_text("Hoi @<b>Bo</b>", [odd]))
    assert "<b>" not in html and "@&lt;b&gt;Bo&lt;/b&gt;</a>" in html


def test_a_long_post_folds_at_a_space_and_keeps_every_character() -> None:
    text = "woord " * 3000 + "einde"
    head, tail = folded(text)
    assert 0 < len(head) <= 600 and not head.endswith(" ")
    assert (head + " " + tail).split() == text.split()
    assert folded("kort") == ("kort", "")


def test_many_short_lines_fold_too() -> None:
    head, tail = folded("\n".join(f"regel {i}" for i in range(30)))
    assert head.count("\n") < 8 and tail.startswith("regel")


def test_replies_to_replies_sit_under_their_first_level_reply_saying_whom_they_answer() -> None:
    def message(author: str, at: str, *replies: dict) -> dict:  # type: ignore[type-arg]
        return {"id": uuid4(), "author_id": author, "created_at": at, "replies": list(replies)}

    deep = message("c", "04")
    second = message("b", "02", deep)
    third = message("d", "03")
    top = message("a", "01", second, third)
    post = two_levels({"replies": [top]})
    flat = post["replies"][0]["flat_replies"]
    assert [m["author_id"] for m in flat] == ["b", "d", "c"]
    assert "in_reply_to" not in second and deep["in_reply_to"] == "b"


def test_a_plain_form_goes_back_to_a_page_of_this_site_at_the_post() -> None:
    post = uuid4()
    assert back_to("/?order=latest#x", post) == f"/?order=latest#entry-{post}"
    for elsewhere in ("https://evil.example/", "//evil.example/", "", "\\\\evil"):
        assert back_to(elsewhere, post) == f"/posts/{post}#post"


def test_a_text_over_the_limit_is_refused_in_the_readers_language_with_its_length() -> None:
    assert too_long("x" * 10_000) is None
    token = i18n.current_language.set("nl")
    try:
        message = too_long("x" * 20_000)
    finally:
        i18n.current_language.reset(token)
    assert message is not None and "20.000" in message and "10.000" in message
