"""How tall a display's line prints, from its terms: the most rows a matrix on it shows, and
whether one has a brace under it (an elided matrix's shape, or what a chain writes under one).
Slides fill their frames with it (lstm_latex/slides.py); nothing here is read back from LaTeX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..layout import ChainLine
from .records import Glued, Line, Numbers, Symbols, Term

if TYPE_CHECKING:
    from ..layout import Typeset


@dataclass(frozen=True)
class Height:
    """How tall something on a display line prints: the rows of its tallest matrix (1: a symbol's
    height, a one-row matrix's), and whether a brace is under a matrix of it."""

    rows: int = 1
    braced: bool = False

    def beside(self, other: Height) -> Height:
        """The height of this and ``other`` on one line."""
        return Height(max(self.rows, other.rows), self.braced or other.braced)


def line_height(records: Sequence[Line], typeset: Typeset) -> Height:
    """How tall a display's line written in ``records`` prints (one record, or several up to one
    that ends in a line break): their left-hand sides and what follows, with ``typeset``'s matrices."""
    height = Height()
    for term in (term for line in records for term in (*line.left, *line.right)):
        height = height.beside(term_height(term, typeset))
    return height


def term_height(term: Term, typeset: Typeset) -> Height:
    """How tall ``term`` prints: an array as many rows as ``typeset`` shows of it, under a brace
    when it elides some; a matrix of symbols a row each; a line of a Layout's chain as tall as it
    says; a symbol or an operator a row."""
    if isinstance(term, Numbers):
        return Height(len(typeset.kept_rows(term.array)), typeset.elided(term.array))
    if isinstance(term, Symbols):
        return Height(len(term.rows))
    if isinstance(term, Glued):
        return term_height(term.term, typeset)
    if isinstance(term, ChainLine):
        return Height(term.rows, term.braced)
    return Height()
