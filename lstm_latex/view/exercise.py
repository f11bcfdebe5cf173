"""A worksheet's questions as records: each step's parts, forward and backward, as lines
``symbols = answer``. On the key (Sheet.answers) an answer is the value's numbers; on the sheet,
boxes in the same bracket and colour. The levels (Sheet.asks) decide which lines a part has:
"states" (c_t, h_t, ∂L/∂h_t, ∂L/∂c_t), "gates" (and the gates, the δ's), "all" (every computed
vector, in the order the equations compute them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..cells import Grad, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from ..model import Array, Gate
from .directions import LabelledDirection, LabelledGradients
from .gru import GruView
from .lstm import LstmView
from .records import (
    Boxes,
    Display,
    Equation,
    Glued,
    Line,
    Numbers,
    Part,
    Sheet,
    Symbol,
    Term,
    delta,
    ended,
    gradient,
    gradient_of,
    math,
    symbol,
    transposed,
    via,
    weight,
)
from .step import StepView

if TYPE_CHECKING:
    from ..backprop import Gradients


@dataclass(frozen=True)
class Reads:
    """What a step of the exercise reads: the states given with their numbers (a display, or
    none), and those the student computed, named with where they come from."""

    given: Display | None
    computed: tuple[str, ...]  # sentences, one a state


@dataclass(frozen=True)
class Exercise:
    """The questions of a worksheet's page (``sheet``) on the derivation ``view`` shows."""

    view: StepView
    sheet: Sheet

    def answer(self, value: Array, gate: str | None = None) -> Term:
        """What a question's value prints as: its numbers on the key, boxes on the sheet."""
        return Numbers(value, gate) if self.sheet.answers else Boxes(value.shape, gate)

    def scalar(self, value: float) -> Term:
        """A number asked for, such as the loss."""
        return self.view.layout.typeset.numbers.number(value) if self.sheet.answers else Boxes(())

    def ask(self, left: Sequence[Term], value: Array, gate: str | None = None) -> Line:
        """One question line: ``left = answer``."""
        return self.view.aligned(Equation(tuple(left), (self.answer(value, gate),)), "break")

    def part(self, title: str, lines: Sequence[Line]) -> Part:
        """A part of question lines, the last one without a line break."""
        return Part(title, (Display(ended(list(lines), "")),))

    def reads(self, d: LabelledDirection, s: Step) -> Reads:
        """The states step s reads: those given (x_t of the first layer, a direction's initial
        state) with their numbers on one line, the others named as the answers they are."""
        p = d.prev(s.t)
        first_layer, initial = d.trace.params.layer == 0, s.t == d.trace.steps[0].t
        states: list[tuple[Symbol, Array]] = [(symbol("h", p, d), s.h_prev)]
        if isinstance(s, LstmStep):
            states.append((symbol("c", p, d), s.c_prev))
        x = symbol("x", s.t, d)
        given = ([(x, s.x)] if first_layer else []) + (states if initial else [])
        computed = (
            [] if first_layer else [f"${self._math(x)}$ is the layer below's output at $t = {s.t}$, from your answers."]
        )
        if not initial:
            computed += [f"${self._math(name)}$ is your answer of step $t = {p}$." for name, _ in states]
        if not given:
            return Reads(None, tuple(computed))
        lines = []
        for k, (name, value) in enumerate(given):  # on one line, the first at the alignment point
            numbers = Numbers(value) if k == len(given) - 1 else Glued(Numbers(value), r", \qquad")
            first = self.view.aligned(Equation((name,), (numbers,)), "")
            lines.append(first if not k else Line((name,), ("=", numbers), "", aligned=False))
        return Reads(Display(tuple(lines), "The step reads"), tuple(computed))

    def _math(self, term: Term) -> str:
        return math([term], self.view.layout.typeset)

    # Forward: each gate's questions, then the cell's state updates.

    def gates(self, d: LabelledDirection, s: Step) -> list[Part]:
        """Every gate's questions, when the page asks for the gates; the cell's scaled gate (the
        GRU's n) with its hidden part scaled by r_t."""
        if not self.sheet.asks("gates"):
            return []
        reset = s.r if isinstance(s, GruStep) else None
        return [self.gate(d, s, g, reset if g.name == self.view.cell.scaled else None) for g in s.gates]

    def gate(self, d: LabelledDirection, s: Step, g: Gate, reset: Gate | None = None) -> Part:
        """A gate's questions: with "all", its two affine parts (scaled by r_t with ``reset``, the
        GRU's n) and its preactivation; its activation always."""
        k, p = g.name, d.prev(s.t)
        kind, bias = self.view.cell.gate(k), d.trace.gate(k).bias_i is not None
        lines = []
        if self.sheet.asks("all"):
            lines.append(self.ask(_affine(d, k, "i", symbol("x", s.t, d), bias), g.input_affine))
            hidden = _affine(d, k, "h", symbol("h", p, d), bias)
            lines.append(self.ask(hidden, g.hidden_affine))
            if reset is not None and isinstance(s, GruStep):
                lines.append(
                    self.ask([symbol("r", s.t, d, "r"), *_parenthesized(hidden, before=r"\odot (")], s.reset_hidden)
                )
        lines.append(self.view.aligned(self.view.gate_equation(d, k, s.t, p, bias), "break"))
        worked: list[Term] = ["="]
        if self.sheet.asks("all"):
            worked += [rf"{kind.activation}\left(", self.answer(g.preactivation), r"\right) ="]
        lines.append(Line((), (*worked, self.answer(g.activation, k)), "", indented=True))
        return Part(kind.title.capitalize(), (Display(tuple(lines)),))

    def step(self, d: LabelledDirection, s: Step) -> list[Part]:
        """A forward step's questions after the states it reads: the gates', then the state updates'."""
        if isinstance(s, RnnStep):  # its one gate is its state: asked at every level
            return [self.gate(d, s, s.affine)]
        return [*self.gates(d, s), *self.states(d, s)]

    def states(self, d: LabelledDirection, s: Step) -> list[Part]:
        """The cell's state updates: the LSTM's c_t and h_t, the GRU's h_t (the RNN's h_t is its gate)."""
        p, every = d.prev(s.t), self.sheet.asks("all")
        if isinstance(s, LstmStep):
            f, i, g, o = (symbol(k, s.t, d, k) for k in ("f", "i", "g", "o"))
            tanh_c = Glued(symbol("c", s.t, d), ")", before=r"\tanh(")
            cell = [self.ask([f, r"\odot", symbol("c", p, d)], s.forget_term), self.ask([i, r"\odot", g], s.input_term)]
            hidden = [self.ask([tanh_c], s.tanh_c)]
            if s.h_unprojected is not None:
                hidden.append(self.ask([o, r"\odot", tanh_c], s.h_unprojected))
            return [
                self.part("Cell state", [*(cell if every else []), self._equals(LstmView.cell_state(d, s.t, p), s.c)]),
                self.part(
                    "Hidden state", [*(hidden if every else []), self._equals(LstmView.hidden_state(d, s.t), s.h)]
                ),
            ]
        if isinstance(s, GruStep):
            z, n = symbol("z", s.t, d, "z"), symbol("n", s.t, d, "n")
            terms = [
                self.ask(["1 -", z], s.one_minus_z),
                self.ask([Glued(z, ")", before="(1 - "), r"\odot", n], s.new_term),
                self.ask([z, r"\odot", symbol("h", p, d)], s.keep_term),
            ]
            return [
                self.part(
                    "Hidden state", [*(terms if every else []), self._equals(GruView.hidden_state(d, s.t, p), s.h)]
                )
            ]
        return []

    def _equals(self, equation: Equation, value: Array) -> Line:
        """The equation in symbols, then ``= answer`` on its line."""
        return self.view.aligned(replace(equation, right=(*equation.right, "=", self.answer(value))), "break")

    # Backward: ∂L/∂h_t, the cell's own gradients, each gate's δ, and what the step sends back.

    def backward_step(self, d: LabelledDirection, s: Step, g: Grad) -> Part:
        """A backward step's questions, one part."""
        every = self.sheet.asks("all")
        nxt, p = d.next(s.t), d.prev(s.t)
        lines = self._hidden_gradient(d, s, g)
        if isinstance(g, LstmGrad):
            if g.dh_unprojected is not None and every:
                lines.append(self.ask([LstmView.gated(d, s.t)], g.dh_unprojected))
            if every:
                lines.append(self.ask([via("c", s.t, d, nxt)], g.dc_next))
            lines.append(self.ask([gradient("c", s.t, d)], g.dc))
        lines += self._gate_gradients(d, s, g, activations=not isinstance(g, RnnGrad))
        if isinstance(g, GruGrad) and every:
            through_gates: list[Term] = []
            for k in self.view.cell.gate_names:
                through_gates += (["+"] if through_gates else []) + [
                    transposed(weight("W", "h", k, d)),
                    *self.view.hidden_delta(d, k, s.t),
                ]
            lines += [
                self.ask(self.view.hidden_delta(d, "n", s.t), g.n.hidden_affine),
                self.ask([gradient("h", s.t, d), r"\odot", symbol("z", s.t, d, "z")], g.dh_prev_kept),
                self.ask(through_gates, g.dh_prev_gates),
            ]
        lines.append(self.ask([via("h", p, d, s.t)], g.dh_prev))
        if every:
            lines.append(self.ask([gradient("x", s.t, d)], g.dx))
        if isinstance(g, LstmGrad) and every:
            lines.append(self.ask([via("c", p, d, s.t)], g.dc_prev))
        return self.part("", lines)

    def _hidden_gradient(self, d: LabelledDirection, s: Step, g: Grad) -> list[Line]:
        """∂L/∂h_t: with "all", through the output and through the next step first."""
        lines = []
        if self.sheet.asks("all"):
            lines = [self.ask([via("h", s.t, d)], g.dh_output), self.ask([via("h", s.t, d, d.next(s.t))], g.dh_next)]
        return [*lines, self.ask([gradient("h", s.t, d)], g.dh)]

    def _gate_gradients(self, d: LabelledDirection, s: Step, g: Grad, *, activations: bool) -> list[Line]:
        """Each gate's δ (with "gates") and, with "all" and ``activations``, the gradient of its
        activation first."""
        lines: list[Line] = []
        if not self.sheet.asks("gates"):
            return lines
        for gate in g.gates:
            if activations and self.sheet.asks("all"):
                lines.append(self.ask([gradient(gate.name, s.t, d)], gate.activation))
            lines.append(self.ask([delta(gate.name, s.t, d, self.view.cell)], gate.preactivation, gate.name))
        return lines

    # The backward pass's other parts: the loss, the parameters' gradients, the inputs', SGD.

    def loss(self, gradients: Gradients) -> Part:
        """The loss and its gradient at the output, asked (or, from the layers above, given)."""
        loss, output = gradients.loss, r"\partial L/\partial \text{output}"
        if loss.kind == "grad_output":
            given = Display(
                (self.view.aligned(Equation((output,), (Numbers(gradients.d_output),))),),
                "The layers above give the gradient of the loss at the output,"
                r" $L = \sum_t (\partial L/\partial y_t)^{\top} y_t$ for the rows $y_t$ of the output:",
            )
            asked = [self.view.aligned(Equation(("L",), (self.scalar(gradients.value),)), "")]
            return Part("The loss", (given, Display(tuple(asked))))
        assert loss.target is not None
        n = gradients.d_output.size
        target = Display(
            (self.view.aligned(Equation((r"\text{target}",), (Numbers(loss.target),))),),
            r"Each row $y_t$ of the output is compared with the same row $y^{*}_t$ of the target:",
        )
        asked = [
            self.view.aligned(
                Equation(("L",), (*self.view.loss_terms(loss.kind, n), "=", self.scalar(gradients.value))), "break"
            ),
            self.view.aligned(Equation((output,), tuple(self.view.loss_gradient_terms(loss.kind, n))), "break"),
            Line((), ("=", self.answer(gradients.d_output)), "", indented=True),
        ]
        return Part("The loss", (target, Display(tuple(asked))))

    def parameter_gradients(self, b: LabelledGradients) -> list[Part]:
        """∂L/∂ of each gate's parameters, a part a gate, and of the projection."""
        d = b.direction
        parts = []
        for gp in b.gates:
            names = [("W", "i", gp.weight_i), ("W", "h", gp.weight_h)]
            if gp.bias_i is not None and gp.bias_h is not None:
                names += [("b", "i", gp.bias_i), ("b", "h", gp.bias_h)]
            asked = [self.ask([gradient_of(weight(kind, side, gp.name, d))], value) for kind, side, value in names]
            parts.append(self.part(self.view.cell.gate(gp.name).title.capitalize(), asked))
        if b.gradients.weight_hr is not None:
            parts.append(self.part("Projection", [self.ask([gradient_of(_projection(d))], b.gradients.weight_hr)]))
        return parts

    def input_gradients(self, gradients: Gradients) -> Part:
        """∂L/∂x, ∂L/∂h_0 (and ∂L/∂c_0)."""
        asked = [(r"\partial L/\partial x", gradients.x), (r"\partial L/\partial h_0", gradients.h0)]
        if gradients.c0 is not None:
            asked.append((r"\partial L/\partial c_0", gradients.c0))
        lines = ended([self.ask([name], value) for name, value in asked], "")
        text = (
            "The gradients of the input, a row a step, and of the initial states, a row a layer and"
            " direction in the order of $h_n$:"
        )
        return Part("", (Display(lines, text),))

    def descent(self, b: LabelledGradients) -> list[Part]:
        """Each gate's parameters after the step of SGD, a part a gate, and the projection's."""
        d = b.direction
        parts = []
        for gp, _, new in b.descent:
            names = [("W", "i", new.weight_i), ("W", "h", new.weight_h)]
            if new.bias_i is not None and new.bias_h is not None:
                names += [("b", "i", new.bias_i), ("b", "h", new.bias_h)]
            parts.append(
                self.part(
                    self.view.cell.gate(gp.name).title.capitalize(),
                    [
                        line
                        for kind, side, value in names
                        for line in self._descended(weight(kind, side, gp.name, d), value)
                    ],
                )
            )
        updated = b.gradients.updated
        if updated is not None and updated.weight_hr is not None:
            parts.append(self.part("Projection", self._descended(_projection(d), updated.weight_hr)))
        return parts

    def _descended(self, parameter: Term, value: Array) -> list[Line]:
        """A parameter's update in symbols, then its value after it asked on the line below."""
        update = Equation((parameter,), (parameter, r"- \eta\,", gradient_of(parameter)), relation=r"\leftarrow")
        return [self.view.aligned(update, "break"), Line((), ("=", self.answer(value)), "break", indented=True)]


def _affine(d: LabelledDirection, k: str, side: str, state: Term, bias: bool) -> list[Term]:
    """W_{sk} state + b_{sk}: gate k's affine part on ``side`` (i: the input, h: the hidden state)."""
    terms: list[Term] = [weight("W", side, k, d), state]
    return [*terms, "+", weight("b", side, k, d)] if bias else terms


def _parenthesized(terms: Sequence[Term], before: str = "") -> list[Term]:
    """(terms), the parentheses on the first and last terms: "(W_{hn} h_{0} + b_{hn})"."""
    if len(terms) == 1:
        return [Glued(terms[0], ")", before=before)]
    return [Glued(terms[0], "", before=before), *terms[1:-1], Glued(terms[-1], ")")]


def _projection(d: LabelledDirection) -> Symbol:
    """W_{hr}, the projection's weight."""
    return Symbol("W", "hr", d.sup)
