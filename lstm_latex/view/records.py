"""What a page is made of, as records the templates print: a part, its displays, their lines, each
line's terms (a symbol, an array's numbers, the LaTeX between them); the math every format writes
for them; and a worksheet's page. Decided in Python, once, for every format."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, get_args

from ..cells import Cell
from ..model import Array
from ..selection import EVERYTHING, Selection
from .prose import Paragraph

if TYPE_CHECKING:
    from ..cells import Step
    from ..layout import Layout, StateTable, Typeset
    from ..model import Trace
    from ..output_formats import OutputFormat
    from .directions import LabelledDirection

# What a sheet leaves blank, each level with the ones before it: the states (c_t, h_t; ∂L/∂h_t,
# ∂L/∂c_t), then the gates (the activations, the δ's, the parameters' gradients), then every
# computed vector (the affine parts, the preactivations, the products and sums between).
Blank = Literal["states", "gates", "all"]

BLANKS: tuple[Blank, ...] = get_args(Blank)

MAX_VARIANTS = 500  # the most variants (students) a worksheet is drawn for

# What a worksheet may ask: the forward pass, the backward pass (the loss and every gradient), and
# the step of SGD; a network without a target or grad_output has no backward pass, one without a
# learning rate no step of SGD.
WORKSHEET_PARTS = ("forward", "backward", "sgd")
# The formats a worksheet is written in (worksheet.tex.j2 and worksheet.md.j2): on paper, or on a screen.
WORKSHEET_FORMATS: tuple[OutputFormat, ...] = ("latex", "markdown")

# The key: the sheet with each box filled in (page for page the sheet's), or the whole derivation
# worked by hand, as `render --hand` writes it.
Key = Literal["filled", "worked"]
KEYS: tuple[Key, ...] = get_args(Key)

# The paper a worksheet is printed on: LaTeX's a4paper or letterpaper.
Paper = Literal["a4", "letter"]
PAPERS: tuple[Paper, ...] = get_args(Paper)


@dataclass(frozen=True)
class Sheet:
    """A worksheet's page: its key or its sheet, the levels it asks for, and where it stands among
    the variants. The default is what `render --template worksheet` prints: one key of every level."""

    answers: bool = True  # the key, with every answer's numbers; else boxes to fill in
    blank: Blank = "all"  # the deepest level asked for: every level up to it is asked
    variant: str | None = None  # the variant's heading, its number or a name
    named: bool = False  # whether that heading is a name (else the sheet has a line for one)
    first: bool = True  # whether this variant opens the document
    last: bool = True  # and whether it closes it
    worked: bool = False  # a key worked out: the whole derivation by hand, rather than the sheet filled in
    paper: Paper = "a4"  # the paper it is printed on, A4 or US letter
    # What it asks: the parts "forward", "backward" (with the loss and the parameters' gradients)
    # and "sgd", and the steps, layers, directions and gates; the values of the others it needs
    # are given (lstm_latex.worksheet.check_asked says what a network has).
    asked: Selection = EVERYTHING

    def asks(self, level: Blank) -> bool:
        """Whether the page asks for the quantities of ``level`` ("states", "gates" or "all")."""
        return BLANKS.index(level) <= BLANKS.index(self.blank)

    def asks_of(
        self, part: str, d: LabelledDirection | None = None, t: int | None = None, gate: str | None = None
    ) -> bool:
        """Whether the page asks for a value of ``part`` ("forward", "backward", "sgd"), of
        direction ``d`` at step ``t`` and of ``gate`` (None: any)."""
        asked = self.asked
        return (
            asked.shows_part(part)
            and (d is None or asked.shows_direction(d.trace.params))
            and (t is None or asked.steps is None or t in asked.steps)
            and (gate is None or asked.shows_gate(gate))
        )


WHOLE_KEY = Sheet()  # the page of a worksheet rendered on its own: the key of every level


# A display is made of terms: a symbol, a matrix of numbers, either followed by text (Glued), or
# LaTeX between them (an operator, a function, a chain of matrices a Layout broke into lines).
@dataclass(frozen=True)
class Symbol:
    """A quantity's symbol, such as W_{ii}^{(1)}: its letter, its index, the marks of its layer
    and direction (LabelledDirection.sup), and the gate whose colour it has, if any."""

    letter: str
    index: str
    sup: str = ""
    gate: str | None = None


@dataclass(frozen=True)
class Numbers:
    """An array's numbers, as a matrix (a column for a vector), in a gate's colour or none; given
    to a worksheet, with as many decimals as they were given with (0.7, not 0.7000)."""

    array: Array
    gate: str | None = None
    given: bool = False


@dataclass(frozen=True)
class Glued:
    """A term with text right after it (and before it), no space between: "b_{hn})", a matrix and its comma."""

    term: Term
    text: str
    before: str = ""  # and text right before it: "\partial L/\partial " before h_{t}


@dataclass(frozen=True)
class Symbols:
    """A matrix of symbols, a row of terms each: which state each row of a matrix of numbers holds."""

    rows: tuple[tuple[Term, ...], ...]


@dataclass(frozen=True)
class Answer:
    """A value a worksheet asks for: on the key (``filled``) its numbers, on the sheet boxes of
    its shape to write them in, never in colour (a colour's fill prints grey: the symbols carry
    the gates' colours); named as the marking names it (lstm_latex.marking), its entries from row
    ``row`` of the array so named (a gate's block of a parameter's gradient)."""

    value: Array  # of shape () for a number, such as the loss
    name: str
    filled: bool
    row: int = 0


Term = Symbol | Numbers | Glued | Symbols | Answer | str


def math(terms: Sequence[Term], typeset: Typeset) -> str:
    """Terms as the math every format writes (LaTeX, KaTeX, MathJax), a space between them: a
    symbol in its gate's colour, an array as ``typeset`` sets its matrix."""
    return " ".join(_math(term, typeset) for term in terms)


def aligned_lines(lines: Sequence[Line], typeset: Typeset, reveal: str) -> str:
    """The lines of an aligned display as every format writes them: each line's left-hand side,
    its alignment point, what follows, and its end: ``reveal`` (the format's line break where
    slides show the next line), a plain break, or one with space below it."""
    ends: dict[End, str] = {"reveal": " " + reveal, "break": r" \\", "gap": r" \\[1ex]", "": ""}
    return "\n".join(
        ("  " if line.indented else "")
        + (math(line.left, typeset) + " " if line.left else "")
        + ("&" if line.aligned else "")
        + math(line.right, typeset)
        + ends[line.end]
        for line in lines
    )


def inline_items(lines: Sequence[Line], typeset: Typeset, gap: str) -> str:
    """The lines of a flowing display as inline math, one after another with ``gap`` between:
    the page breaks between them (and within one, after a relation) where a line of it is full."""
    return f"\n{gap}\n".join(f"${math([*line.left, *line.right], typeset)}$" for line in lines)


def _math(term: Term, typeset: Typeset) -> str:
    if isinstance(term, str):
        return term
    if isinstance(term, Glued):
        return term.before + _math(term.term, typeset) + term.text
    if isinstance(term, Numbers):
        return typeset.paint(typeset.given(term.array) if term.given else typeset.matrix(term.array), term.gate)
    if isinstance(term, Answer):
        return typeset.answer(term.value, filled=term.filled)
    if isinstance(term, Symbols):
        rows = " \\\\\n".join(" & ".join(_math(entry, typeset) for entry in row) for row in term.rows)
        return f"\\begin{{bmatrix}}\n{rows}\n\\end{{bmatrix}}"
    return typeset.paint(f"{term.letter}_{{{term.index}}}{term.sup}", term.gate)


# How a line of a display ends: nothing (the last), a line break where slides reveal the next line
# (REVEAL), a plain one (BREAK), or one with a little space below it (GAP).
End = Literal["", "reveal", "break", "gap"]


@dataclass(frozen=True)
class Line:
    """A line of an aligned display: its left-hand side, and after the alignment point (when
    ``aligned``) what follows, relation included; indented when it continues the line above."""

    left: tuple[Term, ...]
    right: tuple[Term, ...]
    end: End = "reveal"
    aligned: bool = True
    indented: bool = False


@dataclass(frozen=True)
class Equation:
    """``left = right`` in symbols; on a page too narrow for it, broken before ``right[wrap]``."""

    left: tuple[Term, ...]
    right: tuple[Term, ...]
    wrap: int = 0  # 0: on one line
    relation: str = "="  # or \leftarrow, for a step of SGD


@dataclass(frozen=True)
class Display:
    """A display of lines, with a sentence before it (or none)."""

    lines: tuple[Line, ...]
    text: str = ""  # a sentence before it
    columns: int = 1  # pairs of aligned columns: 2 for a weight and its bias on one line
    after: str = ""  # and one after it
    flow: bool = False  # its lines set one after another, as many on a line of the page as fit (on paper)
    kind: ClassVar[str] = "display"  # what a part's block is (Block)


@dataclass(frozen=True)
class Table:
    """A table of names and their values, such as the network's sizes (the format's table)."""

    rows: tuple[tuple[str, int | str], ...]
    kind: ClassVar[str] = "table"


@dataclass(frozen=True)
class StateTables:
    """A display of a direction's states as tables side by side (layout.StateTable), each headed
    by its state's symbol."""

    tables: tuple[tuple[StateTable, str], ...]  # a table and its symbol, h_{t}
    kind: ClassVar[str] = "states"


# What a part is made of: a paragraph of prose (an empty one an empty line, which ends the
# paragraph before it), a display, a table of names, a display of state tables.
Block = Paragraph | Display | Table | StateTables


@dataclass(frozen=True)
class Part:
    """A titled part of the derivation (a gate, a state update; untitled: ""), its blocks in order."""

    title: str
    blocks: tuple[Block, ...]

    @property
    def displays(self) -> tuple[Display, ...]:
        """Its displays of lines, the other blocks left out."""
        return tuple(block for block in self.blocks if isinstance(block, Display))


def symbol(letter: str, index: int | str, d: LabelledDirection, gate: str | None = None) -> Symbol:
    """The symbol of a quantity at step or index ``index`` in direction ``d``: x_{t}, h_{0}^{(1)}."""
    return Symbol(letter, str(index), d.sup, gate)


def weight(kind: str, side: str, gate: str, d: LabelledDirection) -> Symbol:
    """W_{ik}, b_{hk}, ...: kind W or b, side i (input) or h (hidden), in gate k's colour."""
    return Symbol(kind, side + gate, d.sup, gate)


def gradient(name: str, t: int | str, d: LabelledDirection) -> Glued:
    """∂L/∂name_t: the gradient of the loss with respect to a quantity."""
    return gradient_of(symbol(name, t, d))


def gradient_of(term: Term) -> Glued:
    """∂L/∂ of a term, such as a parameter's symbol: ∂L/∂W_{ii}."""
    return Glued(term, "", before=r"\partial L/\partial ")


def via(name: str, t: int | str, d: LabelledDirection, step: int | str | None = None) -> Glued:
    """∂L/∂name_t through one path only, named below it: the output (step None), or the step given."""
    path = r"\text{output}" if step is None else rf"\text{{step }} {step}"
    return Glued(symbol(name, t, d), rf"\bigr|_{{{path}}}", before=r"\bigl.\partial L/\partial ")


def delta(k: str, t: int | str, d: LabelledDirection, cell: Cell) -> Symbol:
    """δ_{k,t}: the gradient of gate k's preactivation at step t, in k's colour (k a gate's letter)."""
    return Symbol(r"\delta", f"{k},{t}", d.sup, k if k in cell.gate_names else None)


def transposed(term: Term) -> Glued:
    """termᵀ: W_{hi}^{\\top}."""
    return Glued(term, r"^{\top}")


def transposed_braced(term: Term) -> Glued:
    """{term}ᵀ, for a symbol with a superscript of its own: {W_{hr}^{(1)}}^{\\top}."""
    return Glued(term, r"}^{\top}", before="{")


def ended(lines: list[Line], end: End) -> tuple[Line, ...]:
    """The lines with the last one ending in ``end``."""
    return (*lines[:-1], dataclasses.replace(lines[-1], end=end))


def spaced_sigmoid(value: Term) -> list[Term]:
    """k ⊙ (1 − k ) in symbols, the sigmoid's derivative of its value in the equations."""
    return [value, r"\odot", "(1 -", value, ")"]


def spaced_tanh(value: Term) -> list[Term]:
    """(1 − k ⊙ k ) in symbols, tanh's derivative of its value in the equations."""
    return ["(1 -", value, r"\odot", value, ")"]


# The results' tables of states.


def state_tables(trace: Trace[Step], layout: Layout) -> tuple[tuple[str, ...], ...]:
    """The states each display of a direction's results tables (h, and an LSTM's c): both in one
    display where they fit side by side, else a display each."""
    if trace.c_n is None:
        return (("h",),)
    network = trace.example.network
    if layout.tables_beside(network.output_size, network.hidden_size):
        return (("h", "c"),)
    return (("h",), ("c",))
