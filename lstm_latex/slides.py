"""A slide's body split over as many frames as its height needs, rather than shrunk below a readable size.

A part of the derivation (a gate's chain, a state update) is one frame of the slides; a frame
is no taller than a projector shows. Its height is estimated here from the LaTeX the templates
wrote, in rows of the frames' 8pt mathematics: a display line is as tall as the tallest matrix
or table on it, a paragraph a row a line. Where a body is taller than a frame, it continues on
the next frame, between two paragraphs or two lines of a display.
"""

from __future__ import annotations

import math
import re

FRAME_ROWS = 20.0  # rows of 8pt mathematics (10pt apart) below a frame's title and subtitle
DISPLAY_ROWS = 1.0  # the space above and below a display
LINE_GAP = 0.4  # between two lines of a display, and a matrix's brackets reaching past its rows
BRACE_ROWS = 2.6  # a brace with the shape under an elided matrix
TEXT_LINE = 95  # characters of a paragraph's line on a frame, about

# A display as the slides' markup writes it (markup.beamer.j2): \[ and an aligned block.
_DISPLAY = re.compile(
    r"\\\[\n(?P<open>\\begin\{aligned(?:at)?\}(?:\{\d+\})?)\n(?P<lines>.*?)\n(?P<close>\\end\{aligned(?:at)?\})\n?\\\]",
    re.DOTALL,
)
# Where a display's line ends: its "\\", with a \pause or a space ("[1ex]") after it.
_LINE_END = re.compile(r"\\\\(?:\[[^\]]*\])?(?: \\pause)?\n")
_TABLE = re.compile(r"\\begin\{(bmatrix\*?|array)\}(.*?)\\end\{\1\}", re.DOTALL)


def split_frames(body: str, continued: str) -> str:
    """``body`` with ``continued`` (the end of a frame and the beginning of the next) wherever
    the frame would be full: between paragraphs, or between the lines of a display, which is
    closed before it and reopened after it."""
    out: list[str] = []
    used = 0.0
    at = 0
    for display in _DISPLAY.finditer(body):
        used = _text(body[at : display.start()], out, used, continued)
        used = _display(display, out, used, continued)
        at = display.end()
    _text(body[at:], out, used, continued)
    return "".join(out)


def _text(text: str, out: list[str], used: float, continued: str) -> float:
    rows = sum(math.ceil(len(paragraph) / TEXT_LINE) for paragraph in text.split("\n\n") if paragraph.strip())
    if rows and used and used + rows > FRAME_ROWS:
        _continue(out, continued)
        used = 0.0
    out.append(text)
    return used + rows


def _display(display: re.Match[str], out: list[str], used: float, continued: str) -> float:
    """A display's lines, as many on each frame as fit; a line taller than a frame alone on one."""
    lines = _lines(display["lines"])
    chunk: list[tuple[str, str]] = []
    used += DISPLAY_ROWS
    for line, end in lines:
        rows = line_rows(line)
        if used + rows > FRAME_ROWS and (chunk or used > DISPLAY_ROWS):
            if chunk:
                out.append(_aligned(display, chunk))
            _continue(out, continued)
            chunk, used = [], DISPLAY_ROWS
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


def line_rows(line: str) -> float:
    """How tall a display line prints, in rows: its tallest matrix or table, a brace under it."""
    rows = max((table[2].count(r"\\") + 1 for table in _TABLE.finditer(line)), default=1)
    return rows + LINE_GAP + (BRACE_ROWS if r"\underbrace" in line else 0.0)
