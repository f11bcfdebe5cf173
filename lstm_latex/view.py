"""What a page is, as records the templates print: decided in Python, once, for every format."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from .cells import Cell, Grad, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from .cells.common import split_params
from .model import Array, DirectionTrace, Gate, GateGrad, GateParams, Trace
from .selection import EVERYTHING, Selection

if TYPE_CHECKING:
    from .backprop import DirectionGradients, Gradients
    from .layout import Item, Layout, Typeset

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
    """A term with text right after it (and before it), no space between: "b_{hn})", a matrix and its comma."""

    term: Term
    text: str
    before: str = ""  # and text right before it: "\partial L/\partial " before h_{t}


@dataclass(frozen=True)
class Symbols:
    """A matrix of symbols, a row of terms each: which state each row of a matrix of numbers holds."""

    rows: tuple[tuple[Term, ...], ...]


Term = Symbol | Numbers | Glued | Symbols | str


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


def _math(term: Term, typeset: Typeset) -> str:
    if isinstance(term, str):
        return term
    if isinstance(term, Glued):
        return term.before + _math(term.term, typeset) + term.text
    if isinstance(term, Numbers):
        return typeset.paint(typeset.matrix(term.array), term.gate)
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
    text: str = ""
    columns: int = 1  # pairs of aligned columns: 2 for a weight and its bias on one line


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
    layers: int  # the network's

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
        wrap = 1 + len(inputs) if self._breaks(d) else 0
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

    # The backward pass: the chain rule in symbols, and each step's parts with the numbers in.

    def backward_equations(self, d: LabelledDirection, lines: list[Line]) -> Display:
        """The backward pass's equations in symbols: ∂L/∂h_t from the output and from the next
        step, then the cell's ``lines`` (each ending in a line break but the last)."""
        paths = (via("h", "t", d), "+", via("h", "t", d, d.next_symbol))
        first = Equation((gradient("h", "t", d),), paths, 1 if self._breaks(d) else 0)
        return Display((*self.lines(first, "break"), *lines))

    def equation_lines(self, *equations: Equation | tuple[Equation, int | None]) -> list[Line]:
        """Equations as lines of the backward equations, each ending in a line break but the last;
        ``(equation, n)`` breaks before the n-th term of its right-hand side on a narrow page (hang)."""
        lines = [
            line
            for equation in equations
            for line in (
                self._wrapped(*equation, "break") if isinstance(equation, tuple) else [self.aligned(equation, "break")]
            )
        ]
        return list(_ended(lines, ""))

    def lstm_backward_equations(self, d: LabelledDirection) -> Display:
        """The LSTM's backward equations: with a projection, ∂L/∂h̃_t = W_hrᵀ ∂L/∂h_t stands for
        ∂L/∂h_t in the equations of o_t and c_t, h̃_t = o_t ⊙ tanh(c_t) being what W_hr projects."""
        t, prev = "t", d.prev_symbol
        gated = self.gated(d, t)
        c, o = symbol("c", t, d), symbol("o", t, d, "o")
        equations: list[Equation | tuple[Equation, int | None]] = []
        if d.trace.params.weight_hr is not None:
            equations.append(Equation((gated,), (transposed_braced(Symbol("W", "hr", d.sup)), gradient("h", t, d))))
        equations += [
            Equation((gradient("o", t, d),), (gated, r"\odot", r"\tanh(", c, ")")),
            (Equation((gradient("c", t, d),), (via("c", t, d, d.next_symbol), *_cell_state_gradient(gated, o, c))), 1),
            Equation((gradient("i", t, d),), (gradient("c", t, d), r"\odot", symbol("g", t, d, "g"))),
            Equation((gradient("f", t, d),), (gradient("c", t, d), r"\odot", symbol("c", prev, d))),
            Equation((gradient("g", t, d),), (gradient("c", t, d), r"\odot", symbol("i", t, d, "i"))),
            (
                Equation(
                    (delta("k", t, d, self.cell),),
                    (gradient("k", t, d), r"\odot", "k_t", r"\odot", "(1 - k_t)", r"\quad \text{for } k = i, f, o"),
                ),
                5,
            ),
            Equation(
                (delta("g", t, d, self.cell),), (gradient("g", t, d), r"\odot", *_spaced_tanh(symbol("g", t, d, "g")))
            ),
            Equation(
                (gradient("h", prev, d),),
                (r"\textstyle\sum_k", transposed_braced(Symbol("W", "hk", d.sup)), delta("k", t, d, self.cell)),
            ),
            Equation((via("c", prev, d, t),), (symbol("f", t, d, "f"), r"\odot", gradient("c", t, d))),
            self._input_sum(d),
        ]
        return self.backward_equations(d, self.equation_lines(*equations))

    def gru_backward_equations(self, d: LabelledDirection) -> Display:
        """The GRU's backward equations: the reset gate scales W_hn h_{t-1} + b_hn, so the gradient
        n sends back through W_hn is r_t ⊙ δ_n."""
        t, prev = "t", d.prev_symbol
        r, z, n = (symbol(k, t, d, k) for k in "rzn")
        lines = self.equation_lines(
            Equation((gradient("n", t, d),), (gradient("h", t, d), r"\odot", "(1 -", z, ")")),
            Equation((delta("n", t, d, self.cell),), (gradient("n", t, d), r"\odot", *_spaced_tanh(n))),
            Equation((gradient("z", t, d),), (gradient("h", t, d), r"\odot", "(", symbol("h", prev, d), "-", n, ")")),
            Equation((delta("z", t, d, self.cell),), (gradient("z", t, d), r"\odot", *_spaced_sigmoid(z))),
            Equation((gradient("r", t, d),), (delta("n", t, d, self.cell), r"\odot", *self._reset_part(d, prev))),
            Equation((delta("r", t, d, self.cell),), (gradient("r", t, d), r"\odot", *_spaced_sigmoid(r))),
            self._input_sum(d),
        )
        back = [
            self.aligned(Equation((gradient("h", prev, d),), (gradient("h", t, d), r"\odot", z, "+", "{}")), "break"),
            Line((), (r"\quad", *self._gru_sent_back(d, t)), "break", indented=True),
        ]
        return self.backward_equations(d, [*lines[:-1], *back, lines[-1]])

    def rnn_backward_equations(self, d: LabelledDirection) -> Display:
        """The RNN's backward equations: δ_t from ∂L/∂h_t and the activation's derivative."""
        t = "t"
        lines = self.equation_lines(
            Equation((delta("h", t, d, self.cell),), (gradient("h", t, d), r"\odot", *self.derivative(d, "h", t))),
            Equation(
                (gradient("h", d.prev_symbol, d),), (transposed(weight("W", "h", "h", d)), delta("h", t, d, self.cell))
            ),
            Equation((gradient("x", t, d),), (transposed(weight("W", "i", "h", d)), delta("h", t, d, self.cell))),
        )
        return self.backward_equations(d, lines)

    def hidden_gradient(self, d: LabelledDirection, s: Step, g: Grad) -> Part:
        """∂L/∂h_t from the output (or the layer above) and from the step after it, which ran next."""
        above = "output" if d.trace.params.layer == self.layers - 1 else "layer above"
        chain: list[Item] = [
            (g.dh_output, None, rf"\text{{{above}}}"),
            "+",
            (g.dh_next, None, rf"\text{{step }} {d.next(s.t)}"),
            "=",
            g.dh,
        ]
        lines = self._beside(Equation((gradient("h", s.t, d),), ()), self.layout.gradient_chain(chain, beside=True))
        return Part("Hidden state", (Display(tuple(lines)),))

    def lstm_backward(self, d: LabelledDirection, s: LstmStep, g: LstmGrad) -> list[Part]:
        """An LSTM step's backward pass after ∂L/∂h_t (hidden_gradient): through W_hr with a
        projection, the output gate, the cell state, the other gates, and what the step sends back."""
        t, p = s.t, d.prev(s.t)
        gated, d_gated = self.gated(d, t), g.dh if g.dh_unprojected is None else g.dh_unprojected
        c, o = symbol("c", t, d), symbol("o", t, d, "o")
        parts = []
        if g.dh_unprojected is not None:
            assert d.trace.params.weight_hr is not None
            projection = Equation((gated,), (transposed_braced(Symbol("W", "hr", d.sup)), gradient("h", t, d)))
            product: list[Item] = [d.trace.params.weight_hr.T, g.dh, "=", g.dh_unprojected]
            lines = [self.aligned(projection, "reveal"), *self._chain(("=",), self.layout.gradient_chain(product), "")]
            parts.append(Part("Projection", (Display(tuple(lines)),)))
        if self.selection.shows_gate("o"):
            equation = Equation((gradient("o", t, d),), (gated, r"\odot", r"\tanh(", c, ")"))
            parts.append(
                self._gate_gradient(d, s, "o", equation, [d_gated, r"\odot", s.tanh_c, "=", g.o.activation], s.o, g.o)
            )
        cell_state = Equation((gradient("c", t, d),), (via("c", t, d, d.next(t)), *_cell_state_gradient(gated, o, c)))
        tanh_c: list[Item] = [r"\left(1 -", s.tanh_c, r"\odot", s.tanh_c, r"\right)"]
        both: list[Item] = [g.dc_next, "+", d_gated, r"\odot", (s.o.activation, "o"), r"\odot", *tanh_c]
        lines = [*self._wrapped(cell_state, 1), *self._chain(("=",), self.layout.gradient_chain(both))]
        parts.append(Part("Cell state", (Display((*lines, Line((), ("=", Numbers(g.dc)), "", indented=True))),)))
        # ∂L/∂i_t = ∂L/∂c_t ⊙ g_t, ∂L/∂f_t = ∂L/∂c_t ⊙ c_{t-1}, ∂L/∂g_t = ∂L/∂c_t ⊙ i_t: each gate with its
        # factor, the factor's symbol and the gate whose colour the factor has (none for c).
        for k, factor, color, factor_symbol in [
            ("i", s.g.activation, "g", symbol("g", t, d, "g")),
            ("f", s.c_prev, None, symbol("c", p, d)),
            ("g", s.i.activation, "i", symbol("i", t, d, "i")),
        ]:
            if self.selection.shows_gate(k):
                gate, gate_grad = getattr(s, k), getattr(g, k)
                equation = Equation((gradient(k, t, d),), (gradient("c", t, d), r"\odot", factor_symbol))
                product = [g.dc, r"\odot", (factor, color), "=", gate_grad.activation]
                parts.append(self._gate_gradient(d, s, k, equation, product, gate, gate_grad))
        cell_back = Equation((via("c", p, d, t),), (symbol("f", t, d, "f"), r"\odot", gradient("c", t, d)))
        cell_back_chain = self.layout.gradient_chain([(s.f.activation, "f"), r"\odot", g.dc, "=", g.dc_prev])
        displays = (
            self._hidden_sent_back(d, s, g, g.dh_prev),
            Display((self.aligned(cell_back, "reveal"), *self._chain(("=",), cell_back_chain, ""))),
            self._input_gradient(d, s, g),
        )
        return [*parts, Part(f"Back to step {p}", displays)]

    def gru_backward(self, d: LabelledDirection, s: GruStep, g: GruGrad) -> list[Part]:
        """A GRU step's backward pass after ∂L/∂h_t (hidden_gradient): the new gate, the update gate,
        the reset gate (through W_hn h_{t-1} + b_hn, which it scales), and what the step sends back."""
        t, p = s.t, d.prev(s.t)
        r, z, n = (symbol(k, t, d, k) for k in "rzn")
        parts = []
        gates: list[tuple[str, Equation, list[Item]]] = [
            (
                "n",
                Equation((gradient("n", t, d),), (gradient("h", t, d), r"\odot", "(1 -", z, ")")),
                [g.dh, r"\odot", s.one_minus_z, "=", g.n.activation],
            ),
            (
                "z",
                Equation((gradient("z", t, d),), (gradient("h", t, d), r"\odot", "(", symbol("h", p, d), "-", n, ")")),
                [g.dh, r"\odot", r"\left(", s.h_prev, "-", (s.n.activation, "n"), r"\right)", "=", g.z.activation],
            ),
            (
                "r",
                Equation((gradient("r", t, d),), (delta("n", t, d, self.cell), r"\odot", *self._reset_part(d, p))),
                [(g.n.preactivation, "n"), r"\odot", s.n.hidden_affine, "=", g.r.activation],
            ),
        ]
        for k, equation, chain in gates:
            if self.selection.shows_gate(k):
                parts.append(self._gate_gradient(d, s, k, equation, chain, getattr(s, k), getattr(g, k)))
        scaled = Equation(
            (r, r"\odot", delta("n", t, d, self.cell)),
            (Numbers(s.r.activation, "r"), r"\odot", Numbers(g.n.preactivation, "n")),
        )
        kept = Equation((gradient("h", p, d),), (gradient("h", t, d), r"\odot", z, "+", "{}"))
        lines = [
            self.aligned(scaled, "reveal"),
            Line((), ("=", Numbers(g.n.hidden_affine)), "gap", indented=True),
            self.aligned(kept, "break"),
            Line((), (r"\quad", *self._gru_sent_back(d, t)), "reveal", indented=True),
            Line((), ("=", Numbers(g.dh), r"\odot", Numbers(s.z.activation, "z"), "+", "{}"), "reveal", indented=True),
            *self._chain((r"\quad",), self._transposed_products(d, g, "h", g.dh_prev_gates)),
            *self._chain(
                ("=",), self.layout.gradient_chain([g.dh_prev_kept, "+", g.dh_prev_gates, "=", g.dh_prev]), ""
            ),
        ]
        return [*parts, Part(f"Back to step {p}", (Display(tuple(lines)), self._input_gradient(d, s, g)))]

    def rnn_backward(self, d: LabelledDirection, s: RnnStep, g: RnnGrad) -> list[Part]:
        """An RNN step's backward pass after ∂L/∂h_t (hidden_gradient): δ_t through the activation,
        and what the step sends back."""
        return [
            Part("Preactivation", (Display(tuple(self._delta(d, s, "h", s.affine, g.affine))),)),
            Part(
                f"Back to step {d.prev(s.t)}",
                (self._hidden_sent_back(d, s, g, g.dh_prev), self._input_gradient(d, s, g)),
            ),
        ]

    def derivative(self, d: LabelledDirection, k: str, t: int | str) -> list[Term]:
        """Gate k's activation's derivative at step t in symbols, from its value: k ⊙ (1 − k),
        (1 − k ⊙ k), or [z_t > 0] of the preactivation."""
        value = symbol(k, t, d, k)
        function = self.cell.gate(k).function
        if function == "sigmoid":
            return [value, r"\odot", "(1 -", Glued(value, ")")]
        if function == "tanh":
            return ["(1 -", value, r"\odot", Glued(value, ")")]
        return [rf"\bigl[z_{{{t}}} > 0\bigr]"]

    def _gate_gradient(
        self,
        d: LabelledDirection,
        s: Step,
        k: str,
        equation: Equation,
        chain: list[Item],
        gate: Gate,
        gate_grad: GateGrad,
    ) -> Part:
        """Gate k's part of a backward step: ∂L/∂k_t (``equation`` in symbols, ``chain`` with the
        numbers in), then δ_k."""
        lines = [self.aligned(equation, "reveal"), *self._chain(("=",), self.layout.gradient_chain(chain), "gap")]
        return Part(self.cell.gate(k).title.capitalize(), (Display((*lines, *self._delta(d, s, k, gate, gate_grad))),))

    def _delta(self, d: LabelledDirection, s: Step, k: str, gate: Gate, gate_grad: GateGrad) -> list[Line]:
        """δ_k = ∂L/∂k_t ⊙ k's derivative, in symbols and with the numbers in: the derivative
        written with the forward values, σ' = σ(1 − σ), tanh' = 1 − tanh², ReLU' = [z > 0]."""
        a: Item = (gate.activation, k)
        derivatives: dict[str, list[Item]] = {
            "sigmoid": [a, r"\odot", r"\left(1 -", a, r"\right)"],
            "tanh": [r"\left(1 -", a, r"\odot", a, r"\right)"],
            "relu": [r"\bigl[", gate.preactivation, r"> 0\bigr]"],
        }
        derivative = derivatives[self.cell.gate(k).function]
        symbolic = Equation(
            (delta(k, s.t, d, self.cell),), (gradient(k, s.t, d), r"\odot", *self.derivative(d, k, s.t))
        )
        return [
            self.aligned(symbolic, "reveal"),
            *self._chain(("=",), self.layout.gradient_chain([gate_grad.activation, r"\odot", *derivative])),
            Line((), ("=", Numbers(gate_grad.preactivation, k)), "", indented=True),
        ]

    def _hidden_sent_back(self, d: LabelledDirection, s: Step, g: Grad, result: Array) -> Display:
        """∂L/∂h_prev = Σ_k W_hkᵀ δ_k: what the step's gates send back to the state it read."""
        symbolic = Equation((gradient("h", d.prev(s.t), d),), tuple(self._weighted_deltas(d, s.t, "h")))
        return Display(
            (
                *self._wrapped(symbolic, _third_gate(symbolic)),
                *self._chain(("=",), self._transposed_products(d, g, "h", result), ""),
            )
        )

    def _input_gradient(self, d: LabelledDirection, s: Step, g: Grad) -> Display:
        """∂L/∂x_t = Σ_k W_ikᵀ δ_k: what the step sends to x_t (the layer below's output gradient)."""
        symbolic = Equation((gradient("x", s.t, d),), tuple(self._weighted_deltas(d, s.t, "i")))
        return Display(
            (
                *self._wrapped(symbolic, _third_gate(symbolic)),
                *self._chain(("=",), self._transposed_products(d, g, "i", g.dx), ""),
            )
        )

    def _transposed_products(self, d: LabelledDirection, g: Grad, side: str, result: Array) -> list[str]:
        """Σ_k W_skᵀ δ_k = result with the numbers in (``side`` "h": the hidden side's δ, "i": the input's)."""
        names = "".join(self.cell.gate_names)
        return self.layout.transposed_products(d.weights(side), d.deltas(g, side), names, result)

    def _weighted_deltas(self, d: LabelledDirection, t: int, side: str) -> list[Term]:
        """W_{s i}ᵀ δ_i + W_{s f}ᵀ δ_f + … in symbols, a term a gate in torch's order."""
        terms: list[Term] = []
        for k in self.cell.gate_names:
            terms += [*(["+"] if terms else []), transposed(weight("W", side, k, d)), delta(k, t, d, self.cell)]
        return terms

    def _gru_sent_back(self, d: LabelledDirection, t: int | str) -> list[Term]:
        """W_hrᵀ δ_r + W_hzᵀ δ_z + W_hnᵀ (r_t ⊙ δ_n) in symbols: what the GRU's gates send back."""
        scaled: list[Term] = ["(", symbol("r", t, d, "r"), r"\odot", delta("n", t, d, self.cell), ")"]
        return [
            transposed(weight("W", "h", "r", d)), delta("r", t, d, self.cell), "+",
            transposed(weight("W", "h", "z", d)), delta("z", t, d, self.cell), "+",
            transposed(weight("W", "h", "n", d)), *scaled,
        ]  # fmt: skip

    def _input_sum(self, d: LabelledDirection) -> Equation:
        """∂L/∂x_t = Σ_k W_ikᵀ δ_k in symbols, for every gate at once."""
        return Equation(
            (gradient("x", "t", d),),
            (r"\textstyle\sum_k", transposed_braced(Symbol("W", "ik", d.sup)), delta("k", "t", d, self.cell)),
        )

    @staticmethod
    def _reset_part(d: LabelledDirection, prev: int | str) -> list[Term]:
        """( W_hn h_prev + b_hn): what the GRU's reset gate scales, in symbols."""
        terms: list[Term] = ["(", weight("W", "h", "n", d), symbol("h", prev, d)]
        if d.trace.params.bias_ih is not None:
            terms += ["+", weight("b", "h", "n", d)]
        return [*terms[:-1], Glued(terms[-1], ")")]

    @staticmethod
    def gated(d: LabelledDirection, t: int | str) -> Term:
        """∂L/∂h_t, or with a projection ∂L/∂h̃_t, the gradient of what W_hr projects."""
        return gradient(r"\tilde{h}" if d.trace.params.weight_hr is not None else "h", t, d)

    def _wrapped(self, equation: Equation, cut: int | None, end: End = "reveal") -> list[Line]:
        """``equation`` as a line; where the left-hand sides hang, broken before the ``cut``-th
        term of its right-hand side (None: never)."""
        return self.lines(dataclasses.replace(equation, wrap=cut if self.layout.hang and cut else 0), end)

    def _breaks(self, d: LabelledDirection) -> bool:
        """Whether a long equation of symbols breaks: on the narrowest pages (Layout.narrow), or as
        soon as the left-hand sides hang where every symbol carries a layer's or direction's marks."""
        return self.layout.hang if d.sup else self.layout.narrow

    def lines(self, equation: Equation, end: End = "") -> list[Line]:
        """``equation`` as ``aligned`` puts it, or, where it breaks (``wrap``: only where the
        left-hand sides hang), its left-hand side and the first part of its right, then the rest
        at the margin, ending in ``end``."""
        if not equation.wrap:
            return [self.aligned(equation, end)]
        first = (*equation.left, equation.relation, *equation.right[: equation.wrap])
        return [Line((), first, "break"), Line((), ("{}", *equation.right[equation.wrap :]), end, indented=True)]

    def _continuations(self, terms: Sequence[Term]) -> list[Line]:
        """Lines continuing a chain of Layout's (or a matrix), a quad in (at the margin on a narrow page)."""
        quad = "{}" if self.layout.hang else r"\quad {}"
        return [Line((), (quad, term), indented=True) for term in terms]

    def _beside(self, equation: Equation, chain: list[str], end: End = "") -> list[Line]:
        """``equation`` with a chain of Layout's lines after its right-hand side, the chain's first
        line on the equation's line, the others continuing it; the last ends in ``end``."""
        first = self.aligned(dataclasses.replace(equation, right=(*equation.right, chain[0])), "reveal")
        return list(_ended([first, *self._continuations(chain[1:])], end))

    def _numbers(self, left: tuple[Term, ...], array: Array, end: End) -> list[Line]:
        """``left = `` the array's numbers, on the next line when they do not fit beside it."""
        if self.layout.beside([array], 0):
            return [self.aligned(Equation(left, (Numbers(array),)), end)]
        return [self.aligned(Equation(left, ()), "break"), *_ended(self._continuations([Numbers(array)]), end)]

    def parameters(self, d: LabelledDirection) -> list[Part]:
        """Each gate's blocks of the parameters that the selection shows, a part a gate: each bias
        beside its weight when both pairs fit on their lines, else below it; then W_hr, with a
        projection."""
        parts = []
        for gp in d.trace.gates:
            if not self.selection.shows_gate(gp.name):
                continue
            beside, lines = self.layout.biases_beside(gp), []
            for side, value, bias in (("i", gp.weight_i, gp.bias_i), ("h", gp.weight_h, gp.bias_h)):
                weight_lines = self._numbers((weight("W", side, gp.name, d),), value, "break")
                if bias is not None and beside:
                    last = weight_lines[-1]
                    beside_it = (r"&\qquad", weight("b", side, gp.name, d), "&=", Numbers(bias))
                    weight_lines[-1] = dataclasses.replace(last, right=(*last.right, *beside_it))
                lines += weight_lines
                if bias is not None and not beside:
                    lines.append(self.aligned(Equation((weight("b", side, gp.name, d),), (Numbers(bias),)), "break"))
            parts.append(Part(self.cell.gate(gp.name).title.capitalize(), (Display(_ended(lines, ""), columns=2),)))
        weight_hr = d.trace.params.weight_hr
        if weight_hr is not None:
            projection = Equation((Symbol("W", "hr", d.sup),), (Numbers(weight_hr),))
            parts.append(Part("Projection", (Display((self.aligned(projection),)),)))
        return parts

    def returned(self, trace: Trace[Step], directions: Sequence[LabelledDirection], num_directions: int) -> Display:
        """What torch returns, each matrix beside the states its rows hold: the output, the last
        layer's h_t a row a step (its directions side by side), then h_n and c_n, a row a layer and
        direction; the numbers below their symbols when both do not fit on a line."""
        last = directions[-num_directions:]
        steps = range(1, len(trace.output) + 1)
        output = Symbols(
            tuple(
                tuple(r"\vdots" if t is None else transposed_braced(symbol("h", t, d)) for d in last)
                for t in self.layout.rows(trace.output, steps)
            )
        )
        states = [(r"\text{output}", output, trace.output, len(last))]
        for name, array in (("h", trace.h_n), ("c", trace.c_n)):
            if array is not None:
                final = Symbols(
                    tuple(
                        (r"\vdots" if d is None else transposed_braced(symbol(name, d.trace.steps[-1].t, d)),)
                        for d in self.layout.rows(array, directions)
                    )
                )
                states.append((f"{name}_n", final, array, 1))
        lines = []
        for left, symbols, array, columns in states:
            if self.layout.symbols_beside(array, columns):
                lines.append(self.aligned(Equation((left,), (symbols, "=", Numbers(array))), "break"))
            else:
                lines += [
                    self.aligned(Equation((left,), (symbols,)), "break"),
                    Line((), ("", "=", Numbers(array)), "break", indented=True),
                ]
        return Display(_ended(lines, ""))

    # The loss, the gradients of the parameters and of the inputs, and the step of SGD.

    def loss_display(self, output: Array, gradients: Gradients) -> Display:
        """The loss and its gradient at the output: L with its value, the output less the target
        (for ½ Σ, ∂L/∂output itself), then ∂L/∂output; or the gradient the layers above give."""
        value = self.layout.typeset.numbers.number(gradients.value)
        loss, n = gradients.loss, gradients.d_output.size
        d_output = r"\partial L/\partial \text{output}"
        if loss.target is None or gradients.error is None:
            given = Equation((d_output,), (Glued(Numbers(gradients.d_output), r", \qquad"), "L", "=", value))
            return Display((self.aligned(given),))
        half = loss.kind == "half_sse"
        difference = self.layout.difference(output, "", loss.target, gradients.error, d_output if half else "")
        lines = [
            self.aligned(Equation(("L",), (*self.loss_terms(loss.kind, n), "=", value)), "gap"),
            *self._beside(Equation((r"\text{output} - \text{target}",), ()), difference, "" if half else "gap"),
        ]
        if not half:
            lines.append(
                self.aligned(
                    Equation((d_output,), (*self.loss_gradient_terms(loss.kind, n), "=", Numbers(gradients.d_output)))
                )
            )
        return Display(tuple(lines))

    @staticmethod
    def loss_terms(kind: str, n: int) -> list[Term]:
        """A loss in symbols, of the output's n entries: ½ Σ_t, Σ_t or 1/n Σ_t of ‖y_t − y*_t‖²."""
        total = {"half_sse": r"\tfrac{1}{2} \sum_t", "sse": r"\sum_t", "mse": rf"\tfrac{{1}}{{{n}}} \sum_t"}[kind]
        return [total, r"\lVert y_t - y^{*}_t \rVert^2"]

    @staticmethod
    def loss_gradient_terms(kind: str, n: int) -> list[Term]:
        """Its gradient at the output in symbols: the output less the target, times 2 or 2/n but for ½ Σ."""
        factor = {"half_sse": [], "sse": ["2"], "mse": [rf"\tfrac{{2}}{{{n}}}"]}[kind]
        return [*factor, r"(\text{output} - \text{target})"]

    # The gradients of the parameters and of the inputs, and the step of SGD.

    def parameter_gradients(self, b: LabelledGradients) -> list[Part]:
        """Each gate's parameters' gradients as sums over the steps (their terms elided as a long
        matrix is), a part a gate the selection shows; then W_hr's, with a projection."""
        d, parts = b.direction, []
        for index, gp in enumerate(b.gates):
            if not self.selection.shows_gate(gp.name):
                continue
            k = gp.name
            deltas_i, deltas_h = b.gate_deltas(index)
            input_sum = (r"\textstyle\sum_t", delta(k, "t", d, self.cell))
            hidden_sum = (r"\textstyle\sum_t", *self.hidden_delta(d, k, "t"))
            weights = (
                (
                    Equation(
                        (gradient_of(weight("W", "i", k, d)),), (*input_sum, transposed_braced(symbol("x", "t", d)))
                    ),
                    self.layout.outer_sum(deltas_i, b.inputs, gp.weight_i),
                ),
                (
                    Equation(
                        (gradient_of(weight("W", "h", k, d)),),
                        (*hidden_sum, transposed_braced(symbol("h", d.prev_symbol, d))),
                    ),
                    self.layout.outer_sum(deltas_h, b.previous_hidden, gp.weight_h),
                ),
            )
            displays = [
                Display((self.aligned(equation, "reveal"), *self._chain(("=",), chain, "")))
                for equation, chain in weights
            ]
            if gp.bias_i is not None and gp.bias_h is not None:
                biases = [
                    *self._beside(
                        Equation((gradient_of(weight("b", "i", k, d)),), (*input_sum, "=")),
                        self.layout.outer_sum(deltas_i, None, gp.bias_i),
                        "gap",
                    ),
                    *self._beside(
                        Equation((gradient_of(weight("b", "h", k, d)),), (*hidden_sum, "=")),
                        self.layout.outer_sum(deltas_h, None, gp.bias_h),
                    ),
                ]
                displays.append(Display(tuple(biases)))
            parts.append(Part(self.cell.gate(k).title.capitalize(), tuple(displays)))
        if b.gradients.weight_hr is not None:
            o, c = symbol("o", "t", d, "o"), symbol("c", "t", d)
            unprojected = (r"\bigl(", o, r"\odot", r"\tanh(", c, r")\bigr)^{\top}")
            equation = Equation(
                (gradient_of(Symbol("W", "hr", d.sup)),), (r"\textstyle\sum_t", gradient("h", "t", d), *unprojected)
            )
            chain = self.layout.outer_sum(b.hidden_gradients, b.unprojected, b.gradients.weight_hr)
            parts.append(
                Part("Projection", (Display((self.aligned(equation, "reveal"), *self._chain(("=",), chain, ""))),))
            )
        return parts

    def input_gradients(self, gradients: Gradients) -> Display:
        """∂L/∂x, a row a step, and ∂L/∂h_0 (and ∂L/∂c_0), a row a layer and direction."""
        states = [("x", gradients.x), ("h_0", gradients.h0)] + (
            [("c_0", gradients.c0)] if gradients.c0 is not None else []
        )
        lines = [
            line for name, array in states for line in self._numbers((rf"\partial L/\partial {name}",), array, "break")
        ]
        return Display(_ended(lines, ""))

    def descent(self, b: LabelledGradients, lr: str) -> list[Part]:
        """Each parameter after one step of SGD with the learning rate ``lr`` (as printed), a part a
        gate the selection shows; then W_hr, with a projection."""
        d, parts = b.direction, []
        for gp, grad_p, new_p in b.descent:
            if not self.selection.shows_gate(gp.name):
                continue
            sides = [
                (
                    weight(kind, side, gp.name, d),
                    getattr(gp, f"{name}_{side}"),
                    getattr(grad_p, f"{name}_{side}"),
                    getattr(new_p, f"{name}_{side}"),
                )
                for kind, name in (("W", "weight"), ("b", "bias"))
                for side in "ih"
            ]
            lines = [
                line
                for parameter, value, gradient_value, new in sides
                if value is not None
                for line in self._beside(
                    Equation((parameter,), (), relation=r"\leftarrow"),
                    self.layout.difference(value, lr, gradient_value, new),
                    "gap",
                )
            ]
            parts.append(Part(self.cell.gate(gp.name).title.capitalize(), (Display(_ended(lines, "")),)))
        if b.gradients.weight_hr is not None and b.gradients.updated is not None:
            weight_hr, new_hr = d.trace.params.weight_hr, b.gradients.updated.weight_hr
            assert weight_hr is not None  # the direction has a projection: its gradient is not None
            assert new_hr is not None
            chain = self.layout.difference(weight_hr, lr, b.gradients.weight_hr, new_hr)
            lines = self._beside(Equation((Symbol("W", "hr", d.sup),), (), relation=r"\leftarrow"), chain)
            parts.append(Part("Projection", (Display(tuple(lines)),)))
        return parts

    def hidden_delta(self, d: LabelledDirection, k: str, t: int | str) -> list[Term]:
        """What gate k sends back through W_hk at step t, in symbols: δ_k, or for the cell's scaled
        gate (the GRU's n) r_t ⊙ δ_n, in parentheses."""
        if k != self.cell.scaled:
            return [delta(k, t, d, self.cell)]
        return ["(", symbol("r", t, d, "r"), r"\odot", delta(k, t, d, self.cell), ")"]

    def aligned(self, equation: Equation, end: End = "") -> Line:
        """``equation`` as a line: its left-hand side in its column, or (on a narrow page, where
        they hang) at the start of the line."""
        if self.layout.hang:
            return Line((), (*equation.left, equation.relation, *equation.right), end)
        return Line(equation.left, (equation.relation, *equation.right), end)

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
        lines = [Line((), (*first, chain[0]), indented=indented)]
        if continued is None:
            lines += self._continuations(chain[1:])
        else:
            lines += [Line((), (*continued, text), indented=True) for text in chain[1:]]
        return list(_ended(lines, end))

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


def _ended(lines: list[Line], end: End) -> tuple[Line, ...]:
    """The lines with the last one ending in ``end``."""
    return (*lines[:-1], dataclasses.replace(lines[-1], end=end))


def _third_gate(equation: Equation) -> int | None:
    """Where a sum of the gates' terms breaks on a narrow page: before the third gate's, if any."""
    pluses = [n for n, term in enumerate(equation.right) if term == "+"]
    return pluses[1] if len(pluses) > 1 else None


def _cell_state_gradient(gated: Term, o: Term, c: Term) -> list[Term]:
    """+ ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t)) in symbols: what reaches c_t through h_t."""
    return ["+", gated, r"\odot", o, r"\odot", r"\bigl(1 - \tanh^2(", c, r")\bigr)"]


def _spaced_sigmoid(value: Term) -> list[Term]:
    """k ⊙ (1 − k ) in symbols, the sigmoid's derivative of its value in the equations."""
    return [value, r"\odot", "(1 -", value, ")"]


def _spaced_tanh(value: Term) -> list[Term]:
    """(1 − k ⊙ k ) in symbols, tanh's derivative of its value in the equations."""
    return ["(1 -", value, r"\odot", value, ")"]


def gradient(name: str, t: int | str, d: LabelledDirection) -> Glued:
    """∂L/∂name_t: the gradient of the loss with respect to a quantity."""
    return gradient_of(symbol(name, t, d))


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


def gradient_of(term: Term) -> Glued:
    """∂L/∂ of a term, such as a parameter's symbol: ∂L/∂W_{ii}."""
    return Glued(term, "", before=r"\partial L/\partial ")
