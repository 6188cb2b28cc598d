"""The article page's pure parts: the table of contents and the question nudge."""

from __future__ import annotations

from plein_web import markdown
from plein_web.pages_articles import ends_with_question, with_contents


def test_contents_list_h2_and_h3_with_anchors_and_text_only() -> None:
    html, contents = with_contents(
        markdown.render("# Title\n\n## Why <b>now</b>\n\ntext\n\n### **How**\n\n#### deeper").html
    )
    assert [(c["level"], c["id"], c["text"]) for c in contents] == [
        ("h2", "section-1", "Why <b>now</b>"),
        ("h3", "section-2", "How"),
    ]
    assert '<h2 id="section-1">' in html and '<h3 id="section-2">' in html
    assert "<b>" not in html  # the typed tag stayed text


def test_the_nudge_asks_for_a_closing_question() -> None:
    assert ends_with_question("What do you think?")
    assert ends_with_question("Which room would you like? **")
    assert not ends_with_question("We move in May.")
    assert not ends_with_question("Is it? No, it is not.")
