"""How numbers and matrices look: the one place that decides it, for every template."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

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


# What pdflatex typesets from UTF-8 with the documents' fonts, Latin Modern in the T1 encoding (and
# TS1's symbols, which LaTeX loads itself): ASCII, Latin-1, Latin Extended-A but for the letters T1
# has no glyph for, the letters of Latin Extended-B that T1 composes (Romanian Ș ș Ț ț, Croatian
# Ǆ ǅ ǆ, Ǎ ǎ ...) and common punctuation. Anything else stops the compilation ("Unicode character
# ... not set up"), so it is refused here; test_worksheet_files compiles every one of these.
_NO_T1_GLYPH = "ĦħĸĿŀŉŦŧſ"
_LATIN_EXTENDED_B = "ǄǅǆǇǈǉǊǋǌǍǎǏǐǑǒǓǔǢǣǦǧǨǩǪǫǰǴǵȘșȚțȲȳȷ"
# Dashes, quotes (curly, low, single guillemets), ..., euro, bullet, TM.
_PUNCTUATION = "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u2039\u203a\u20ac\u2022\u2122"
TYPESET = (
    frozenset(map(chr, range(0x20, 0x7F)))
    | frozenset(map(chr, range(0xA0, 0x180))) - frozenset(_NO_T1_GLYPH)
    | frozenset(_LATIN_EXTENDED_B)
    | frozenset(_PUNCTUATION)
)


def escape_latex(text: str) -> str:
    """User text made safe for LaTeX's text mode: every character printed literally.

    Line breaks and other control characters become spaces; ``--`` is kept from joining into a
    dash. Raises RenderError for a character pdflatex cannot typeset, naming it.
    """
    out = []
    for k, ch in enumerate(text):
        if ch < " " or "\x7f" <= ch < "\xa0":
            ch = " "
        elif ch not in TYPESET:
            raise RenderError(f"cannot typeset {ch!r} (U+{ord(ch):04X}) with pdflatex and Latin Modern's T1 fonts")
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


def escape_html(text: str) -> str:
    """User text printed literally in a page: HTML's special characters as references, line breaks
    and other control characters made spaces, and a dollar sign in an element of its own, which the
    page's typesetting (a formula between dollar signs in one run of text) leaves alone."""
    plain = "".join(" " if ch < " " else ch for ch in text)
    return html.escape(plain, quote=True).replace("$", '<span class="literal">$</span>')


def escape_markdown(text: str) -> str:
    """User text printed literally in Markdown: its punctuation escaped with a backslash, and line
    breaks and other control characters made spaces (a heading is one line)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|$&~" else " " if ch < " " else ch for ch in text)


# Digits enough for any float64 rounded to any decimals a page shows (1e308 has 309), so that
# quantize never runs out of precision (decimal's default of 28 digits fails at 1e20 with 12 decimals).
_EXACT = Context(prec=1200)
GUARD = 6  # decimals beyond the printed ones at which float64's error is taken off: 0.1499999999999999944 is 0.15
FINEST = 14  # ... but no finer than this many decimals (more for a value below 1: its 15th significant digit)


def round_decimal(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` decimals, half away from zero, on the decimal value it stands
    for, as on paper: 0.125 and 0.15 to two and one decimals are 0.13 and 0.2. The one rounding rule:
    every printed number, the hand arithmetic and ``export --round`` go through it.

    A float64 holds most decimals only nearly (0.15 is 0.1499999999999999944…, and 0.3 · 0.5
    computes exactly that float), so the value is first taken as the decimal it stands for, to
    GUARD more decimals than are printed (half to even), and that decimal is rounded. Raises
    ValueError for inf or nan, which have no decimals."""
    if not math.isfinite(value):
        raise ValueError(f"{value} has no decimals")
    exact = Decimal(value)
    finest = FINEST - min(exact.adjusted(), 0)
    stands_for = exact.quantize(_unit(max(decimals, min(decimals + GUARD, finest))), ROUND_HALF_EVEN, _EXACT)
    return stands_for.quantize(_unit(decimals), ROUND_HALF_UP, _EXACT)


@lru_cache(maxsize=256)
def _unit(decimals: int) -> Decimal:
    """The last place of ``decimals`` decimals, 0.01 for 2, as quantize takes it."""
    return Decimal(1).scaleb(-decimals, context=_EXACT)


def round_array(array: Array, decimals: int) -> Array:
    """Each entry of ``array`` as ``round_decimal`` rounds it, as the float64 nearest that decimal
    (never −0.0)."""
    rounded: Array = np.vectorize(lambda value: float(round_decimal(value, decimals)), otypes=[np.float64])(array)
    return rounded + 0.0  # + 0.0: −0.0 is 0.0


# A matrix has its power of ten written in front when its largest entry has this many digits or
# more before the point, or (with significant digits) is below 10^_SMALLEST_FIXED, 0.0001.
_FIXED_DIGITS = 10
_SMALLEST_FIXED = -4


@dataclass(frozen=True)
class NumberFormat:
    """Display rules: one notation a matrix. Values are rounded here for display only; the trace
    keeps float64.

    Every entry of a matrix has the same number of decimals, so that the decimal points align in
    its right-aligned columns: ``precision`` decimals (0: integers), or with ``significant``
    digits, the decimals that give the matrix's largest entry that many. Each entry is
    ``round_decimal`` of its value (half away from zero; never ``-0.00``); one that rounds to
    zero among others is shown as ``0.00``. Only when all of a matrix would print as zeros, or
    its largest entry would have 10 or more digits before the point (with ``significant``: more
    than the significant digits, or be below 0.0001), the power of ten of its largest entry is
    written in front, ``10^{-5} [3.20, -0.11]``, and its entries are the values divided by it,
    rounded alike. A single number is a matrix of one, written ``3.20 \\times 10^{-5}`` then.
    ``scaled=False`` never writes a power of ten: fixed decimals always, every entry as it
    rounds (for hand arithmetic, whose numbers are rounded to them).
    """

    precision: int = 4  # decimals
    significant: int | None = None  # significant digits, instead of a fixed number of decimals
    max_size: int = 8  # a dimension longer than this is elided to its first and last entries
    scaled: bool = True  # False: never a power of ten factored out, only fixed decimals

    def number(self, value: float) -> str:
        """``value`` in LaTeX math, as the one entry of a matrix: fixed decimals, or, where
        those would show 0 or too many digits, ``3.20 \\times 10^{-5}``."""
        power, decimals = self.notation(np.array([value]))
        entry = _entry(value, power, decimals)
        return entry if power == 0 else rf"{entry} \times 10^{{{power}}}"

    def exact(self, value: float) -> str:
        """A setting that is computed with as given, a learning rate, in LaTeX math with every digit
        it has: the shortest decimal that is the same float64 (0.1, 0.12345649), never rounded, so
        that what follows from it follows from the number printed. As ``number`` places it: fixed
        decimals, or below 0.0001 or from 10^10, ``2.5 \\times 10^{-5}``."""
        if not math.isfinite(value):
            raise RenderError(f"cannot print {value}: every printed number is finite")
        digits = Decimal(repr(float(value))).normalize()
        if digits.is_zero():
            return "0"
        power = digits.adjusted()
        if _SMALLEST_FIXED <= power < _FIXED_DIGITS:
            return f"{digits:f}"
        return rf"{digits.scaleb(-power):f} \times 10^{{{power}}}"

    def notation(self, values: Array) -> tuple[int, int]:
        """How the entries of one matrix (``values``, any shape) are printed: ``(power,
        decimals)``, each entry as ``value / 10^power`` rounded to ``decimals`` decimals (power
        0: the values themselves). Raises RenderError for inf or nan."""
        largest = float(np.abs(values).max(initial=0.0))
        if not math.isfinite(largest):
            raise RenderError(f"cannot print {largest}: every printed number is finite")
        if self.significant is None:
            decimals = self.precision
            fixed = round_decimal(largest, decimals)
            if not self.scaled or largest == 0 or (fixed != 0 and fixed.adjusted() < _FIXED_DIGITS):
                return 0, decimals
            return _exponent(largest, decimals), decimals
        digits = self.significant
        if largest == 0:
            return 0, digits - 1
        power = _exponent(largest, digits - 1)  # of the largest rounded to the significant digits
        if self.scaled and not _SMALLEST_FIXED <= power < min(digits, _FIXED_DIGITS):
            return power, digits - 1
        return 0, max(0, digits - 1 - power)

    def power(self, array: Array) -> int:
        """The power of ten factored out of the matrix ``array`` shows (``grid``), 0 for none."""
        return self.notation(self._shown(array))[0]

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

        The width is what TeX's \\wd of the matrix measures in Computer Modern and Latin Modern
        (digits half an em): see ``_digits_wide`` for the entries, ``COLUMN_GAP`` and ``BRACKETS``."""
        grid, power = self._grid(array)
        body = " \\\\ ".join(" & ".join(row) for row in grid)
        if portable:
            body = rf"\left[\begin{{array}}{{{'r' * len(grid[0])}}} {body} \end{{array}}\right]"
        else:
            body = rf"\begin{{bmatrix*}}[r] {body} \end{{bmatrix*}}"
        columns = column_widths(grid)
        width = sum(columns) + COLUMN_GAP * (len(columns) - 1) + BRACKETS[min(len(grid), len(BRACKETS)) - 1]
        if any(None in self.kept(n) for n in array.shape):
            shape = str(array.shape[0]) if array.ndim == 1 else rf"{array.shape[0]} \times {array.shape[1]}"
            body = rf"\underbrace{{{body}}}_{{{shape}}}"
        if power:  # a scalar in front, as in W x + 10^{-5} b: the matrix holds b / 10^{-5}
            body = rf"10^{{{power}}} {body}"
            width += POWER + SUPERSCRIPT * _digits_wide(str(power))
        return body, width

    def grid(self, array: Array) -> list[list[str]]:
        """The entries of a matrix (a 1-D array as a column) shown, as text, row by row, with dots
        where rows or columns are elided; divided by ``10^power(array)`` where that is not 0."""
        return self._grid(array)[0]

    def _grid(self, array: Array) -> tuple[list[list[str]], int]:
        grid = array[:, np.newaxis] if array.ndim == 1 else array
        rows, columns = self.kept(grid.shape[0]), self.kept(grid.shape[1])
        power, decimals = self.notation(self._shown(array))
        entries = [
            [
                (r"\ddots" if c is None else r"\vdots")
                if r is None
                else (r"\cdots" if c is None else _entry(grid[r, c], power, decimals))
                for c in columns
            ]
            for r in rows
        ]
        return entries, power

    def _shown(self, array: Array) -> Array:
        """The entries of ``array`` a matrix of it shows, without the elided ones."""
        if max(array.shape) <= self.max_size:
            return array  # nothing elided
        grid = array[:, np.newaxis] if array.ndim == 1 else array
        rows, columns = ([k for k in self.kept(n) if k is not None] for n in grid.shape)
        shown: Array = grid[rows][:, columns]
        return shown

    def columns_shown(self, length: int) -> int:
        """How many alignment columns a matrix with ``length`` columns takes."""
        return len(self.kept(length))


# How wide a matrix's parts print in display math, in digit widths (a digit is half an em), as
# pdflatex's \wd of a box measures them at 10pt in Computer Modern (Latin Modern's are the same):
# a minus sign 7.78pt, a point 2.78pt; dots as an entry; between two columns twice \arraycolsep (5pt,
# which does not grow with the font: a digit's 2 at 10pt); \left[ and \right] around one row,
# two, and three or more; before the matrix, 10 and a thin space, and a superscript's characters at
# 0.8 of their size (4.05pt a digit, and \scriptspace).
MINUS = 1.556
POINT = 0.556
DOTS = {r"\cdots": 2.667, r"\vdots": 0.556, r"\ddots": 2.333}
COLUMN_GAP = 2.0
BRACKETS = (1.667, 2.111, 2.667)
POWER = 2.43
SUPERSCRIPT = 0.8


def column_widths(grid: list[list[str]]) -> list[float]:
    """How wide each column of entries (``NumberFormat.grid``) prints, in digit widths."""
    return [max(_digits_wide(row[c]) for row in grid) for c in range(len(grid[0]))]


def _digits_wide(entry: str) -> float:
    """How wide an entry prints in digit widths: a digit 1, a minus sign, a point, dots as
    measured (``MINUS``, ``POINT``, ``DOTS``); braces nothing."""
    if entry in DOTS:
        return DOTS[entry]
    signs = entry.count("-") + entry.count(".") + entry.count("{") + entry.count("}")
    return len(entry) - signs + MINUS * entry.count("-") + POINT * entry.count(".")


def _exponent(value: float, decimals: int) -> int:
    """The power of ten of ``value``'s leading digit once it is rounded to ``decimals`` decimals
    at that power: 9.9996e-6 at 3 decimals is 1.000e-5, so -5."""
    power = Decimal(value).adjusted()
    return power + 1 if abs(round_decimal(value, decimals - power)).adjusted() > power else power


def _entry(value: float, power: int, decimals: int) -> str:
    """``value / 10^power`` rounded to ``decimals`` decimals (``round_decimal``: the scaling is
    exact in decimal), never ``-0.00``."""
    rounded = round_decimal(value, decimals - power)
    if power:
        rounded = rounded.scaleb(-power, context=_EXACT)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"
