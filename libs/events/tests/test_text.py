"""Markdown as plain words (e-mails, notifications, search), without servers."""

from plein_events.text import plain_text


def test_plain_text_keeps_the_words_and_drops_the_marks() -> None:
    text = "**Koffie** om _drie_ ~~vier~~\n\n- [agenda](https://x.nl/a)\n- ![grafiek](/files/1)"
    assert plain_text(text) == "Koffie om drie vier\nagenda\ngrafiek"


def test_plain_text_keeps_tables_code_lines_mentions_and_typed_html_as_words() -> None:
    text = (
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n`x<y`\n```\nif a:\n  b\n```\n"
        "hoi @Greet Mulder #hr\nregel <b>twee</b>"
    )
    words = "a b\n1 2\nx<y\nif a:\n  b\nhoi @Greet Mulder #hr\nregel <b>twee</b>"
    assert plain_text(text) == words


def test_plain_text_of_plain_words_is_the_words() -> None:
    assert plain_text("") == ""
    assert plain_text("Gewoon een zin.") == "Gewoon een zin."
