"""The view: a derivation and its page turned into records that the templates only print (parts,
displays, lines, terms), each cell's in a module of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .directions import LabelledDirection, LabelledGradients, backward_order, labelled
from .gru import GruView
from .lstm import LstmView
from .records import BLANKS, WHOLE_KEY, Blank, Line, Sheet, Term, aligned_lines, inline_items, math
from .rnn import RnnView
from .step import StepView

if TYPE_CHECKING:
    from ..cells import Cell
    from ..layout import Layout
    from ..selection import Selection

# Each cell's view, by its partial's name (cells.Cell.partial).
VIEWS: dict[str, type[StepView]] = {"lstm": LstmView, "gru": GruView, "rnn": RnnView}


def step_view(layout: Layout, cell: Cell, selection: Selection, layers: int) -> StepView:
    """The view of a derivation of ``cell`` on a page of ``layout``, showing ``selection``."""
    return VIEWS[cell.partial](layout, cell, selection, layers)


__all__ = [
    "BLANKS",
    "WHOLE_KEY",
    "Blank",
    "LabelledDirection",
    "LabelledGradients",
    "Line",
    "Sheet",
    "StepView",
    "Term",
    "aligned_lines",
    "backward_order",
    "inline_items",
    "labelled",
    "math",
    "step_view",
]
