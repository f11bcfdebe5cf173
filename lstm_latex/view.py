"""What a page is, as records the templates print: decided in Python, once, for every format."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from .cells import Cell, Grad, GruStep, LstmStep, Step
from .cells.common import split_params
from .model import Array, DirectionTrace, Gate, GateParams
from .selection import EVERYTHING, Selection

if TYPE_CHECKING:
    from .backprop import DirectionGradients, Gradients
    from .layout import Item, Layout

# What a sheet leaves blank, each level with the ones before it: the states (c_t, h_t; ∂L/∂h_t,
# ∂L/∂c_t), then the gates (the activations, the δ's, the parameters' gradients), then every
# computed vector (the affine parts, the preactivations, the products and sums between).
Blank = Literal["states", "gates", "all"]
BLANKS: tuple[Blank, ...] = get_args(Blank)


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

    def asks(self, level: Blank) -> bool:
        """Whether the page asks for the quantities of ``level`` ("states", "gates" or "all")."""
        return BLANKS.index(level) <= BLANKS.index(self.blank)


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
    """An array's numbers, as a matrix (a column for a vector), in a gate's colour or none."""

    array: Array
    gate: str | None = None


@dataclass(frozen=True)
class Glued:
    """A term with text right after it, no space between: "b_{hn})", a matrix and its comma."""

    term: Term
    text: str


Term = Symbol | Numbers | Glued | str

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


@dataclass(frozen=True)
class Display:
    """A display of lines, with a sentence before it (or none)."""

    lines: tuple[Line, ...]
    text: str = ""


@dataclass(frozen=True)
class Part:
    """A titled part of the derivation (a gate, a state update; untitled: ""), its displays in order."""

    title: str
    displays: tuple[Display, ...]


@dataclass(frozen=True)
class StepView:
    """The parts of a step every cell shares, as records: the states it reads and each gate's
    chain, broken into lines by ``layout``; the gates the selection shows."""

    layout: Layout
    cell: Cell
    selection: Selection

    def equations(self, d: LabelledDirection, states: list[Equation]) -> Display:
        """The cell's equations in symbols: each gate's, then the ``states``' (the GRU's n gate
        with its hidden part scaled by r_t)."""
        gates = [self.gate_equation(d, gate.name, "t", d.prev_symbol) for gate in self.cell.gates]
        lines = [line for equation in [*gates, *states] for line in self.lines(equation, "break")]
        return Display((*lines[:-1], dataclasses.replace(lines[-1], end="")))

    def gate_equation(
        self, d: LabelledDirection, k: str, t: int | str, prev: int | str, bias: bool | None = None
    ) -> Equation:
        """k_t = fn(W_ik x_t + b_ik + W_hk h_prev + b_hk) in symbols (biases: the network's unless
        ``bias`` says); the GRU's n gate with r_t ⊙ (W_hn h_prev + b_hn)."""
        fn = self.cell.gate(k).activation
        bias = d.trace.params.bias_ih is not None if bias is None else bias
        inputs, hidden = _argument(d, k, t, prev, bias, k == self.cell.scaled)
        # wider than the narrowest pages (Layout.narrow), or as soon as the left-hand sides hang
        # where every symbol carries a layer's or direction's superscript: the hidden part below
        wrap = 1 + len(inputs) if (self.layout.hang if d.sup else self.layout.narrow) else 0
        return Equation((symbol(k, t, d, k),), (rf"{fn}\bigl(", *inputs, *hidden, r"\bigr)"), wrap)

    @staticmethod
    def lstm_cell_state(d: LabelledDirection, t: int | str, prev: int | str) -> Equation:
        """c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t in symbols, at step t reading the state of step prev."""
        f, i, g = (symbol(k, t, d, k) for k in "fig")
        return Equation((symbol("c", t, d),), (f, r"\odot", symbol("c", prev, d), "+", i, r"\odot", g))

    @staticmethod
    def lstm_hidden_state(d: LabelledDirection, t: int | str) -> Equation:
        """h_t = o_t ⊙ tanh(c_t), projected by W_hr with a proj_size, in symbols."""
        o, c = symbol("o", t, d, "o"), symbol("c", t, d)
        if d.trace.params.weight_hr is None:
            return Equation((symbol("h", t, d),), (o, r"\odot", r"\tanh(", Glued(c, ")")))
        projection = Glued(Symbol("W", "hr", d.sup), r"\bigl(")
        return Equation((symbol("h", t, d),), (projection, o, r"\odot", r"\tanh(", Glued(c, r")\bigr)")))

    @staticmethod
    def gru_hidden_state(d: LabelledDirection, t: int | str, prev: int | str) -> Equation:
        """h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1} in symbols, at step t reading the state of step prev."""
        z, n, h_prev = symbol("z", t, d, "z"), symbol("n", t, d, "n"), symbol("h", prev, d)
        return Equation((symbol("h", t, d),), ("(1 -", Glued(z, ")"), r"\odot", n, "+", z, r"\odot", h_prev))

    def lstm_states(self, d: LabelledDirection, s: LstmStep) -> list[Part]:
        """The cell state, then the hidden state (through W_hr with a projection), worked out."""
        f, i, g, o = ((gate.activation, gate.name) for gate in (s.f, s.i, s.g, s.o))
        c_t = [
            self.aligned(self.lstm_cell_state(d, s.t, d.prev(s.t)), "reveal"),
            *self._chain(("=",), self.layout.chain([f, r"\odot", s.c_prev, "+", i, r"\odot", g])),
            *self._chain(("=",), self.layout.chain([s.forget_term, "+", s.input_term, "=", s.c]), ""),
        ]
        h_t = [self.aligned(self.lstm_hidden_state(d, s.t), "reveal")]
        if s.h_unprojected is None:
            tanh_c: list[Item] = [r"\tanh\left(", s.c, r"\right)"]
            h_t += self._chain(("=",), self.layout.chain([o, r"\odot", *tanh_c, "=", o, r"\odot", s.tanh_c]))
            h_t.append(Line((), ("=", Numbers(s.h)), "", indented=True))
        else:  # with a projection: the step's W_hr and h̃_t, what it projects
            assert d.trace.params.weight_hr is not None
            unprojected = (r"\left(", Numbers(*o), r"\odot", Glued(Numbers(s.tanh_c), r"\right)"))
            h_t.append(Line((), ("=", Symbol("W", "hr", d.sup), *unprojected), indented=True))
            projected = self.layout.projection(d.trace.params.weight_hr, s.h_unprojected, s.h)
            h_t += self._chain(("=",), projected, "", continued=())
        return [Part("Cell state", (Display(tuple(c_t)),)), Part("Hidden state", (Display(tuple(h_t)),))]

    def gru_state(self, d: LabelledDirection, s: GruStep) -> Part:
        """1 − z_t, then the hidden state, worked out."""
        z, n = (s.z.activation, "z"), (s.n.activation, "n")
        one_minus_z = Equation(("1 -", symbol("z", s.t, d, "z")), ("1 -", Numbers(*z), "=", Numbers(s.one_minus_z)))
        lines = [
            self.aligned(one_minus_z, "gap"),
            self.aligned(self.gru_hidden_state(d, s.t, d.prev(s.t)), "reveal"),
            *self._chain(("=",), self.layout.chain([s.one_minus_z, r"\odot", n, "+", z, r"\odot", s.h_prev])),
            *self._chain(("=",), self.layout.chain([s.new_term, "+", s.keep_term, "=", s.h]), ""),
        ]
        return Part("Hidden state", (Display(tuple(lines)),))

    def reads(self, d: LabelledDirection, s: Step, c_prev: Array | None = None) -> Part:
        """x_t, h_prev (and c_prev for a cell with a cell state) with their numbers: side by side
        when they fit, else a line each."""
        p = d.prev(s.t)
        states = [(symbol("x", s.t, d), s.x), (symbol("h", p, d), s.h_prev)]
        if c_prev is not None:
            states.append((symbol("c", p, d), c_prev))
        beside = self.layout.states_beside([value for _, value in states])
        lines = []
        for k, (name, value) in enumerate(states):
            last = k == len(states) - 1
            numbers = Glued(Numbers(value), "." if last else r", \qquad" if beside else "")
            if beside and k:  # after the first, on its line: no alignment point
                lines.append(Line((), (name, "=", numbers), "", aligned=False))
            else:
                lines.append(self.aligned(Equation((name,), (numbers,)), "" if last or beside else "break"))
        return Part("", (Display(tuple(lines), "The step reads"),))

    def gate_chains(self, d: LabelledDirection, s: Step) -> list[Part]:
        """Each gate's chain that the selection shows, a part each, in torch's order; the cell's
        scaled gate (the GRU's n) has its hidden part scaled by the reset gate, r."""
        return [
            self._gate_chain(d, s, g, s.r if isinstance(s, GruStep) and g.name == self.cell.scaled else None)
            for g in s.gates
            if self.selection.shows_gate(g.name)
        ]

    def _gate_chain(self, d: LabelledDirection, s: Step, g: Gate, reset: Gate | None) -> Part:
        """Line by line: the symbols, the numbers substituted (broken where a line is full), the
        two affine parts, their sum, the activation. With ``reset``, the GRU's n gate: its hidden
        part is worked out first, then scaled by r_t before the sum. The left-hand side sits in the
        right column, so that continued lines start at the margin."""
        k, fn, gp, p = g.name, self.cell.gate(g.name).activation, d.trace.gate(g.name), d.prev(s.t)
        displays = []
        if reset is not None:
            hidden: list[Term] = [weight("W", "h", k, d), symbol("h", p, d)]
            if gp.bias_h is not None:
                hidden += ["+", weight("b", "h", k, d)]
            worked = self._chain(("=",), self.layout.hidden(gp, s, g), end="", indented=False)
            text = "The reset gate scales the hidden part, bias included, before it is added; first that part:"
            displays.append(Display((Line((), tuple(hidden)), *worked), text))
        equation = self.gate_equation(d, k, s.t, p, gp.bias_i is not None)
        hidden_part = s.reset_hidden if isinstance(s, GruStep) and reset is not None else g.hidden_affine
        lines = [
            # the left-hand side in the right column
            *(self.lines(equation, "reveal") if equation.wrap else [Line((), (*equation.left, "=", *equation.right))]),
            *self._within(fn, self.layout.gate(gp, s, g, reset)),
            *self._chain(("=",), self.layout.chain([rf"{fn}\left(", g.input_affine, "+", hidden_part, r"\right)"])),
            *self._chain(
                ("=",), self.layout.chain([rf"{fn}\left(", g.preactivation, r"\right)", "=", (g.activation, k)]), ""
            ),
        ]
        displays.append(Display(tuple(lines)))
        return Part(self.cell.gate(k).title.capitalize(), tuple(displays))

    def lines(self, equation: Equation, end: End = "") -> list[Line]:
        """``equation`` as ``aligned`` puts it, or, where it breaks (``wrap``: only where the
        left-hand sides hang), its left-hand side and the first part of its right, then the rest
        at the margin, ending in ``end``."""
        if not equation.wrap:
            return [self.aligned(equation, end)]
        first = (*equation.left, "=", *equation.right[: equation.wrap])
        return [Line((), first, "break"), Line((), ("{}", *equation.right[equation.wrap :]), end, indented=True)]

    def aligned(self, equation: Equation, end: End = "") -> Line:
        """``equation`` as a line: its left-hand side in its column, or (on a narrow page, where
        they hang) at the start of the line."""
        if self.layout.hang:
            return Line((), (*equation.left, "=", *equation.right), end)
        return Line(equation.left, ("=", *equation.right), end)

    def _chain(
        self,
        first: tuple[Term, ...],
        chain: list[str],
        end: End = "reveal",
        indented: bool = True,
        continued: tuple[Term, ...] | None = None,
    ) -> list[Line]:
        """A chain of Layout's lines after ``first`` (such as "="), the lines after its first a quad
        in (at the margin on a narrow page, where the left-hand sides hang) or after ``continued``;
        slides reveal them one by one; the last ends in ``end``."""
        if continued is None:
            continued = ("{}",) if self.layout.hang else (r"\quad {}",)
        lines = [Line((), (*first, chain[0]), indented=indented)]
        lines += [Line((), (*continued, text), indented=True) for text in chain[1:]]
        return [*lines[:-1], dataclasses.replace(lines[-1], end=end)]

    @staticmethod
    def _within(fn: str, chain: list[str]) -> list[Line]:
        """``= fn( … )`` around a chain of Layout's lines: a parenthesis open at a break is closed
        invisibly (\\right.) at the end of the line and opened again (\\left.) on the next."""
        lines = [(rf"= {fn}\left(", chain[0])] + [(r"\quad \left. {}", text) for text in chain[1:]]
        closes = [r"\right."] * (len(lines) - 1) + [r"\right)"]
        return [Line((), (*line, close), indented=True) for line, close in zip(lines, closes, strict=True)]


def _argument(
    d: LabelledDirection, k: str, t: int | str, prev: int | str, bias: bool, reset: bool
) -> tuple[list[Term], list[Term]]:
    """W_ik x_t + b_ik + W_hk h_prev + b_hk in symbols, the input part and the hidden part (from
    its "+"); with ``reset``, the hidden part is scaled by r_t as in torch's GRU n gate:
    W_in x_t + b_in + r_t ⊙ (W_hn h_prev + b_hn)."""
    terms: list[Term] = [weight("W", "i", k, d), symbol("x", t, d)]
    if bias:
        terms += ["+", weight("b", "i", k, d)]
    hidden: list[Term] = ["+"]
    if reset:
        hidden += [symbol("r", t, d, "r"), r"\odot", "("]
    hidden += [weight("W", "h", k, d), symbol("h", prev, d)]
    if bias:
        hidden += ["+", weight("b", "h", k, d)]
    if reset:
        hidden[-1] = Glued(hidden[-1], ")")
    return terms, hidden


def symbol(letter: str, index: int | str, d: LabelledDirection, gate: str | None = None) -> Symbol:
    """The symbol of a quantity at step or index ``index`` in direction ``d``: x_{t}, h_{0}^{(1)}."""
    return Symbol(letter, str(index), d.sup, gate)


def weight(kind: str, side: str, gate: str, d: LabelledDirection) -> Symbol:
    """W_{ik}, b_{hk}, ...: kind W or b, side i (input) or h (hidden), in gate k's colour."""
    return Symbol(kind, side + gate, d.sup, gate)


@dataclass(frozen=True)
class LabelledDirection:
    """A direction's trace with the words and superscripts documents name it by."""

    trace: DirectionTrace[Step]
    heading: str  # "Layer 1, reverse direction"; empty for a single forward layer
    sup: str  # LaTeX superscript for its symbols: "", "^{(1)}", "^{(0)\leftarrow}", ...
    on_step: Callable[[], None] | None = None  # told of each step a template shows
    selection: Selection = EVERYTHING  # what a document shows of it

    @property
    def shown(self) -> bool:
        """Whether a document shows this layer and direction's parameters and steps."""
        return self.selection.shows_direction(self.trace.params)

    @property
    def steps(self) -> Iterator[Step]:
        """The steps a document shows, in the order they ran, telling ``on_step`` of each as a
        template reaches it."""
        for step in self.selection.pick(self.trace.steps, _t):
            yield step
            if self.on_step is not None:
                self.on_step()

    @property
    def left_out(self) -> int:
        """How many of its steps a document leaves out (see ``selection``)."""
        return len(self.trace.steps) - len(self.selection.pick(self.trace.steps, _t))

    @property
    def prev_symbol(self) -> str:
        """The index of the state a step reads, in the symbolic equations."""
        return "t+1" if self.trace.params.reverse else "t-1"

    @property
    def next_symbol(self) -> str:
        """The index of the step that runs after step t, in the symbolic equations."""
        return "t-1" if self.trace.params.reverse else "t+1"

    def weights(self, side: str) -> list[Array]:
        """Each gate's W_ik (``side`` "i") or W_hk ("h"), in torch's order."""
        return [gate.weight_i if side == "i" else gate.weight_h for gate in self.trace.gates]

    @staticmethod
    def deltas(grad: Grad, side: str) -> list[Array]:
        """The gradients of each gate's input (``side`` "i") or hidden ("h") affine part at a step, in torch's order."""
        return [gate.input_affine if side == "i" else gate.hidden_affine for gate in grad.gates]

    def prev(self, t: int) -> int:
        """The index of the state step ``t`` reads: h_{T+1} is a reverse direction's initial state."""
        return t + 1 if self.trace.params.reverse else t - 1

    def next(self, t: int) -> int:
        """The index of the step that runs after step ``t`` (T + 1, or 0, after the last: none)."""
        return t - 1 if self.trace.params.reverse else t + 1


@dataclass(frozen=True)
class LabelledGradients:
    """A direction's backward pass beside its forward trace, as documents show it."""

    direction: LabelledDirection
    gradients: DirectionGradients
    gates: tuple[GateParams, ...]  # ∂L/∂ of each gate's blocks of the parameters, in torch's order

    @property
    def descent(self) -> list[tuple[GateParams, GateParams, GateParams]]:
        """Each gate's parameters, their gradients, and the parameters after the step of SGD
        (none without a learning rate)."""
        if self.gradients.updated is None:
            return []
        updated = split_params(self.gradients.updated, tuple(gate.name for gate in self.gates))
        return list(zip(self.direction.trace.gates, self.gates, updated, strict=True))

    @property
    def steps(self) -> list[tuple[Step, Grad]]:
        """Each step's forward record and gradients, in the order the backward pass ran them."""
        forward = {step.t: step for step in self.direction.trace.steps}
        return [(forward[grad.t], grad) for grad in self.gradients.steps]

    @property
    def in_time(self) -> list[tuple[Step, Grad]]:
        """Each step's forward record and gradients, in the order of t."""
        return sorted(self.steps, key=lambda pair: pair[0].t)

    @property
    def inputs(self) -> list[Array]:
        """x_t at each step, in the order of t."""
        return [step.x for step, _ in self.in_time]

    @property
    def previous_hidden(self) -> list[Array]:
        """h_{t-1} at each step, in the order of t."""
        return [step.h_prev for step, _ in self.in_time]

    @property
    def unprojected(self) -> list[Array]:
        """o_t ⊙ tanh(c_t), what W_hr projects, at each step, in the order of t (with a projection)."""
        return [
            step.h_unprojected
            for step, _ in self.in_time
            if isinstance(step, LstmStep) and step.h_unprojected is not None
        ]

    @property
    def hidden_gradients(self) -> list[Array]:
        """∂L/∂h_t at each step, in the order of t."""
        return [grad.dh for _, grad in self.in_time]

    def gate_deltas(self, index: int) -> tuple[list[Array], list[Array]]:
        """The gradients of gate ``index``'s input and hidden affine parts at each step, in the order of t."""
        gates = [grad.gates[index] for _, grad in self.in_time]
        return [g.input_affine for g in gates], [g.hidden_affine for g in gates]

    @property
    def shown_steps(self) -> list[tuple[Step, Grad]]:
        """The steps a document shows one by one, in the order the backward pass ran them."""
        return self.direction.selection.pick(self.steps, lambda pair: pair[0].t)


def _t(step: Step) -> int:
    return step.t


def backward_order(directions: list[LabelledDirection], gradients: Gradients) -> list[LabelledGradients]:
    """The directions' backward passes as they ran: the top layer first, each layer's directions in order."""
    labelled = [
        LabelledGradients(d, g, split_params(g.as_params(), tuple(gate.name for gate in d.trace.gates)))
        for d, g in zip(directions, gradients.directions, strict=True)
    ]
    layers = sorted({d.gradients.params.layer for d in labelled}, reverse=True)
    return [d for layer in layers for d in labelled if d.gradients.params.layer == layer]


def labelled(
    trace: DirectionTrace[Step],
    num_layers: int,
    bidirectional: bool,
    on_step: Callable[[], None] | None,
    selection: Selection = EVERYTHING,
) -> LabelledDirection:
    params = trace.params
    parts, marks = [], ""
    if num_layers > 1:
        parts.append(f"Layer {params.layer}")
        marks += f"({params.layer})"
    if bidirectional:
        parts.append("reverse direction" if params.reverse else "forward direction")
        marks += r"\leftarrow" if params.reverse else r"\rightarrow"
    return LabelledDirection(trace, ", ".join(parts), f"^{{{marks}}}" if marks else "", on_step, selection)
