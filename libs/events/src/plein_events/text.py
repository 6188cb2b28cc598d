"""Post text (Markdown) as plain words, for e-mails, notifications, search and excerpts: the
formatting marks go, the words, link texts, image descriptions and code stay."""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

_BLOCK_ENDS = {
    "paragraph_close",
    "heading_close",
    "list_item_close",
    "tr_close",
    "blockquote_close",
}


def plain_text(markdown: str) -> str:
    """The words of a Markdown text without its marks: one line per paragraph, list item or
    table row (cells apart by a space), a line break where the author made one."""
    lines: list[str] = []
    line: list[str] = []

    def end_line() -> None:
        text = "".join(line).strip()
        if text:
            lines.append(text)
        line.clear()

    for token in _MD.parse(markdown):
        if token.type == "inline":
            _inline(token.children or [], line, end_line)
        elif token.type in ("fence", "code_block"):
            end_line()
            lines.extend(token.content.rstrip("\n").split("\n"))
        elif token.type in ("th_close", "td_close"):
            line.append(" ")
        elif token.type in _BLOCK_ENDS:
            end_line()
    end_line()
    return "\n".join(lines)


def _inline(children: list[Token], line: list[str], end_line: Callable[[], None]) -> None:
    for child in children:
        if child.type in ("text", "code_inline"):
            line.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            end_line()  # people type lines, not documents: a newline stays one
        elif child.type == "image":
            _inline(child.children or [], line, end_line)
