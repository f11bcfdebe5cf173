"""Where a derivation's lines break and what its tables keep: decided here, once, for every template.

A template says what the page is; it gets from a ``Layout`` each chain of a computation already
broken into lines that fit the page, whether a bias sits beside its weight, and the state tables
with their long dimensions elided. Widths are in digit widths, as ``NumberFormat.layout``
measures a matrix; each entry template says how many a display line holds (``line_width``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

import numpy as np

from .cells import Step
from .latex import NumberFormat
from .model import Array, DirectionTrace, Gate, GateParams

# What stands between the matrices of a chain, in digit widths, calibrated as NumberFormat.layout is.
GAP = 1.0  # the space after a matrix
OPERATOR = 2.0  # "+" or "=" with its spaces
SYMBOL = 2.0  # a product sign between two factors, such as \odot
INDENT = 2.0  # the \quad a continued line starts with
# Beside a weight and its bias on one line: "W_{ii} &=", "&\qquad b_{ii} &=" and the gap between them.
BIAS_LABELS = 14.0
# The left-hand side of a backward display's lines, such as "∂L/∂W_{hi}^{(1)→} &=" or "∂L/∂h_{t-1} &=".
GRADIENT_LABEL = 16.0
# Two state tables (h_t and c_t) share a display when they show at most this many columns of numbers.
TABLE_COLUMNS_BESIDE = 6

Paint = Callable[[str, str], str]  # (LaTeX, a gate's letter) -> the LaTeX in that gate's colour
Term = tuple[str, float]  # a term of a chain as LaTeX, its operator first, and how wide it prints
T = TypeVar("T")


class Typeset:
    """How arrays look in one render: each array's matrix and its width, formatted once (the
    same weights appear at every step), and text painted in a gate's colour. Entries hold the
    array itself, so that an id is not reused while it is remembered; ``forget`` ends a render."""

    def __init__(self, numbers: NumberFormat, paint: Paint, *, portable: bool) -> None:
        self.numbers = numbers
        self.paint = paint
        self._portable = portable
        self._shown: dict[int, tuple[Array, str, float]] = {}

    def matrix(self, array: Array) -> str:
        """``NumberFormat.matrix``, for LaTeX or (``portable``) for KaTeX and MathJax."""
        return self._entry(array)[1]

    def width(self, array: Array) -> float:
        """How wide ``matrix(array)`` prints, in digit widths."""
        return self._entry(array)[2]

    def _entry(self, array: Array) -> tuple[Array, str, float]:
        entry = self._shown.get(id(array))
        if entry is None or entry[0] is not array:
            text, width = self.numbers.layout(array, portable=self._portable)
            entry = self._shown[id(array)] = (array, text, width)
        return entry

    def forget(self) -> None:
        self._shown.clear()


@dataclass(frozen=True)
class StateTable:
    """A direction's states, a row per step in time order: the step's t, then the numbers, with
    dots where steps or entries are elided; the numbers are the states divided by ``10^power``
    (0: the states themselves), one notation for the table as for a matrix."""

    columns: int  # columns of numbers, a column of dots included
    rows: list[tuple[str, ...]]
    power: int = 0


@dataclass(frozen=True)
class Layout:
    """The lines and tables of a derivation whose display lines hold ``width`` digit widths."""

    typeset: Typeset
    width: float

    def gate(self, params: GateParams, step: Step, gate: Gate, reset: Gate | None = None) -> list[str]:
        """``W_ik x_t + b_ik + W_hk h_prev + b_hk`` with the numbers in, as lines. With ``reset``
        (the GRU's r gate of the step), the hidden part is ``r_t ⊙ (W_hn h_prev + b_hn)``, its
        parenthesis already worked out (``hidden``)."""
        terms = [self._term("", self._array(params.weight_i), self._array(step.x)), *self._bias(params.bias_i)]
        if reset is None:
            terms.append(self._term("+", self._array(params.weight_h), self._array(step.h_prev)))
            terms += self._bias(params.bias_h)
        else:
            product = (r"\odot", SYMBOL)
            terms.append(
                self._term("+", self._array(reset.activation, reset.name), product, self._array(gate.hidden_affine))
            )
        return self._lines(terms)

    def hidden(self, params: GateParams, step: Step, gate: Gate) -> list[str]:
        """``W_hk h_prev + b_hk = `` its value, as lines."""
        terms = [self._term("", self._array(params.weight_h), self._array(step.h_prev)), *self._bias(params.bias_h)]
        return self._lines([*terms, self._term("=", self._array(gate.hidden_affine))])

    def projection(self, weight_hr: Array, unprojected: Array, h: Array) -> list[str]:
        """``W_hr (o_t ⊙ tanh(c_t)) = h_t`` with the numbers in, as lines."""
        return self._lines(
            [self._term("", self._array(weight_hr), self._array(unprojected)), self._term("=", self._array(h))]
        )

    def transposed_products(
        self, weights: Sequence[Array], vectors: Sequence[Array], names: str, result: Array
    ) -> list[str]:
        """``W_1ᵀ v_1 + W_2ᵀ v_2 + … = result`` with the numbers in, as lines: each weight shown
        transposed, in the colour of its gate (the letters of ``names``, one a weight)."""
        terms = [
            self._term("+" if k else "", self._array(weight.T, name), self._array(vector))
            for k, (weight, vector, name) in enumerate(zip(weights, vectors, names, strict=True))
        ]
        return self._lines([*terms, self._term("=", self._array(result))], GRADIENT_LABEL)

    def outer_sum(self, columns: Sequence[Array], rows: Sequence[Array] | None, result: Array) -> list[str]:
        """``a_1 b_1ᵀ + a_2 b_2ᵀ + … = result`` (``rows`` None: ``a_1 + a_2 + …``), a term a step,
        with the middle of a long sum elided as a long matrix is."""
        terms = []
        for k in self.typeset.numbers.kept(len(columns)):
            if k is None:
                terms.append((r"+ \cdots", OPERATOR + SYMBOL))
                continue
            factors = [self._array(columns[k])]
            if rows is not None:
                factors.append(self._array(rows[k][np.newaxis, :]))  # b_kᵀ, a row
            terms.append(self._term("+" if terms else "", *factors))
        return self._lines([*terms, self._term("=", self._array(result))], GRADIENT_LABEL)

    def difference(self, minuend: Array, factor: str, subtrahend: Array, result: Array) -> list[str]:
        """``a − factor b = result`` with the numbers in, as lines (``factor`` as printed, or empty):
        output − target, or a step of gradient descent, W − η ∂L/∂W."""
        factor_term = (factor, float(len(factor)))
        return self._lines(
            [
                self._term("", self._array(minuend)),
                self._term("-", factor_term, self._array(subtrahend)),
                self._term("=", self._array(result)),
            ],
            GRADIENT_LABEL,
        )

    def biases_beside(self, params: GateParams) -> bool:
        """Whether each bias fits on its weight's line, for both pairs, rather than below it."""
        return all(
            sum(self.typeset.width(a) + GAP for a in pair if a is not None) + BIAS_LABELS <= self.width
            for pair in ((params.weight_i, params.bias_i), (params.weight_h, params.bias_h))
        )

    def state_table(self, trace: DirectionTrace[Step], name: str) -> StateTable:
        """The states ``name`` ("h" or "c") of each step of ``trace``, elided as a matrix is."""
        steps = sorted(trace.steps, key=lambda step: step.t)
        states = np.stack([getattr(step, name) for step in steps])  # (T, H)
        grid = self.typeset.numbers.grid(states)
        labels = [r"\vdots" if step is None else str(step.t) for step in self.elided(steps)]
        rows = [(label, *row) for label, row in zip(labels, grid, strict=True)]
        return StateTable(len(grid[0]), rows, self.typeset.numbers.power(states))

    def tables_beside(self, *sizes: int) -> bool:
        """Whether state tables of these sizes share a display."""
        return sum(self.typeset.numbers.columns_shown(size) for size in sizes) <= TABLE_COLUMNS_BESIDE

    def elided(self, items: Sequence[T]) -> list[T | None]:
        """The items a matrix of their length shows, None for the elided middle."""
        return [None if k is None else items[k] for k in self.typeset.numbers.kept(len(items))]

    def _array(self, array: Array, gate: str | None = None) -> Term:
        text = self.typeset.matrix(array)
        return (text if gate is None else self.typeset.paint(text, gate)), self.typeset.width(array) + GAP

    def _bias(self, bias: Array | None) -> list[Term]:
        return [] if bias is None else [self._term("+", self._array(bias))]

    @staticmethod
    def _term(operator: str, *factors: Term) -> Term:
        text = " ".join([operator, *(text for text, _ in factors)]).strip()
        width = OPERATOR if operator else 0.0
        for _, factor_width in factors:
            width += factor_width  # left to right: at the very edge of a line, rounding decides
        return text, width

    def _lines(self, terms: Iterable[Term], label: float = 0.0) -> list[str]:
        """The terms in order, as many on a line as fit beside a left-hand side ``label`` digit
        widths wide; a continued line is indented."""
        lines: list[str] = []
        used = 0.0
        for text, width in terms:
            if not lines or used + width > self.width - label:
                lines.append(text)
                used = width + (INDENT if len(lines) > 1 else 0)
            else:
                lines[-1] += " " + text
                used += width
        return lines


# Where the derivation's headings sit in the document that holds it: its top headings at this
# level, the ones inside them below it. "none" writes no sectioning command at all.
HeadingLevel = Literal["section", "subsection", "subsubsection", "paragraph", "none"]
HEADING_LEVELS: tuple[HeadingLevel, ...] = get_args(HeadingLevel)
# LaTeX's sectioning commands from the top; in beamer only the first three exist.
SECTIONING = ("section", "subsection", "subsubsection", "paragraph", "subparagraph")
PART_DEPTH = 2  # the depth of a part's title, below the top headings and the ones inside them


@dataclass(frozen=True)
class Headings:
    """The derivation's headings in one render: ``level`` for its top ones (``The network``,
    ``Step t = 1``), the ones inside them one level down, and the parts' run-in titles (a gate,
    a state update) at paragraph level or below; first its title when ``titled`` (a snippet given a
    title puts it at ``level`` and the rest one level below)."""

    level: HeadingLevel
    titled: bool = False

    def command(self, depth: int) -> str | None:
        """The sectioning command of a heading ``depth`` levels below the derivation's top
        (-1: the title of a titled one), or None where there is none: at level "none", and
        below subparagraph, where a bold run-in title stands instead."""
        index = self.index(depth)
        return None if index is None else SECTIONING[index]

    def index(self, depth: int) -> int | None:
        """The level of the heading at ``depth`` as an index of SECTIONING (0: section), as
        ``command``; Markdown writes it with that many "#" after the document's title's two."""
        if self.level == "none":
            return None
        index = SECTIONING.index(self.level) + self.rank(depth)
        if depth >= PART_DEPTH:  # a part (a gate, a state update) has a run-in title: paragraph or below
            index = max(index, SECTIONING.index("paragraph"))
        return index if index < len(SECTIONING) else None

    def rank(self, depth: int) -> int:
        """How far below the top of the derivation (its title, if it has one) a heading at
        ``depth`` is: 0, 1, 2 and on, for the run-in titles that stand for missing commands."""
        return depth + (1 if self.titled else 0)
