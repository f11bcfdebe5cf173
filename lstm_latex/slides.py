"""A slide's body split over as many frames as its height needs, rather than shrunk below a readable size.

A part of the derivation (a gate's chain, a state update) is one frame of the slides; a frame
is no taller than the deck it goes in shows (``Deck``: a beamer theme and aspect ratio). Its
height is estimated in rows of the frames' 8pt mathematics: a display's line is as tall as the
tallest matrix on it (view/heights.py), a paragraph a row a line. Where a part is taller than a
frame, it continues on the next frame, between two paragraphs or two lines of a display.

A part of the view's records (``frames_of``) is split from its records: its paragraphs, its
displays and their lines, each display's share of a frame a Display of its own, which the
template prints. Nothing is read back from LaTeX."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .errors import RenderError
from .latex import escape_latex
from .values import quote
from .view.heights import line_height
from .view.prose import BREAK, Paragraph
from .view.records import Block, Display, Line, Part, StateTables, Table, ended

if TYPE_CHECKING:
    from .layout import Typeset

DISPLAY_ROWS = 1.0  # the space above and below a display
# And more below a line of text: the display skips whole (10pt each in a 10pt deck, which
# \fontsize leaves alone), not the short ones at the top of a frame.
BELOW_TEXT = 1.1
LINE_GAP = 0.4  # between two lines of a display, and a matrix's brackets reaching past its rows
BRACE_ROWS = 2.6  # a brace with the shape under an elided matrix
# Points of a frame's width a character of a paragraph's LaTeX takes, about (95 a line of a 16:9 frame).
CHARACTER = 4.2
# What the estimate keeps free of a frame's body, in rows, for what it does not count: a
# parenthesis taller than the matrices it holds, a one-row matrix's brackets, a paragraph that
# wraps sooner. Calibrated by compiling, in every deck of FRAMES, the samples' frames and those
# of random LSTMs (input and hidden sizes 1 to 8, a target, two layers both ways): with 0.5 rows
# spare none is too tall, with none some are (metropolis, 4:3, by up to 9pt).
SPARE_ROWS = 1.0


@dataclass(frozen=True)
class FrameSize:
    """A frame of a deck, in points: its text width, the height of its body below a title of two
    lines, and, in its 8pt text (\\fontsize{8}{10}, markup.beamer.j2), the space from a line to the
    next (a theme may spread lines) and between paragraphs."""

    width: float
    height: float
    row: float = 10.0
    parskip: float = 0.0

    @property
    def rows(self) -> float:
        """How many rows the estimate lets a frame's body hold."""
        return self.height / self.row - SPARE_ROWS

    @property
    def text_line(self) -> float:
        """How many characters of a paragraph's LaTeX a line of the frame holds, about."""
        return self.width / CHARACTER

    @property
    def paragraph(self) -> float:
        """The space before a paragraph (or a display, which starts one), in rows."""
        return self.parskip / self.row


# Each deck's frame, measured with pdflatex (TeX Live 2022, beamer 3.68, metropolis 1.2) in a
# 10pt deck with T1 lmodern and no navigation symbols: the width is \the\textwidth inside a
# frame; the height is 400pt less what the log says a frame titled "Line one\\Line two" (two
# lines: a part's title with its step, such as "Step $t = 2$, backward: Input gate", takes two in
# a 4:3 frame) whose body is \vbox to 400pt{} is too high, "Overfull \vbox (Xpt too high)"; the
# row and the parskip are \the\baselineskip and \the\parskip after \fontsize{8}{10}\selectfont
# in a frame (metropolis spreads lines by 1.15, and puts half an em between paragraphs).
FRAMES = {
    ("default", "4:3"): FrameSize(307.29, 227.51),
    ("default", "16:9"): FrameSize(398.34, 210.44),
    ("Madrid", "4:3"): FrameSize(344.20, 212.75),
    ("Madrid", "16:9"): FrameSize(435.24, 195.68),
    ("metropolis", "4:3"): FrameSize(307.29, 206.06, 11.5, 5.0),
    ("metropolis", "16:9"): FrameSize(398.34, 188.99, 11.5, 5.0),
}
THEMES = tuple(dict.fromkeys(theme for theme, _ in FRAMES))
ASPECTS = {"4:3": "43", "16:9": "169"}  # each aspect ratio, as beamer's aspectratio option says it


THEME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")  # as beamer's themes are named: \usetheme{Madrid}


@dataclass(frozen=True)
class Deck:
    """The beamer deck slides are for: its theme (``\\usetheme``, "default" for none) and its
    aspect ratio, "4:3" or "16:9" (None: the template's own; 16:9, the beamer template's, unless
    a template makes it another, as frames does 4:3 with ``shaped``).
    Together they say how wide and how tall a frame is (FRAMES), or ``size`` does, measured as
    FRAMES was for a theme it has not. RenderError for a theme or an aspect ratio not measured."""

    theme: str = "default"
    aspect: str | None = None
    size: FrameSize | None = None  # a frame of this theme and aspect ratio, measured; None: FRAMES's

    def __post_init__(self) -> None:
        if not THEME_NAME.fullmatch(str(self.theme)):
            raise RenderError(f"no beamer theme {quote(str(self.theme))}: a theme's name is letters and digits")
        if self.size is None and self.theme not in THEMES:
            raise RenderError(
                f"no beamer theme {quote(str(self.theme))} measured: use one of {', '.join(THEMES)},"
                " or give the size of its frame"
            )
        if self.aspect is not None and self.aspect not in ASPECTS:
            raise RenderError(f"no aspect ratio {quote(str(self.aspect))}: use one of {', '.join(ASPECTS)}")

    def shaped(self, aspect: str) -> Deck:
        """This deck, of ``aspect`` unless it has an aspect ratio of its own (a template's default)."""
        return self if self.aspect is not None else replace(self, aspect=aspect)

    @property
    def frame(self) -> FrameSize:
        """The size of this deck's frames, as measured (``size``, else FRAMES)."""
        return self.size or FRAMES[self.theme, self._aspect]

    @property
    def text_width(self) -> str:
        """A frame's text width, as a TeX length."""
        return f"{self.frame.width}pt"

    @property
    def aspect_ratio(self) -> str:
        """The aspect ratio as beamer's class option says it: "169" for 16:9."""
        return ASPECTS[self._aspect]

    @property
    def _aspect(self) -> str:
        return self.aspect or "16:9"  # the beamer template's

    def frames(self, part: Part, typeset: Typeset) -> tuple[Frame, ...]:
        """``part`` over as many of this deck's frames as it needs (``frames_of``)."""
        return frames_of(part, typeset, self.frame)


@dataclass(frozen=True)
class Frame:
    """A frame's share of a part: its paragraphs and displays, of a display split between frames
    the lines on this one (the last without its line break), and whether it continues the part's
    frame before it."""

    blocks: tuple[Block, ...]
    continued: bool = False

    @property
    def displays(self) -> tuple[Display, ...]:
        """Its displays of lines, the other blocks left out."""
        return tuple(block for block in self.blocks if isinstance(block, Display))


@dataclass(frozen=True)
class Filling:
    """What a frame is filled with, in rows: paragraphs of text (0: none), then a display's lines."""

    text: float
    lines: tuple[float, ...]


Cut = tuple[int, int]  # where a frame ends: before line n of block b, (b, n); before its text, (b, -1)


def cuts(blocks: Sequence[Filling], closing: float, frame: FrameSize) -> list[Cut]:
    """Where ``frame`` is full, filled with ``blocks`` and a paragraph of ``closing`` rows: before
    a paragraph, or between the lines of a display, which needs its space above and below it
    again on the next frame. A line taller than a frame is alone on one."""
    found: list[Cut] = []
    used = 0.0
    top = DISPLAY_ROWS + frame.paragraph  # a display at the top of a frame

    def text(rows: float, where: Cut) -> None:
        nonlocal used
        if rows and used and used + rows > frame.rows:
            found.append(where)
            used = 0.0
        used += rows

    for b, block in enumerate(blocks):
        text(block.text, (b, -1))
        used += top + (BELOW_TEXT if used else 0.0)
        for n, rows in enumerate(block.lines):
            if used + rows > frame.rows and (n > 0 or used > top):
                found.append((b, n))
                used = top
            used += rows
    text(closing, (len(blocks), -1))
    return found


def frames_of(part: Part, typeset: Typeset, frame: FrameSize) -> tuple[Frame, ...]:
    """The frames ``part`` fills, each of ``frame``'s size: its paragraphs and displays, a
    display's lines between two frames where one is full (``cuts``), each line as tall as
    ``line_rows``; the paragraphs before a display, with its own sentence before it, and the one
    after it, which stays with its last line. A frame ends before a display's paragraphs, or
    between the paragraphs after the last display and that display."""
    displays: list[Display | StateTables] = []
    texts: list[list[Block]] = [[]]  # the paragraphs (and tables) before each display, and after the last
    for block in part.blocks:
        if isinstance(block, Display | StateTables):
            displays.append(block)
            texts.append([])
        else:
            texts[-1].append(block)
    printed = [_printed(d.lines) if isinstance(d, Display) else [] for d in displays]
    fillings = [
        Filling(_text_rows(text, frame) + _sentence(d.text, frame), _rows(lines, d.after, typeset, frame))
        if isinstance(d, Display)
        else Filling(_text_rows(text, frame), (_table_rows(d),))
        for d, lines, text in zip(displays, printed, texts, strict=False)
    ]
    where = set(cuts(fillings, _text_rows(texts[-1], frame), frame))
    frames: list[list[Block]] = [[]]
    for b, (d, lines) in enumerate(zip(displays, printed, strict=True)):
        if (b, -1) in where:
            frames.append([])
        frames[-1] += texts[b]
        if (b, 0) in where and frames[-1]:  # a frame is never empty
            frames.append([])
        if isinstance(d, StateTables):
            frames[-1].append(d)
            continue
        start = 0
        for n in range(1, len(lines)):
            if (b, n) in where:
                frames[-1].append(_share(d, lines[start:n], start == 0, False))
                frames.append([])
                start = n
        frames[-1].append(_share(d, lines[start:], start == 0, True))
    if (len(displays), -1) in where:
        frames.append([])
    frames[-1] += texts[-1]
    return tuple(Frame(tuple(shown), continued=n > 0) for n, shown in enumerate(frames))


def _printed(lines: Sequence[Line]) -> list[tuple[Line, ...]]:
    """The lines a display prints: the records up to one that ends in a line break, together."""
    printed: list[tuple[Line, ...]] = [()]
    for line in lines:
        printed[-1] += (line,)
        if line.end:
            printed.append(())
    return [group for group in printed if group]


def _share(d: Display, lines: Sequence[tuple[Line, ...]], first: bool, last: bool) -> Display:
    """``lines`` of ``d``, with its sentence before them when they are its first (``first``) and
    the one after them when they are its last (``last``, else without the last one's line break)."""
    shown = [record for line in lines for record in line]
    records = tuple(shown) if last else ended(shown, "")
    return Display(records, d.text if first else "", d.columns, d.after if last else "")


def _rows(lines: Sequence[tuple[Line, ...]], after: str, typeset: Typeset, frame: FrameSize) -> tuple[float, ...]:
    """How tall a display's lines print, in rows, the last with the sentence after the display."""
    rows = [line_rows(line, typeset) for line in lines]
    return (*rows[:-1], rows[-1] + _sentence(after, frame)) if rows else ()


def _sentence(text: str, frame: FrameSize) -> float:
    """How tall a sentence by a display prints, in rows: a paragraph of a line (or more), or none."""
    return paragraph_rows(text + "\n", frame) if text else 0.0


def _text_rows(blocks: Sequence[Block], frame: FrameSize) -> float:
    """How tall paragraphs (and tables) between displays print, in rows: each paragraph of the
    page (those a line apart, up to an empty one) as ``paragraph_rows`` says, a line of its text
    and the line's end each; a table a row a row, and its rules."""
    rows = 0.0
    text = ""
    for block in (*blocks, BREAK):
        if isinstance(block, Paragraph) and block.pieces:
            text += paragraph_latex(block) + "\n"
            continue
        if text:
            rows += paragraph_rows(text, frame)
            text = ""
        if isinstance(block, Table):
            rows += len(block.rows) + 2 + frame.paragraph
    return rows


def _table_rows(display: StateTables) -> float:
    """How tall a display of state tables prints, in rows: its longest table, its header's row and the rule below it."""
    return max(len(table.rows) for table, _ in display.tables) + 2 + LINE_GAP


def paragraph_latex(paragraph: Paragraph) -> str:
    """A paragraph as the slides print it (partials/view.tex.j2 with markup.beamer.j2's code)."""
    latex = {
        "text": lambda text: text,
        "math": lambda text: f"${text}$",
        "code": lambda text: "\\texttt{" + escape_latex(text).replace(".", ".\\allowbreak{}") + "}",
        "quoted": escape_latex,
    }
    return "".join(latex[piece.kind](piece.text) for piece in paragraph.pieces)


def line_rows(records: Sequence[Line], typeset: Typeset) -> float:
    """How tall a display's line (the records it is written in, ``line_height``) prints, in rows:
    its tallest matrix, with a brace under it."""
    height = line_height(records, typeset)
    return height.rows + LINE_GAP + (BRACE_ROWS if height.braced else 0.0)


def paragraph_rows(paragraph: str, frame: FrameSize) -> float:
    """How tall a paragraph prints on ``frame``, in rows: its characters a line, and a row for
    each line a table's "\\\\" breaks off (the rows of a table in it), with the space before it."""
    return math.ceil(len(paragraph) / frame.text_line) + paragraph.count("\\\\") + frame.paragraph
