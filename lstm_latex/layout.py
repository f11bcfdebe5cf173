"""Where a derivation's lines break and what its tables keep: decided here, once, for every template.

A template says what the page is; it gets from a ``Layout`` each chain of a computation already
broken into lines that fit the page, whether a bias sits beside its weight, and the state tables
with their long dimensions elided. Widths are in digit widths, as ``NumberFormat.layout``
measures a matrix: the text width to fit (``--width``, or the entry template's ``text_width``), a
TeX length or a preset, is converted at the font size the displays are set in (``TextWidth``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple, TypeVar, get_args

import numpy as np

from .cells import Step
from .errors import RenderError
from .hosts import SECTIONING, Host
from .latex import COLUMN_GAP, NumberFormat, column_widths
from .model import Array, DirectionTrace, Gate, GateParams
from .values import kind, quote

# What stands between the matrices of a chain, in digit widths, measured as NumberFormat.layout's
# matrices are (TeX's \wd of a box in a 10pt display).
GAP = 0.333  # the thin space between two matrices side by side (W x), 1.67pt
OPERATOR = 2.667  # "=" with its thick spaces, 13.33pt ("+" and "-" with theirs are 12.22pt)
SYMBOL = 2.444  # a product sign between two factors, such as \odot, with its spaces: 12.22pt
INDENT = 2.0  # the \quad a continued line starts with
# Beside a weight and its bias on one line: "W_{ii} &=", "&\qquad b_{ii} &=" and the gap between them.
BIAS_LABELS = 14.0
# The left-hand side of a backward display's lines, such as "∂L/∂W_{hi}^{(1)→} &=" or "∂L/∂h_{t-1} &=".
GRADIENT_LABEL = 16.0
# Beside each state a step reads: its symbol, "=" and ", \qquad" after it.
STATE_LABEL = 8.0
# Beside a matrix of states: the matrix of their symbols, such as {h_{2}}^{\top}, and "&=" (SYMBOLS),
# and each column of symbols (SYMBOL_COLUMN).
SYMBOLS = 10.0
SYMBOL_COLUMN = 6.0
# Lines narrower than this (in digit widths) hang their left-hand sides (Layout.hang): the widest
# line of the backward pass's equations and its left-hand side (288pt) do not fit beside the column
# of left-hand sides, nor does output - target (13.6 digits) with a 2 x 4 matrix beside it.
HANG_BELOW = 48.0
# Lines narrower than this break their symbols' equations a second time (Layout.narrow): a gate's
# (LSTM's tanh 177pt, GRU's n 210pt) and dL/dh_t's (185pt) are wider than the narrowest pages.
NARROW_BELOW = 32.5
# Two state tables (h_t and c_t) share a display when they show at most this many columns of numbers.
TABLE_COLUMNS_BESIDE = 6
TABLE_COLUMN = 8.0  # a column of a state table, its gap included, at the least: "0.1234"
STEP_COLUMN = 3.0  # a state table's column of t and its rule
RULE = 0.08  # the rule of an array's "|", 0.4pt

# A digit of Latin Modern (and Computer Modern) is half an em: 5pt in a 10pt font.
DIGIT_EM = 0.5
# What a display line keeps free beside its chain, in digit widths: "&= \tanh\left(" before it
# (9.0, measured as TeX's \wd of a box, as GAP and the rest) and its "\right)" after a tall matrix
# (1.75, of which the chain counts 1).
LINE_MARGIN = 9.75
MATRIX_LABEL = 6.6  # what a line keeps beside a matrix of its own, "W_{hf} &=" (6.53), in digit widths
MIN_SHOWN = 3  # the fewest entries a dimension is elided to: the first, dots, the last
BODY_FONT = 10.0  # the font size a length is measured in when neither the template nor a preset says


@dataclass(frozen=True)
class TextWidth:
    """A text width to fit: its length in TeX points, and the body font size of the class a
    preset stands for (None for a length: the template's, or 10pt)."""

    points: float
    font_size: float | None = None

    def digits(self, font_size: float | None) -> float:
        """How many digits of a ``font_size`` font (the template's; else this width's own, else
        10pt) a line of this width holds."""
        size = font_size or self.font_size or BODY_FONT
        return self.points / (DIGIT_EM * size)


# --width's presets: the text width of each class, as pdflatex reports it, in the class's body font.
WIDTH_PRESETS = {
    "a4": TextWidth(345.0, 10.0),  # article (10pt, a4paper or letter): \textwidth
    "twocolumn": TextWidth(221.0, 10.0),  # article, a4paper and twocolumn: \columnwidth (letter's is 229.5pt)
    "a5": TextWidth(330.86, 10.95),  # KOMA-Script's scrartcl, a5paper, at its default 11pt
    "beamer": TextWidth(307.28, 10.95),  # a frame of beamer's default 4:3 deck
}
# TeX's units, in points.
UNITS = {"pt": 1.0, "bp": 72.27 / 72, "mm": 72.27 / 25.4, "cm": 72.27 / 2.54, "in": 72.27, "pc": 12.0}
# Points: narrower, no matrix of three 4-decimal columns fits beside its name; wider is no page.
WIDTH_RANGE = (155.0, 2000.0)
WIDTH_FORMS = (
    f"a preset ({', '.join(WIDTH_PRESETS)}) or a length such as 8.5cm, 345pt, 3.4in or 120mm"
    f" (units: {', '.join(UNITS)}), or of the host's, such as 0.9\\textwidth, \\linewidth or \\columnwidth"
)
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_LENGTH = re.compile(rf"\s*{_NUMBER}\s*([a-z]+)\s*")
_HOSTS_LENGTH = re.compile(rf"\s*{_NUMBER}?\s*\\(textwidth|linewidth|columnwidth)\s*")


def text_width(text: str, host: Host | None = None) -> TextWidth:
    """The text width ``text`` names: a preset of WIDTH_PRESETS, a TeX length (``8.5cm``), or a
    part of the ``host``'s (``0.9\\textwidth``; ``\\linewidth`` and ``\\columnwidth`` are its
    column's), measured at the host's body font; RenderError for anything else, a length of a host
    not given, or a length outside WIDTH_RANGE."""
    if not isinstance(text, str):
        raise RenderError(f"width is {kind(text)}, expected a string: {WIDTH_FORMS}")
    preset = WIDTH_PRESETS.get(text.strip().lower())
    if preset is not None:
        return preset
    length, hosts = _LENGTH.fullmatch(text.lower()), _HOSTS_LENGTH.fullmatch(text)
    if hosts is not None:
        if host is None:
            raise RenderError(
                f"width {quote(text)} is a length of the host's: name its class with --host (host= in"
                " Python), such as --host article,11pt"
            )
        points = float(hosts[1] or 1) * (host.text_width if hosts[2] == "textwidth" else host.line_width)
    elif length is not None and length[2] in UNITS:
        points = float(length[1]) * UNITS[length[2]]
    else:
        raise RenderError(f"width {quote(text)} is not {WIDTH_FORMS}")
    low, high = WIDTH_RANGE
    if not low <= points <= high:
        given = quote(text.strip()) + ("" if text.strip().endswith("pt") or points > high else f" ({points:.2f}pt)")
        why = (
            f"narrower than {low:.0f}pt, where no matrix of three 4-decimal columns fits"
            if points < low
            else f"wider than {high:.0f}pt, wider than any page"
        )
        raise RenderError(f"width {given} is {why}: give a width from {low:.0f}pt to {high:.0f}pt")
    return TextWidth(points, None if host is None else host.font_size)


Paint = Callable[[str, str | None], str]  # (LaTeX, a gate's letter or None) -> the LaTeX in that gate's colour


class Piece(NamedTuple):
    """A piece of a chain a line may break before: its LaTeX and how wide it prints."""

    text: str
    width: float
    binds: bool = False  # a symbol kept on the line of the factor after it (\odot, a learning rate)
    rows: int = 1  # the most rows a matrix in it shows
    braced: bool = False  # whether a matrix in it has a brace under it


class ChainLine(str):
    """A line of a chain (Layout.chain), its LaTeX, knowing how tall the matrices on it print: the
    most rows one shows, and whether one has a brace under it (slides count them, view/heights.py)."""

    rows: int
    braced: bool

    def __new__(cls, text: str, rows: int = 1, braced: bool = False) -> ChainLine:
        line = super().__new__(cls, text)
        line.rows, line.braced = rows, braced
        return line


# What Layout.chain takes: a matrix; in a gate's colour (or None); with text under a brace; or LaTeX.
Item = Array | tuple[Array, str | None] | tuple[Array, str | None, str] | str
Term = list[Piece]  # a term of a chain, its operator first: its pieces, broken apart only when it is wider than a line
T = TypeVar("T")


class Typeset:
    """How arrays look in one render: each array's matrix and its width, formatted once (the
    same weights appear at every step), and text painted in a gate's colour. Entries hold the
    array itself, so that an id is not reused while it is remembered. One render's own: never
    shared between renders."""

    def __init__(self, numbers: NumberFormat, paint: Paint, *, portable: bool) -> None:
        self.numbers = numbers
        self.paint = paint
        self.room = math.inf  # how wide a matrix may print, in digit widths: set by the render's layout
        self.rows = math.inf  # how many rows it may show (a frame's height, on slides)
        self._portable = portable
        self._shown: dict[int, tuple[Array, str, float, NumberFormat]] = {}

    def matrix(self, array: Array) -> str:
        """``NumberFormat.matrix``, for LaTeX or (``portable``) for KaTeX and MathJax."""
        return self._entry(array)[1]

    def given(self, array: Array) -> str:
        """``matrix(array)`` with as few decimals as give each entry (up to the numbers' precision):
        a number given to a worksheet as it was given, 0.7 rather than 0.7000."""
        precision = self.numbers.precision
        decimals = next(d for d in range(precision + 1) if d == precision or np.array_equal(np.round(array, d), array))
        return replace(self.numbers, precision=decimals).matrix(array, portable=self._portable)

    def answer(self, value: Array, *, filled: bool) -> str:
        """A worksheet's answer: boxes in its shape (a column for a vector; one, unbracketed, for a
        number), each as wide as a number printed and tall enough to write in; filled (the key),
        each with its number, so that a key's page is its sheet's. KaTeX and MathJax, for a
        screen, get a filled answer's matrix (its number)."""
        if filled and self._portable:
            return self.matrix(value) if value.ndim else self.numbers.number(float(value))
        numbers = np.asarray(value, dtype=float).reshape(value.shape[0] if value.ndim else 1, -1)
        boxes = [[self._box(number if filled else None) for number in row] for row in numbers]
        if not value.ndim:
            return boxes[0][0]
        rows = [" & ".join(row) for row in boxes]
        return r"\begin{bmatrix} " + r" \\[0.5ex] ".join(rows) + r" \end{bmatrix}"

    def _box(self, number: float | None) -> str:
        """A box as wide as -0.0000 at the numbers' precision, with ``number`` set in it at the right."""
        filled = "" if number is None else rf"\llap{{${self.numbers.number(number)}$}}"
        return rf"\boxed{{\rule[-1.1ex]{{0pt}}{{3.3ex}}\phantom{{-0.{'0' * self.numbers.precision}}}{filled}}}"

    def width(self, array: Array) -> float:
        """How wide ``matrix(array)`` prints, in digit widths."""
        return self._entry(array)[2]

    def fitting(self, shape: tuple[int, ...], width: Callable[[NumberFormat], float]) -> NumberFormat:
        """The numbers at the largest ``max_size`` up to the style's for which something of
        ``shape`` is ``width`` wide or less (``room``) and shows ``rows`` rows or fewer: a matrix
        too wide for the line (or too tall for a frame) is elided further. RenderError, saying what
        to pass, when even three columns are too wide."""
        numbers = self.numbers
        while width(numbers) > self.room or len(numbers.kept(shape[0])) > self.rows:
            longest = max(shape)
            if min(numbers.max_size, longest) <= MIN_SHOWN:
                raise RenderError(
                    f"a matrix of shape {shape} is {width(numbers):.0f} digits wide with {MIN_SHOWN} columns,"
                    f" wider than the text ({self.room:.0f}): pass a wider --width, or fewer --precision"
                    " or --sig digits"
                )
            numbers = replace(numbers, max_size=max(MIN_SHOWN, min(numbers.max_size, longest) - 1))
        return numbers

    def kept_rows(self, array: Array) -> list[int | None]:
        """The rows ``matrix(array)`` shows, None for the elided middle."""
        return self._entry(array)[3].kept(array.shape[0])

    def elided(self, array: Array) -> bool:
        """Whether ``matrix(array)`` leaves rows or columns out (its shape under a brace)."""
        return any(None in self._entry(array)[3].kept(n) for n in array.shape)

    def _entry(self, array: Array) -> tuple[Array, str, float, NumberFormat]:
        entry = self._shown.get(id(array))
        if entry is None or entry[0] is not array:
            layouts: dict[NumberFormat, tuple[str, float]] = {}  # each elision tried, laid out once

            def laid_out(numbers: NumberFormat) -> tuple[str, float]:
                if numbers not in layouts:
                    layouts[numbers] = numbers.layout(array, portable=self._portable)
                return layouts[numbers]

            numbers = self.fitting(array.shape, lambda numbers: laid_out(numbers)[1])
            text, width = laid_out(numbers)
            entry = self._shown[id(array)] = (array, text, width, numbers)
        return entry


def layout_at(typeset: Typeset, width: str | TextWidth, font_size: float | None, rows: float = math.inf) -> Layout:
    """The layout of lines ``width`` wide (a preset or a TeX length, see ``text_width``) whose
    displays are set in a ``font_size`` font (None: the preset's, else 10pt), with matrices of at
    most ``rows`` rows shown (on slides: what a frame holds)."""
    digits = (width if isinstance(width, TextWidth) else text_width(width)).digits(font_size)
    # a frame (rows limited) has no room to spare: each matrix fits a chain's line beside a gradient
    label = MATRIX_LABEL if rows == math.inf else GRADIENT_LABEL + INDENT + OPERATOR
    typeset.room = digits - label
    typeset.rows = rows
    return Layout(typeset, digits - LINE_MARGIN)


@dataclass(frozen=True)
class StateTable:
    """A direction's states, a row per step in time order: the step's t, then the numbers, with
    dots where steps or entries are elided; the numbers are the states divided by ``10^power``
    (0: the states themselves), one notation for the table as for a matrix."""

    columns: int  # columns of numbers, a column of dots included
    rows: list[tuple[str, ...]]
    power: int = 0

    @property
    def scale(self) -> str:
        """What the header writes before the states' symbol: the power of ten the numbers are
        multiplied by (10^{2} h_t^T for numbers divided by 10^{-2}), or nothing."""
        return f"10^{{{-self.power}}} " if self.power else ""


@dataclass(frozen=True)
class Layout:
    """The lines and tables of a derivation whose display lines hold ``width`` digit widths."""

    typeset: Typeset
    width: float

    @property
    def hang(self) -> bool:
        """Whether lines are too narrow for a column of left-hand sides (a two-column page):
        then each display's left-hand side starts its first line (the view's lines, and
        view.opening for a template's), and the lines after it have the whole width."""
        return self.width < HANG_BELOW

    @property
    def narrow(self) -> bool:
        """Whether lines are too narrow even for a gate's equation in symbols, hung: then it
        breaks before its hidden part (the templates' ``wrap(true)``)."""
        return self.width < NARROW_BELOW

    def gate(self, params: GateParams, step: Step, gate: Gate, reset: Gate | None = None) -> list[str]:
        """``W_ik x_t + b_ik + W_hk h_prev + b_hk`` with the numbers in, as lines. With ``reset``
        (the GRU's r gate of the step), the hidden part is ``r_t ⊙ (W_hn h_prev + b_hn)``, its
        parenthesis already worked out (``hidden``). On a narrow page, when W_ik is wider than
        the line beside the function it is the argument of, the first line is empty: the
        numbers start on the next."""
        terms = [self._term("", self._array(params.weight_i), self._array(step.x)), *self._bias(params.bias_i)]
        if reset is None:
            terms.append(self._term("+", self._array(params.weight_h), self._array(step.h_prev)))
            terms += self._bias(params.bias_h)
        else:
            product = Piece(r"\odot", SYMBOL, binds=True)
            terms.append(
                self._term("+", self._array(reset.activation, reset.name), product, self._array(gate.hidden_affine))
            )
        lines = self._lines(terms)
        return ["", *lines] if self.hang and terms[0][0].width > self.width else lines

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
                terms.append([Piece(r"+ \cdots", OPERATOR + SYMBOL)])
                continue
            factors = [self._array(columns[k])]
            if rows is not None:
                factors.append(self._array(rows[k][np.newaxis, :]))  # b_kᵀ, a row
            terms.append(self._term("+" if terms else "", *factors))
        return self._lines([*terms, self._term("=", self._array(result))], GRADIENT_LABEL, beside=rows is None)

    def difference(self, minuend: Array, factor: str, subtrahend: Array, result: Array, named: str = "") -> list[str]:
        """``a − factor b = result`` with the numbers in, as lines (``factor`` as printed, or empty):
        output − target, or a step of gradient descent, W − η ∂L/∂W; then ``= named`` when given."""
        factor_term = Piece(factor, float(len(factor)), binds=True)
        terms = [
            self._term("", self._array(minuend)),
            self._term("-", factor_term, self._array(subtrahend)),
            self._term("=", self._array(result)),
        ]
        if named:
            terms.append([Piece(f"= {named}", OPERATOR + _symbol_width(named))])
        return self._lines(terms, GRADIENT_LABEL, beside=True)

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
        # a table has no left-hand side beside it: the whole line is its own
        last = str(steps[-1].t)
        numbers = self.typeset.fitting(states.shape, lambda numbers: table_width(numbers, states, last) - MATRIX_LABEL)
        grid = numbers.grid(states)
        labels = [r"\vdots" if k is None else str(steps[k].t) for k in numbers.kept(len(steps))]
        rows = [(label, *row) for label, row in zip(labels, grid, strict=True)]
        return StateTable(len(grid[0]), rows, numbers.power(states))

    def tables_beside(self, *sizes: int) -> bool:
        """Whether state tables of these sizes share a display: few columns, and narrow enough."""
        columns = sum(self.typeset.numbers.columns_shown(size) for size in sizes)
        return columns <= TABLE_COLUMNS_BESIDE and columns * TABLE_COLUMN + len(sizes) * STEP_COLUMN <= self.width

    def rows(self, array: Array, items: Sequence[T]) -> list[T | None]:
        """The items, one a row of ``array``, that its matrix shows, None for the elided middle:
        the labels of its rows."""
        return [None if k is None else items[k] for k in self.typeset.kept_rows(array)]

    def elided(self, items: Sequence[T]) -> list[T | None]:
        """The items a matrix of their length shows, None for the elided middle."""
        return [None if k is None else items[k] for k in self.typeset.numbers.kept(len(items))]

    def chain(self, items: Sequence[Item], label: float = 0.0, beside: bool = False) -> list[str]:
        """A chain of matrices and the operators between them, such as
        ``[f, r"\\odot", c_prev, "+", (i, "i"), r"\\odot", g]``, as lines that fit beside a
        left-hand side ``label`` digit widths wide. An array is its matrix; ``(array, k)`` its
        matrix in gate k's colour, ``(array, k, text)`` with ``text`` under a brace (k may be None).
        ``+``, ``-`` and ``=`` begin a term, where a line best breaks; other text (``\\odot``,
        ``\\tanh\\left(``) stays with the matrix after it, and ``\\right)`` (or text at the end)
        with the one before it. A parenthesis a break falls inside is closed and reopened invisibly.
        ``beside``: the chain starts on its left-hand side's line (see ``_lines``)."""
        terms: list[Term] = []
        symbols: list[Piece] = []
        for item in items:
            if isinstance(item, str):
                operator = item in ("+", "-", "=")
                if operator or not terms:
                    terms.append([])
                if item.startswith(r"\right") and terms[-1]:
                    terms[-1][-1] = _joined(terms[-1][-1], item)
                else:
                    symbols.append(Piece(item, OPERATOR if operator else _symbol_width(item), binds=True))
                continue
            if not terms:
                terms.append([])
            terms[-1] += self._term("", *symbols, self._item(item))
            symbols = []
        for symbol in symbols:  # text after the last matrix, such as "> 0\bigr]"
            terms[-1][-1] = _joined(terms[-1][-1], symbol.text)
        return self._lines(terms, label, beside)

    def _item(self, item: Array | tuple[Array, str | None] | tuple[Array, str | None, str]) -> Piece:
        if not isinstance(item, tuple):
            return self._array(item)
        piece = self._array(item[0], item[1])
        if len(item) < 3:
            return piece
        under = item[2]
        text = rf"\underbrace{{{piece.text}}}_{{{under}}}"
        return Piece(text, max(piece.width, 0.7 * _symbol_width(under)), rows=piece.rows, braced=True)

    def beside(self, arrays: Sequence[Array], label: float) -> bool:
        """Whether the matrices of ``arrays`` fit on one line, each with ``label`` digit widths beside it."""
        return sum(self.typeset.width(array) + GAP + label for array in arrays) <= self.width

    def states_beside(self, states: Sequence[Array]) -> bool:
        """Whether the states a step reads fit side by side, each with its symbol; else a line each."""
        return self.beside(states, STATE_LABEL)

    def symbols_beside(self, states: Array, columns: int = 1) -> bool:
        """Whether a matrix of states fits beside the matrix of their symbols, ``columns`` wide
        (the output's: one a direction; the final states': one)."""
        return self.beside([states], SYMBOLS + SYMBOL_COLUMN * columns)

    def gradient_chain(self, items: Sequence[Item], beside: bool = False) -> list[str]:
        """``chain`` beside the left-hand side of a backward display, such as ∂L/∂h_{t-1}."""
        return self.chain(items, GRADIENT_LABEL, beside)

    def _array(self, array: Array, gate: str | None = None) -> Piece:
        text = self.typeset.matrix(array)
        painted = text if gate is None else self.typeset.paint(text, gate)
        rows = len(self.typeset.kept_rows(array))
        return Piece(painted, self.typeset.width(array) + GAP, rows=rows, braced=self.typeset.elided(array))

    def _bias(self, bias: Array | None) -> list[Term]:
        return [] if bias is None else [self._term("+", self._array(bias))]

    @staticmethod
    def _term(operator: str, *factors: Piece) -> Term:
        """The term ``operator factor factor …`` as the pieces a line may break between: each
        factor, with a symbol that binds (``\\odot``, a learning rate) kept with the one after it,
        and the operator with the first."""
        pieces: list[Piece] = []
        held: list[Piece] = []  # the factors in the piece so far
        text, width = operator, OPERATOR if operator else 0.0
        for factor in factors:
            text, width = f"{text} {factor.text}".strip(), width + factor.width
            held.append(factor)
            if not factor.binds:
                pieces.append(_together(text, width, held))
                text, width, held = "", 0.0, []
        return pieces

    def _lines(self, terms: Iterable[Term], label: float = 0.0, beside: bool = False) -> list[str]:
        """The terms in order, as many on a line as fit beside a left-hand side ``label`` digit
        widths wide; a continued line is indented. A term too wide for a line of its own is broken
        between its factors; a parenthesis open at a break is closed with ``\\right.`` and
        reopened with ``\\left.``. When the left-hand sides hang (``hang``), only the first line
        of a chain that starts ``beside`` its left-hand side has it beside it, and starts below it
        when its first term does not fit there. Each line is a ChainLine: it knows how tall it prints."""
        lines: list[str] = []
        tallest: list[list[Piece]] = []  # the pieces on each line, for how tall it prints
        used = depth = 0.0

        def room(line: int) -> float:
            if not self.hang:  # the left-hand sides' column is beside every line
                return self.width - label
            return self.width - (label if line == 0 and beside else 0.0)

        terms = list(terms)
        if self.hang and beside and label and terms and sum(piece.width for piece in terms[0]) > room(0):
            lines.append("")  # the left-hand side alone on the first line: the chain starts below it
            tallest.append([])
        for term in terms:
            width = 0.0
            for piece in term:
                width += piece.width  # left to right: at the very edge of a line, rounding decides
            whole = width <= room(1) - INDENT or len(term) == 1
            for piece in [_together(" ".join(p.text for p in term), width, term)] if whole else term:
                text, piece_width = piece.text, piece.width
                if not lines or used + piece_width > room(len(lines) - 1):
                    if lines and depth:
                        lines[-1] += r" \right." * int(depth)
                        text = r"\left. {} " * int(depth) + text
                    lines.append(text)
                    tallest.append([piece])
                    used = piece_width + (INDENT if len(lines) > 1 else 0)
                else:
                    lines[-1] += " " + text
                    tallest[-1].append(piece)
                    used += piece_width
                depth += text.count(r"\left(") - text.count(r"\right)")
        return [ChainLine(line, *_tallest(pieces)) for line, pieces in zip(lines, tallest, strict=True)]


def table_width(numbers: NumberFormat, states: Array, last: str) -> float:
    """How wide the state table of ``states`` (an array of columns, its steps' ``t`` up to ``last``
    in the first) prints, in digit widths: each column with \\arraycolsep on both sides, and the
    rule after the column of t."""
    columns = column_widths(numbers.grid(states))
    return len(last) + sum(columns) + COLUMN_GAP * (len(columns) + 1) + RULE


def _joined(piece: Piece, text: str) -> Piece:
    return Piece(f"{piece.text} {text}", piece.width + _symbol_width(text), rows=piece.rows, braced=piece.braced)


def _together(text: str, width: float, pieces: Sequence[Piece]) -> Piece:
    """The piece ``text``, ``width`` wide, that ``pieces`` make together: as tall as the tallest."""
    rows, braced = _tallest(pieces)
    return Piece(text, width, rows=rows, braced=braced)


def _tallest(pieces: Sequence[Piece]) -> tuple[int, bool]:
    """The most rows a matrix of ``pieces`` shows, and whether one has a brace under it."""
    return max((piece.rows for piece in pieces), default=1), any(piece.braced for piece in pieces)


def _symbol_width(latex: str) -> float:
    """About how wide a short piece of LaTeX between matrices prints, in digit widths: a command
    such as ``\\odot`` or ``\\tanh`` 2, another character 1; ``\\left``, ``\\right`` and braces nothing."""
    text = re.sub(r"\\(left|right|bigl|bigr)\b", "", latex)
    commands = len(re.findall(r"\\[A-Za-z]+", text))
    return 2.0 * commands + len(re.sub(r"\\[A-Za-z]+|[{}\s]", "", text))


# Where the derivation's headings sit in the document that holds it: its top headings at this
# level, the ones inside them below it. "none" writes no sectioning command at all.
HeadingLevel = Literal["section", "subsection", "subsubsection", "paragraph", "none"]
HEADING_LEVELS: tuple[HeadingLevel, ...] = get_args(HeadingLevel)
PART_DEPTH = 2  # the depth of a part's title, below the top headings and the ones inside them


@dataclass(frozen=True)
class Headings:
    """The derivation's headings in one render: ``level`` for its top ones (``The network``,
    ``Step t = 1``), the ones inside them one level down, and the parts' run-in titles (a gate,
    a state update) at paragraph level or below; first its title when ``titled`` (a snippet given a
    title puts it at ``level`` and the rest one level below), with the host's ``sectioning``
    commands (a class without \\subsubsection skips it)."""

    level: HeadingLevel
    titled: bool = False
    sectioning: tuple[str, ...] = SECTIONING

    def command(self, depth: int) -> str | None:
        """The sectioning command of a heading ``depth`` levels below the derivation's top
        (-1: the title of a titled one), or None where there is none: at level "none", and
        below subparagraph, where a bold run-in title stands instead."""
        index = self.index(depth)
        return None if index is None else self.sectioning[index]

    def index(self, depth: int) -> int | None:
        """The level of the heading at ``depth`` as an index of ``sectioning`` (0: section), as
        ``command``; Markdown writes it with that many "#" after the document's title's two."""
        if self.level == "none":
            return None
        index = self.sectioning.index(self.level) + self.rank(depth)
        if depth >= PART_DEPTH:  # a part (a gate, a state update) has a run-in title: paragraph or below
            index = max(index, self.sectioning.index("paragraph"))
        return index if index < len(self.sectioning) else None

    def rank(self, depth: int) -> int:
        """How far below the top of the derivation (its title, if it has one) a heading at
        ``depth`` is: 0, 1, 2 and on, for the run-in titles that stand for missing commands."""
        return depth + (1 if self.titled else 0)
