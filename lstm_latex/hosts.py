"""The documents a snippet goes into, by their class: the text width and the column width of each
font size and paper, the body font and the sectioning commands, so that ``--host memoir,11pt`` says
what ``--width`` fits and ``0.9\\textwidth`` means.

The widths are what pdflatex reports (``\\the\\textwidth`` and, with twocolumn, ``\\the\\columnwidth``;
TeX Live 2022) for ``\\documentclass[SIZE,PAPER]{CLASS}`` and nothing else loaded; the font is
``\\f@size``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import RenderError
from .values import kind, quote

# The body font of each size option, \f@size: 11pt is LaTeX's 10.95pt.
SIZES = {"10pt": 10.0, "11pt": 10.95, "12pt": 12.0}
PAPERS = ("letterpaper", "a4paper", "a5paper")
# LaTeX's sectioning commands from the top; in beamer only the first three exist.
SECTIONING = ("section", "subsection", "subsubsection", "paragraph", "subparagraph")

# size -> paper -> (\textwidth; with twocolumn, \textwidth and \columnwidth), in points
Widths = dict[str, dict[str, tuple[float, float, float] | tuple[float, None, None]]]


def _by_size(one_column: dict[str, tuple[float, ...]], text: tuple[float, ...], column: tuple[float, ...]) -> Widths:
    """Widths of the papers in PAPERS' order, with two columns the same at every size."""
    return {
        size: {paper: (width, *two) for paper, width, *two in zip(PAPERS, widths, text, column, strict=True)}  # type: ignore[misc]
        for size, widths in one_column.items()
    }


_TWO_COLUMNS = ((469, 452, 276), (229.5, 221, 133))  # article's, report's, book's and memoir's
_STANDARD = _by_size({"10pt": (345, 345, 276), "11pt": (360, 360, 276), "12pt": (390, 390, 276)}, *_TWO_COLUMNS)
_MEMOIR = _by_size({"10pt": (341, 341, 276), "11pt": (369, 369, 276), "12pt": (383, 383, 276)}, *_TWO_COLUMNS)
_AMS = _by_size({size: (360, 360, 360) for size in SIZES}, (360, 360, 360), (175, 175, 175))
# KOMA-Script computes its type area from the paper and the font: every pair differs.
_KOMA: Widths = {
    "10pt": {
        "letterpaper": (307.14752, 522.15079, 256.0754),
        "a4paper": (373.44246, 373.44246, 181.72122),
        "a5paper": (336.88069, 336.88069, 163.44034),
    },
    "11pt": {
        "letterpaper": (351.02573, 511.91254, 250.95627),
        "a4paper": (418.25555, 418.25555, 204.12778),
        "a5paper": (330.86494, 330.86494, 160.43246),
    },
    "12pt": {
        "letterpaper": (383.9344, 505.89001, 247.945),
        "a4paper": (448.13095, 448.13095, 219.06548),
        "a5paper": (323.92374, 323.92374, 156.96187),
    },
}
# Tufte's classes set 10pt whatever the size asked, on letter paper unless it is a4, in one column.
_TUFTE: Widths = {size: {"letterpaper": (312, None, None), "a4paper": (304.44447, None, None)} for size in SIZES}


@dataclass(frozen=True)
class DocumentClass:
    """A class's widths, the size and paper it takes when none is given, and its sectioning commands."""

    widths: Widths
    size: str = "10pt"
    paper: str = "letterpaper"
    sectioning: tuple[str, ...] = SECTIONING
    fixed_font: float | None = None  # the body font whatever the size option (Tufte's 10pt)


CLASSES = {
    "article": DocumentClass(_STANDARD),
    "report": DocumentClass(_STANDARD),
    "book": DocumentClass(_STANDARD),
    # memoir has every command, but numbers and lists in its contents only \chapter and \section
    "memoir": DocumentClass(_MEMOIR),
    "amsart": DocumentClass(_AMS),
    "amsbook": DocumentClass(_AMS),
    "scrartcl": DocumentClass(_KOMA, size="11pt", paper="a4paper"),
    "scrreprt": DocumentClass(_KOMA, size="11pt", paper="a4paper"),
    "scrbook": DocumentClass(_KOMA, size="11pt", paper="a4paper"),
    # \subsubsection and \subparagraph are errors there ("Use as many levels of headings as you need")
    "tufte-handout": DocumentClass(_TUFTE, sectioning=("section", "subsection", "paragraph"), fixed_font=10.0),
    "tufte-book": DocumentClass(_TUFTE, sectioning=("section", "subsection", "paragraph"), fixed_font=10.0),
}
HOST_FORM = (
    "a class and its options, as \\documentclass[OPTIONS]{CLASS} has them: CLASS[,OPTION...],"
    " such as memoir,11pt,a4paper"
)
MAX_HOST = 200  # characters: a class and its options
_OPTION = re.compile(r"[A-Za-z0-9=.-]+")


@dataclass(frozen=True)
class Host:
    """The document a snippet goes into: its class, the width of its lines (``\\linewidth``: the
    column's, with twocolumn), its text width and body font size in points, and its sectioning."""

    name: str
    line_width: float
    text_width: float
    font_size: float
    sectioning: tuple[str, ...]


def host(text: str) -> Host:
    """The host ``text`` names: ``CLASS[,OPTION...]`` (``memoir,11pt,a4paper``, ``article,twocolumn``),
    its size and paper the class's own when not given; options the widths do not depend on (fleqn,
    draft) are taken and ignored. RenderError for a class, size or paper the table does not have."""
    if not isinstance(text, str):
        raise RenderError(f"host is {kind(text)}, expected a string: {HOST_FORM}")
    if len(text) > MAX_HOST:
        raise RenderError(f"host is {len(text)} characters long, more than {MAX_HOST}: give {HOST_FORM}")
    name, *options = [item.strip() for item in text.split(",")]
    document_class = CLASSES.get(name)
    if document_class is None:
        raise RenderError(f"no class {quote(name)} among the hosts: use one of {', '.join(CLASSES)}")
    size, paper, two_columns = document_class.size, document_class.paper, False
    for option in options:
        if not _OPTION.fullmatch(option):
            raise RenderError(f"host option {quote(option)} is not a class option: give {HOST_FORM}")
        if option.endswith("pt"):
            size = option
        elif option.endswith("paper"):
            paper = option
        elif option in ("onecolumn", "twocolumn"):
            two_columns = option == "twocolumn"
    widths = document_class.widths.get(size, {})
    if not widths:
        raise RenderError(f"{name} at {quote(size)} is not among the hosts: use {', '.join(document_class.widths)}")
    if paper not in widths:
        raise RenderError(f"{name} on {quote(paper)} is not among the hosts: use {', '.join(widths)}")
    one_column, text_width, column_width = widths[paper]
    if not two_columns:
        text_width = column_width = one_column
    elif text_width is None or column_width is None:
        raise RenderError(f"{name} has no twocolumn option")
    return Host(name, column_width, text_width, document_class.fixed_font or SIZES[size], document_class.sectioning)
