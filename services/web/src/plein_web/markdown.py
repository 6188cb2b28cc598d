"""Posts' one text format: Markdown (CommonMark, tables, strikethrough, bare links) with
Plein's @mentions and #topics, rendered to HTML by markdown-it-py and then cleaned by nh3
(Ammonia). Pure: no I/O, no request; `rendering.rich_text` wraps it for the templates.

Two locks on one door: the parser never passes HTML through (`html` off, so typed tags show as
text), and the sanitiser after it keeps only an allow-list of tags, attributes and URL schemes,
so a mistake in either alone lets nothing through."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape

# What the author is told in the preview when their text was changed on the way to HTML.
HTML_AS_TEXT = "html-as-text"  # typed HTML tags show as text, never as markup
LINK_DROPPED = "link-dropped"  # a link whose target is not http(s), mailto or on Plein
IMAGE_AS_LINK = "image-as-link"  # an image from elsewhere: a link to it, never loaded

TAGS = {
    "p", "br", "strong", "em", "del", "s", "a", "img", "ul", "ol", "li", "blockquote",
    "code", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href"},  # class: CLASSES; rel, target: FIXED_VALUES
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
FIXED_VALUES = {"a": {"rel": {"nofollow noopener"}, "target": {"_blank"}}}
CLASSES = {"a": {"mention", "topic"}, "span": {"mention"}}
SCHEMES = {"http", "https", "mailto"}

_TAGGED = re.compile(r"(?<![\w&])([#@])([\w][\w.-]*\w|\w)")
_TYPED_TAG = re.compile(r"<[a-zA-Z!/?]")


@dataclass(frozen=True)
class Rendered:
    """A text as HTML (safe to put in a page) and what changed on the way (the notes above)."""

    html: str
    notes: list[str] = field(default_factory=list)  # not to be changed: results are cached


@dataclass(frozen=True)
class Mention:
    """A label as typed after "@" (a whole name or a handle) and the profile it links to."""

    label: str
    href: str | None = None


def link_allowed(href: str) -> bool:
    """Whether a link may point there: http(s), mailto, or a path on Plein itself."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme.lower() in SCHEMES
    return not href.startswith("\\")


def image_allowed(src: str) -> bool:
    """Whether an image may load from there: only Plein's own paths (its /files/... URLs), so
    a reader's browser never asks a third party for anything."""
    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and src.startswith("/") and "\\" not in src


def _external(href: str) -> bool:
    """Whether a link leaves Plein (it then opens in a new tab, without the opener)."""
    return bool(re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//", href))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # judged in _links
    md.core.ruler.push("plein_links", _links)
    md.core.ruler.push("plein_tags", _tags)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


def _links(state: Any) -> None:
    """Drop links whose target is not allowed (their text stays) and note it."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        dropping: list[bool] = []
        for token in block.children:
            if token.type == "link_open":
                bad = not link_allowed(str(token.attrGet("href") or ""))
                dropping.append(bad)
                if bad:
                    state.env.setdefault("notes", set()).add(LINK_DROPPED)
                    continue
            elif token.type == "link_close":
                if dropping and dropping.pop():
                    continue
            elif token.type == "text" and _TYPED_TAG.search(token.content):
                state.env.setdefault("notes", set()).add(HTML_AS_TEXT)
            kept.append(token)
        block.children = kept


def _tags(state: Any) -> None:
    """@mentions and #topics in plain text (never inside a link or code) become links."""
    mentions: Sequence[Mention] = state.env.get("mentions", ())
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            tagged = "@" in token.content or "#" in token.content
            if token.type == "text" and not in_link and tagged:
                out.extend(_tagged(token.content, mentions))
            else:
                out.append(token)
        block.children = out


def _tagged(text: str, mentions: Sequence[Mention]) -> list[Token]:
    tokens: list[Token] = []
    plain = []
    i = 0
    while i < len(text):
        found = _mention_at(text, i, mentions)
        match = None if found else _TAGGED.match(text, i)
        if match and i > 0 and re.match(r"[\w&]", text[i - 1]):
            match = None
        if not found and not match:
            plain.append(text[i])
            i += 1
            continue
        if plain:
            tokens.append(_text("".join(plain)))
            plain = []
        if found:
            html = (
                f'<a class="mention" href="{escape(found.href)}">@{escape(found.label)}</a>'
                if found.href
                else f'<span class="mention">@{escape(found.label)}</span>'
            )
            i += 1 + len(found.label)
        else:
            assert match is not None
            sign, word = match.group(1), match.group(2)
            html = (
                f'<a class="topic" href="/topics/{escape(word)}">#{escape(word)}</a>'
                if sign == "#"
                else f'<span class="mention">@{escape(word)}</span>'
            )
            i = match.end()
        tokens.append(_html(html))
    if plain:
        tokens.append(_text("".join(plain)))
    return tokens


def _mention_at(text: str, i: int, mentions: Sequence[Mention]) -> Mention | None:
    if text[i] != "@" or (i > 0 and re.match(r"[\w&]", text[i - 1])):
        return None
    for mention in mentions:  # longest first: "@Greet Mulder" before "@Greet"
        if text.startswith(mention.label, i + 1):
            return mention
    return None


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _html(content: str) -> Token:
    """Markup made here (mentions, topics) from escaped parts; never the author's HTML."""
    token = Token("html_inline", "", 0)
    token.content = content
    return token


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if _external(str(token.attrGet("href") or "")):
        token.attrSet("rel", "nofollow noopener")
        token.attrSet("target", "_blank")
    return self.renderToken(tokens, idx, options, env)


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    if image_allowed(src):
        return f'<img src="{escape(src)}" alt="{escape(alt)}">'
    if link_allowed(src):  # shown as a link to it, so no third party sees who reads
        env.setdefault("notes", set()).add(IMAGE_AS_LINK)
        return (
            f'<a href="{escape(src)}" rel="nofollow noopener" target="_blank">'
            f"{escape(alt or src)}</a>"
        )
    env.setdefault("notes", set()).add(LINK_DROPPED)
    return str(escape(alt))


_MD = _parser()
# Folding needs only where the blocks end: the same block rules, no inline parsing (the costly
# half of a long text).
_BLOCKS = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])


def _style(tag: str, attribute: str, value: str) -> str | None:
    """Only what the parser writes: table cells' alignment, images from Plein itself."""
    if attribute == "style":
        return value if re.fullmatch(r"text-align:(left|right|center)", value) else None
    if tag == "img" and attribute == "src":
        return value if image_allowed(value) else None
    return value


def sanitised(html: str) -> str:
    """HTML kept to the allow-list (tags, attributes, classes, URL schemes); the rest removed."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_style,
        url_schemes=SCHEMES,
        link_rel=None,
        tag_attribute_values=FIXED_VALUES,
        allowed_classes=CLASSES,
        strip_comments=True,
    )


def mentions_of(labels: Iterable[tuple[str, str | None]]) -> list[Mention]:
    """Mentions from (label, href) pairs, longest label first, each label once."""
    seen: dict[str, Mention] = {}
    for label, href in labels:
        if label and label not in seen:
            seen[label] = Mention(label, href)
    return sorted(seen.values(), key=lambda m: len(m.label), reverse=True)


def render(text: str, mentions: Sequence[Mention] = ()) -> Rendered:
    """A post's Markdown as clean HTML, with what changed on the way."""
    return _render(text, tuple(mentions))


@lru_cache(maxsize=2048)  # pure: the same text (a post's version) renders the same every time
def _render(text: str, mentions: tuple[Mention, ...]) -> Rendered:
    env: dict[str, Any] = {"mentions": mentions}
    html = _MD.render(text, env)
    return Rendered(sanitised(html), sorted(env.get("notes", ())))


def fold(text: str, chars: int, lines: int) -> tuple[str, str]:
    """A text split for "show more" at the end of a top-level block (a paragraph, list, table,
    code block), so both halves are whole Markdown and render as such. A first block that alone
    is too long: a paragraph is cut at a line break or space (never inside a word), any other
    block (a table, code) is kept whole."""
    if len(text) <= chars and text.count("\n") < lines:
        return text, ""
    budget = min(chars * 2 // 3, len(text))
    offsets = [0]  # where each line starts
    for line in text.split("\n"):
        offsets.append(offsets[-1] + len(line) + 1)
    blocks = [t for t in _BLOCKS.parse(text) if t.level == 0 and t.map and t.nesting != -1]
    if not blocks:
        return text, ""
    last = blocks[-1].map[1] if blocks[-1].map else 0
    ends = [b.map[1] for b in blocks if b.map and b.map[1] < last]
    fitting = [end for end in ends if end <= lines and offsets[end] - 1 <= budget]
    if fitting:
        return _split(text, offsets[max(fitting)] - 1)
    first = blocks[0]
    if first.type != "paragraph_open" and first.map and first.map[1] < last:
        return _split(text, offsets[first.map[1]] - 1)
    keep = budget
    head = text[:keep].split("\n")
    if len(head) > lines:
        keep = len("\n".join(head[:lines]))
    cut = text.rfind("\n", keep // 2, keep)
    if cut < 0:
        cut = text.rfind(" ", keep // 2, keep)
    return _split(text, cut if cut >= 0 else keep)


def _split(text: str, cut: int) -> tuple[str, str]:
    return text[:cut].rstrip(), text[cut:].lstrip("\n ")
