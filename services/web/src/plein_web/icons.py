"""Icons from the lucide-static npm package (ISC licence, installed from package-lock.json like
htmx), drawn inline so that they take the text's colour (light and dark) and need no request."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markupsafe import Markup

_ICON_NAME = re.compile(r"^[a-z0-9-]+$")
_LICENCE_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


class Icons:
    """`icon("house")`: the SVG of lucide's icon, decorative (aria-hidden); nothing when the
    packages are not installed (the label next to it still says what the link is)."""

    def __init__(self, node_modules: Path) -> None:
        self.folder = node_modules / "lucide-static" / "icons"

    def __call__(self, name: str) -> Markup:
        return _svg(self.folder, name)


@cache
def _svg(folder: Path, name: str) -> Markup:
    path = folder / f"{name}.svg"
    if not _ICON_NAME.match(name) or not path.is_file():
        return Markup("")
    svg = _LICENCE_COMMENT.sub("", path.read_text(encoding="utf-8")).strip()
    svg = " ".join(svg.split())  # one line: the page's markup stays compact
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    svg = re.sub(r'\s(width|height)="24"', "", svg)  # sized by CSS (.icon)
    return Markup(svg.replace('class="lucide ', 'class="icon lucide ', 1))
