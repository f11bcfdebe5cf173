"""How numbers and matrices look: the one place that decides it, for every template."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from .errors import RenderError
from .model import Array

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",  # < > | print as other glyphs in the OT1 encoding of a plain article
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "'": r"\textquotesingle{}",  # straight quotes, not the curly ones ' and ` give
    "`": r"\textasciigrave{}",
    '"': r"\textquotedbl{}",
}


# What pdflatex typesets from UTF-8 with the T1 encoding: ASCII, Latin-1 and common punctuation.
# Anything else stops the compilation ("Unicode character ... not set up"), so it is refused here.
_PUNCTUATION = (
    "\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac\u2022\u2122"  # dashes, curly quotes, ..., euro, bullet, TM
)
_TYPESET = frozenset(map(chr, range(0x20, 0x7F))) | frozenset(map(chr, range(0xA0, 0x100))) | frozenset(_PUNCTUATION)


def escape_latex(text: str) -> str:
    """User text made safe for LaTeX's text mode: every character printed literally.

    Line breaks and other control characters become spaces; ``--`` is kept from joining into a
    dash. Raises RenderError for a character pdflatex cannot typeset, naming it.
    """
    out = []
    for k, ch in enumerate(text):
        if ch < " " or "\x7f" <= ch < "\xa0":
            ch = " "
        elif ch not in _TYPESET:
            raise RenderError(f"cannot typeset {ch!r} (U+{ord(ch):04X}) with pdflatex: use ASCII or Latin-1 characters")
        out.append(_SPECIAL.get(ch, ch))
        if ch in "-," and text[k + 1 : k + 2] == ch:
            out.append("{}")  # no ligature: -- and ,, would print as a dash and a low quote
    return "".join(out)


_INLINE_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")


def heading_latex(title: str) -> str:
    """A heading's LaTeX with each ``$...$`` wrapped for hyperref, which writes headings into the
    PDF's bookmarks, where math is not allowed: ``\\texorpdfstring{$t = 1$}{t = 1}``. The
    bookmark's text is the math without its commands and braces."""

    def wrap(math: re.Match[str]) -> str:
        plain = re.sub(r"\\[A-Za-z]+ *|[{}^_\\]", "", math[1])
        return rf"\texorpdfstring{{${math[1]}$}}{{{plain}}}"

    return _INLINE_MATH.sub(wrap, title)


def escape_markdown(text: str) -> str:
    """User text printed literally in Markdown: its punctuation escaped with a backslash, and line
    breaks and other control characters made spaces (a heading is one line)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|$&~" else " " if ch < " " else ch for ch in text)


def round_decimal(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` decimals, half away from zero, on its exact decimal value
    (0.125 gives 0.13, as on paper; Python's format gives 0.12, the even neighbour). Every printed
    fixed-point number is this one, so the hand arithmetic and the page agree digit for digit."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def round_array(array: Array, decimals: int) -> Array:
    """Each entry of ``array`` as ``round_decimal`` rounds it, as the float64 nearest that decimal."""
    rounded: Array = np.vectorize(lambda value: float(round_decimal(value, decimals)), otypes=[np.float64])(array)
    return rounded


_FIXED_BELOW = 1e10  # a larger magnitude is written in scientific notation: its digits would not fit a column


@dataclass(frozen=True)
class NumberFormat:
    """Display rules. Values are rounded here for display only; the trace keeps float64."""

    precision: int = 4  # decimals
    significant: int | None = None  # significant digits, instead of a fixed number of decimals
    max_size: int = 8  # a dimension longer than this is elided to its first and last entries

    def number(self, value: float) -> str:
        """``value`` in LaTeX math: fixed decimals, never ``-0.0000``; too small a value in
        scientific notation rather than rounded to zero, and too large a one (1e308 has 309
        digits) rather than run off the page."""
        if value == 0:
            return f"{0:.{self.precision}f}" if self.significant is None else "0"
        if self.significant is not None:
            return _scientific_or_plain(f"{value:#.{self.significant}g}")
        if abs(value) >= _FIXED_BELOW:
            return _scientific_or_plain(f"{value:.{self.precision}e}")
        fixed = f"{round_decimal(value, self.precision):f}"
        if float(fixed) == 0:
            return _scientific_or_plain(f"{value:.{max(0, self.precision - 3)}e}")
        return fixed

    def kept(self, length: int) -> list[int | None]:
        """Indices shown along a dimension; None stands for the elided middle."""
        if length <= self.max_size:
            return list(range(length))
        edge = max(1, (self.max_size - 1) // 2)
        return [*range(edge), None, *range(length - edge, length)]

    def matrix(self, array: Array, *, portable: bool = False) -> str:
        """A right-aligned bmatrix (a 1-D array as a column); a long dimension is elided with
        dots and the full shape written under the brace. ``portable`` writes a bracketed
        ``array`` instead of mathtools' ``bmatrix*``, for MathJax and KaTeX on web pages."""
        return self.layout(array, portable=portable)[0]

    def layout(self, array: Array, *, portable: bool = False) -> tuple[str, float]:
        """``matrix(array)``, and about how wide it prints in digit widths (what a template needs to
        decide whether terms share a line), from one formatting of the entries shown.

        The width is calibrated on Latin Modern: a minus sign is about 1.4 digits, a point half
        of one, a column gap 1.8, the brackets 1.5."""
        grid = self.grid(array)
        body = " \\\\ ".join(" & ".join(row) for row in grid)
        if portable:
            body = rf"\left[\begin{{array}}{{{'r' * len(grid[0])}}} {body} \end{{array}}\right]"
        else:
            body = rf"\begin{{bmatrix*}}[r] {body} \end{{bmatrix*}}"
        columns = [max(_digits_wide(row[c]) for row in grid) for c in range(len(grid[0]))]
        width = sum(columns) + 1.8 * len(columns) + 1.5
        if any(None in self.kept(n) for n in array.shape):
            shape = str(array.shape[0]) if array.ndim == 1 else rf"{array.shape[0]} \times {array.shape[1]}"
            body = rf"\underbrace{{{body}}}_{{{shape}}}"
        return body, width

    def grid(self, array: Array) -> list[list[str]]:
        """The entries of a matrix (a 1-D array as a column) shown, as text, row by row, with dots
        where rows or columns are elided."""
        grid = array[:, np.newaxis] if array.ndim == 1 else array
        rows, columns = self.kept(grid.shape[0]), self.kept(grid.shape[1])
        return [
            [
                (r"\ddots" if c is None else r"\vdots")
                if r is None
                else (r"\cdots" if c is None else self.number(grid[r, c]))
                for c in columns
            ]
            for r in rows
        ]

    def columns_shown(self, length: int) -> int:
        """How many alignment columns a matrix with ``length`` columns takes."""
        return len(self.kept(length))


def _digits_wide(entry: str) -> float:
    """A digit is 1, a minus sign 1.4, a point 0.5, `` \\times 10^`` 4 and braces nothing."""
    if entry.startswith("\\") and entry.endswith("dots"):
        return 2.0
    entry = entry.replace(r" \times 10^", "*")
    return (
        len(entry)
        + 0.4 * entry.count("-")
        - 0.5 * entry.count(".")
        + 3.0 * entry.count("*")
        - (entry.count("{") + entry.count("}"))
    )


def _scientific_or_plain(text: str) -> str:
    """Python's ``1.5e-05`` as ``1.5 \\times 10^{-5}``; text without an exponent unchanged."""
    if "e" not in text:
        return text.rstrip(".")
    mantissa, exponent = text.split("e")
    return rf"{mantissa.rstrip('.')} \times 10^{{{int(exponent)}}}"
