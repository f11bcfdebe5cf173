"""What a web page of the derivation (templates/html.html.j2) carries besides its text: KaTeX,
which typesets its math in the browser, bundled into the page so that it works offline: its
script and stylesheet inline, its fonts in the stylesheet as data: URIs (woff2 only, which every
current browser reads). KaTeX is copied into the package by `make katex` (from the npm package
pinned in package-lock.json) and so ships in a wheel built after it."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from .errors import RenderError
from .explore import chains
from .view.prose import Paragraph
from .view.records import Block

KATEX = Path(__file__).parent / "katex-dist"  # katex.min.js, katex.min.css and fonts/*.woff2

# A font's sources in KaTeX's stylesheet: its woff2 file, then the same font as woff and truetype.
_FONT_SOURCES = re.compile(r'src:url\(fonts/([\w-]+)\.woff2\) format\("woff2"\)(?:,url\([^)]*\) format\("\w+"\))*')


@dataclass(frozen=True)
class Katex:
    """KaTeX as a page holds it: its stylesheet, fonts included, and its script."""

    css: str
    js: str


@cache
def katex() -> Katex:
    """The KaTeX this package carries, ready to inline into a page."""
    try:
        css = (KATEX / "katex.min.css").read_text(encoding="utf-8")
        js = (KATEX / "katex.min.js").read_text(encoding="utf-8")
        fonts = {font.stem: font.read_bytes() for font in (KATEX / "fonts").glob("*.woff2")}
    except OSError:
        raise RenderError(
            f"the HTML page carries KaTeX, which this copy of lstm-latex lacks ({KATEX}): `make katex` copies it in"
        ) from None

    def embedded(match: re.Match[str]) -> str:
        if match[1] not in fonts:
            raise RenderError(f"KaTeX's font {match[1]}.woff2 is missing from {KATEX / 'fonts'}: run `make katex`")
        data = base64.b64encode(fonts[match[1]]).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    # a script ends at the first "</script" in it, wherever it stands: in a string, "<\/script" is the same
    return Katex(_FONT_SOURCES.sub(embedded, css), js.replace("</script", r"<\/script"))


def paragraphs(blocks: Sequence[Block]) -> Iterator[tuple[Block, bool, bool]]:
    """A part's blocks, each with whether a paragraph of the page opens before it and closes after
    it: the lines of prose in a row are one paragraph, which an empty line, a display or a table ends."""

    def prose(k: int) -> bool:
        block = blocks[k] if 0 <= k < len(blocks) else None
        return isinstance(block, Paragraph) and bool(block.pieces)

    for k, block in enumerate(blocks):
        yield block, prose(k) and not prose(k - 1), prose(k) and not prose(k + 1)


def heading(index: int | None, title: str) -> str:
    """A heading at ``index`` of the sectioning levels (0: a section's, None: none): <h2> for a
    section, <h1> being the page's title, down to <h6>; below them, or at none, a bold line."""
    if index is None or index > 4:
        return f"<p><strong>{title}</strong></p>"
    return f"<h{index + 2}>{title}</h{index + 2}>"


# What the page's templates call (the global `page`).
PAGE = SimpleNamespace(katex=katex, heading=heading, paragraphs=paragraphs, chains=chains)
