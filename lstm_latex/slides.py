"""A slide's body split over as many frames as its height needs, rather than shrunk below a readable size.

A part of the derivation (a gate's chain, a state update) is one frame of the slides; a frame
is no taller than the deck it goes in shows (``Deck``: a beamer theme and aspect ratio). Its
height is estimated here from the LaTeX the templates wrote, in rows of the frames' 8pt
mathematics: a display line is as tall as the tallest matrix or table on it, a paragraph a row a
line. Where a body is taller than a frame, it continues on the next frame, between two paragraphs
or two lines of a display.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from .errors import RenderError
from .values import quote

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


@dataclass(frozen=True)
class Deck:
    """The beamer deck slides are for: its theme (``\\usetheme``, "default" for none) and its
    aspect ratio, "4:3" or "16:9" (None: the template's own; 16:9, the beamer template's, unless
    a template makes it another, as frames does 4:3 with ``shaped``).
    Together they say how wide and how tall a frame is (FRAMES). RenderError for a theme or an
    aspect ratio not measured."""

    theme: str = "default"
    aspect: str | None = None

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise RenderError(f"no beamer theme {quote(str(self.theme))} measured: use one of {', '.join(THEMES)}")
        if self.aspect is not None and self.aspect not in ASPECTS:
            raise RenderError(f"no aspect ratio {quote(str(self.aspect))}: use one of {', '.join(ASPECTS)}")

    def shaped(self, aspect: str) -> Deck:
        """This deck, of ``aspect`` unless it has an aspect ratio of its own (a template's default)."""
        return self if self.aspect is not None else replace(self, aspect=aspect)

    @property
    def frame(self) -> FrameSize:
        """The size of this deck's frames, as measured (FRAMES)."""
        return FRAMES[self.theme, self._aspect]

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

    def split(self, body: str, continued: str) -> str:
        """``body`` split over as many of this deck's frames as it needs (``split_frames``)."""
        return split_frames(body, continued, self.frame)


# A display as the slides' markup writes it (markup.beamer.j2): \[ and an aligned block.
_DISPLAY = re.compile(
    r"\\\[\n(?P<open>\\begin\{aligned(?:at)?\}(?:\{\d+\})?)\n(?P<lines>.*?)\n(?P<close>\\end\{aligned(?:at)?\})\n?\\\]",
    re.DOTALL,
)
# Where a display's line ends: its "\\", with a \pause or a space ("[1ex]") after it.
_LINE_END = re.compile(r"\\\\(?:\[[^\]]*\])?(?: \\pause)?\n")
_TABLE = re.compile(r"\\begin\{(bmatrix\*?|array)\}(.*?)\\end\{\1\}", re.DOTALL)


def split_frames(body: str, continued: str, frame: FrameSize) -> str:
    """``body`` with ``continued`` (the end of a frame and the beginning of the next) wherever
    ``frame`` would be full: between paragraphs, or between the lines of a display, which is
    closed before it and reopened after it."""
    out: list[str] = []
    used = 0.0
    at = 0
    for display in _DISPLAY.finditer(body):
        used = _text(body[at : display.start()], out, used, continued, frame)
        used = _display(display, out, used, continued, frame)
        at = display.end()
    _text(body[at:], out, used, continued, frame)
    return "".join(out)


def _text(text: str, out: list[str], used: float, continued: str, frame: FrameSize) -> float:
    paragraphs = [paragraph for paragraph in text.split("\n\n") if paragraph.strip()]
    rows = sum(paragraph_rows(paragraph, frame) for paragraph in paragraphs)
    if rows and used and used + rows > frame.rows:
        _continue(out, continued)
        used = 0.0
    out.append(text)
    return used + rows


def _display(display: re.Match[str], out: list[str], used: float, continued: str, frame: FrameSize) -> float:
    """A display's lines, as many on each frame as fit; a line taller than a frame alone on one."""
    lines = _lines(display["lines"])
    chunk: list[tuple[str, str]] = []
    top = DISPLAY_ROWS + frame.paragraph  # a display at the top of a frame
    used += top + (BELOW_TEXT if used else 0.0)
    for line, end in lines:
        rows = line_rows(line)
        if used + rows > frame.rows and (chunk or used > top):
            if chunk:
                out.append(_aligned(display, chunk))
            _continue(out, continued)
            chunk, used = [], top
        chunk.append((line, end))
        used += rows
    out.append(_aligned(display, chunk))
    return used


def _continue(out: list[str], continued: str) -> None:
    """The frame ended and the next begun, on a line of their own."""
    out.append(continued if not out or out[-1].endswith("\n") else "\n" + continued)


def _aligned(display: re.Match[str], lines: list[tuple[str, str]]) -> str:
    """The display of these lines, without the last one's line break (and the pause after it)."""
    body = "".join(line + end for line, end in lines[:-1]) + lines[-1][0]
    return f"\\[\n{display['open']}\n{body}\n{display['close']}\n\\]"


def _lines(text: str) -> list[tuple[str, str]]:
    """The lines of an aligned block, each with the line break after it ("" for the last): only
    the breaks outside a matrix or a table."""
    lines: list[tuple[str, str]] = []
    start = 0
    for end in _LINE_END.finditer(text):
        before = text[: end.start()]
        if before.count(r"\begin{") == before.count(r"\end{"):  # not inside an environment
            lines.append((text[start : end.start()], end[0]))
            start = end.end()
    lines.append((text[start:], ""))
    return lines


def paragraph_rows(paragraph: str, frame: FrameSize) -> float:
    """How tall a paragraph prints on ``frame``, in rows: its characters a line, and a row for
    each line a table's "\\\\" breaks off (the rows of a table in it), with the space before it."""
    return math.ceil(len(paragraph) / frame.text_line) + paragraph.count("\\\\") + frame.paragraph


def line_rows(line: str) -> float:
    """How tall a display line prints, in rows: its tallest matrix or table, a brace under it."""
    rows = max((table[2].count(r"\\") + 1 for table in _TABLE.finditer(line)), default=1)
    return rows + LINE_GAP + (BRACE_ROWS if r"\underbrace" in line else 0.0)
