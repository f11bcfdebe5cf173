"""How numbers and matrices look: the one place that decides it, for every template."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
}


def escape_latex(text: str) -> str:
    """User text made safe for LaTeX's text mode: every special character printed literally."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


@dataclass(frozen=True)
class NumberFormat:
    """Display rules. Values are rounded here for display only; the trace keeps float64."""

    precision: int = 4  # decimals
    significant: int | None = None  # significant digits, instead of a fixed number of decimals
    max_size: int = 8  # a dimension longer than this is elided to its first and last entries

    def number(self, value: float) -> str:
        """``value`` in LaTeX math: fixed decimals, never ``-0.0000``; too small a value in
        scientific notation rather than rounded to zero."""
        if value == 0:
            return f"{0:.{self.precision}f}" if self.significant is None else "0"
        if self.significant is not None:
            return _scientific_or_plain(f"{value:#.{self.significant}g}")
        fixed = f"{value:.{self.precision}f}"
        if float(fixed) == 0:
            return _scientific_or_plain(f"{value:.{max(0, self.precision - 3)}e}")
        return fixed

    def kept(self, length: int) -> list[int | None]:
        """Indices shown along a dimension; None stands for the elided middle."""
        if length <= self.max_size:
            return list(range(length))
        edge = max(1, (self.max_size - 1) // 2)
        return [*range(edge), None, *range(length - edge, length)]

    def matrix(self, array: Array) -> str:
        """A bmatrix (a 1-D array as a column) with right-aligned entries; a long dimension is
        elided with dots and the full shape written under the brace."""
        grid = array[:, np.newaxis] if array.ndim == 1 else array
        rows, columns = self.kept(grid.shape[0]), self.kept(grid.shape[1])
        lines = []
        for r in rows:
            cells = []
            for c in columns:
                if r is None:
                    cells.append(r"\ddots" if c is None else r"\vdots")
                else:
                    cells.append(r"\cdots" if c is None else self.number(grid[r, c]))
            lines.append(" & ".join(cells))
        body = r"\begin{bmatrix*}[r] " + r" \\ ".join(lines) + r" \end{bmatrix*}"
        if None not in rows and None not in columns:
            return body
        shape = str(array.shape[0]) if array.ndim == 1 else rf"{array.shape[0]} \times {array.shape[1]}"
        return rf"\underbrace{{{body}}}_{{{shape}}}"

    def columns_shown(self, length: int) -> int:
        """How many alignment columns a matrix with ``length`` columns takes."""
        return len(self.kept(length))


def _scientific_or_plain(text: str) -> str:
    """Python's ``1.5e-05`` as ``1.5 \\times 10^{-5}``; text without an exponent unchanged."""
    if "e" not in text:
        return text.rstrip(".")
    mantissa, exponent = text.split("e")
    return rf"{mantissa.rstrip('.')} \times 10^{{{int(exponent)}}}"
