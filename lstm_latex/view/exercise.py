"""A worksheet's questions as records: each step's parts, forward and backward, as lines
``symbols = answer``. On the key (Sheet.answers) an answer is the value's numbers; on the sheet,
boxes in the same bracket and colour. The levels (Sheet.asks) decide which lines a part has:
"states" (c_t, h_t, ∂L/∂h_t, ∂L/∂c_t), "gates" (and the gates, the δ's), "all" (every computed
vector, in the order the equations compute them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..cells import CELLS, Grad, GruGrad, GruStep, LstmGrad, LstmStep, RnnGrad, RnnStep, Step
from ..latex import NumberFormat
from ..layout import Typeset, layout_at
from ..model import Array, Gate, GateGrad
from ..selection import EVERYTHING
from . import step_view
from .directions import LabelledDirection, LabelledGradients, backward_order, labelled
from .gru import GruView
from .lstm import LstmView
from .records import (
    Answer,
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
    from ..pipeline import Derivation


@dataclass(frozen=True)
class Reads:
    """What a step of the exercise reads: the states given with their numbers (a display, or
    none), and sentences, after them: the states the student computed, named with where they
    come from, and what a zero initial state makes of the values not asked."""

    given: Display | None
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Exercise:
    """The questions of a worksheet's page (``sheet``) on the derivation ``view`` shows. A value
    that asks nothing is left out: what a zero h_0 or c_0 makes zero or a given bias, what comes
    from the step after the last (zero), and a gradient equal to one asked already (∂L/∂b_hk of
    any gate but the GRU's n is ∂L/∂b_ik; ∂L/∂x, ∂L/∂h_0 and ∂L/∂c_0 are the steps' but for
    ∂L/∂x summed over two directions)."""

    view: StepView
    sheet: Sheet

    def answer(self, value: Array | float, name: str, row: int = 0) -> Answer:
        """A value asked for, named as the marking names it."""
        return Answer(np.asarray(value), name, self.sheet.answers, row)

    def ask(self, left: Sequence[Term], answer: Answer) -> Line:
        """One question line: ``left = answer``."""
        return self.view.aligned(Equation(tuple(left), (answer,)), "break")

    def part(self, title: str, lines: Sequence[Line], text: str = "") -> Part:
        """A part of question lines, on paper as many side by side as fit (a flowing display)."""
        return Part(title, (Display(ended(list(lines), ""), text, flow=True),))

    def _math(self, term: Term) -> str:
        return math([term], self.view.layout.typeset)

    def _at(self, d: LabelledDirection, t: int) -> str:
        """Where a step's values are named: ``t1/``, ``layer 2/reverse/t3/``."""
        params = d.trace.params
        layer = f"layer {params.layer + 1}/" if self.view.layers > 1 else ""
        return layer + ("reverse/" if params.reverse else "") + f"t{t}/"

    def parameters(self, d: LabelledDirection) -> list[Part]:
        """Each gate's blocks of the parameters, given: a part a gate, as many side by side as fit
        on paper; then W_hr, with a projection."""
        parts = []
        for gp in d.trace.gates:
            given = [("W", "i", gp.weight_i), ("W", "h", gp.weight_h)]
            if gp.bias_i is not None and gp.bias_h is not None:
                given += [("b", "i", gp.bias_i), ("b", "h", gp.bias_h)]
            lines = [
                self.view.aligned(Equation((weight(kind, side, gp.name, d),), (Numbers(value, given=True),)))
                for kind, side, value in given
            ]
            parts.append(Part(self.view.cell.gate(gp.name).title.capitalize(), (Display(ended(lines, ""), flow=True),)))
        if d.trace.params.weight_hr is not None:
            projection = self.view.aligned(
                Equation((_projection(d),), (Numbers(d.trace.params.weight_hr, given=True),)), ""
            )
            parts.append(Part("Projection", (Display((projection,), flow=True),)))
        return parts

    # Forward: the states a step reads, each gate's questions, then the cell's state updates.

    def reads(self, d: LabelledDirection, s: Step) -> Reads:
        """The states step s reads: those given (x_t of the first layer, a direction's initial
        state) with their numbers, the others named as the answers they are."""
        p = d.prev(s.t)
        first_layer, initial = d.trace.params.layer == 0, s.t == d.trace.steps[0].t
        states: list[tuple[Symbol, Array]] = [(symbol("h", p, d), s.h_prev)]
        if isinstance(s, LstmStep):
            states.append((symbol("c", p, d), s.c_prev))
        x = symbol("x", s.t, d)
        given = ([(x, s.x)] if first_layer else []) + (states if initial else [])
        sentences = (
            [] if first_layer else [f"${self._math(x)}$ is the layer below's output at $t = {s.t}$, from your answers."]
        )
        if not initial:
            sentences += [f"${self._math(name)}$ is your answer of step $t = {p}$." for name, _ in states]
        sentences += self._zero_states(d, s)
        lines = [self.view.aligned(Equation((name,), (Numbers(value, given=True),)), "break") for name, value in given]
        if not lines:
            return Reads(None, tuple(sentences))
        return Reads(
            Display(ended(lines, ""), "The step reads", after="\n".join(sentences), flow=True), tuple(sentences)
        )

    def _zero_states(self, d: LabelledDirection, s: Step) -> list[str]:
        """What a zero h_prev or c_prev makes of the values "all" would ask and does not."""
        if not self.sheet.asks("all"):
            return []
        t, p = s.t, d.prev(s.t)
        sym = {name: self._math(symbol(name, t, d)) for name in ("c", "g", "h", "i", "n", "z")}
        said = []
        if not s.h_prev.any():
            h_prev, w, b = (
                self._math(symbol("h", p, d)),
                self._math(Symbol("W", "hk", d.sup)),
                self._math(Symbol("b", "hk", d.sup)),
            )
            hidden = (
                f"${w} {h_prev} + {b}$ is ${b}$" if d.trace.params.bias_hh is not None else f"${w} {h_prev}$ is zero"
            )
            if isinstance(s, GruStep):
                hidden += rf" and ${sym['h']} = (1 - {sym['z']}) \odot {sym['n']}$"
            said.append(f"${h_prev}$ is zero: {hidden}.")
        if isinstance(s, LstmStep) and not s.c_prev.any():
            said.append(rf"${self._math(symbol('c', p, d))}$ is zero: ${sym['c']} = {sym['i']} \odot {sym['g']}$.")
        return said

    def gates(self, d: LabelledDirection, s: Step) -> list[Part]:
        """Every gate's questions, when the page asks for the gates; the cell's scaled gate (the
        GRU's n) with its hidden part scaled by r_t."""
        if not self.sheet.asks("gates"):
            return []
        reset = s.r if isinstance(s, GruStep) else None
        return [self.gate(d, s, g, reset if g.name == self.view.cell.scaled else None) for g in s.gates]

    def gate(self, d: LabelledDirection, s: Step, g: Gate, reset: Gate | None = None) -> Part:
        """A gate's questions: with "all", its two affine parts (scaled by r_t with ``reset``, the
        GRU's n; the hidden part not where h_prev is zero) and its preactivation; its activation
        always (an RNN's is its state, h_t)."""
        k, p, at = g.name, d.prev(s.t), self._at(d, s.t)
        kind, bias = self.view.cell.gate(k), d.trace.gate(k).bias_i is not None
        lines = []
        if self.sheet.asks("all"):
            lines.append(
                self.ask(
                    _affine(d, k, "i", symbol("x", s.t, d), bias), self.answer(g.input_affine, f"{at}{k}/input_affine")
                )
            )
            hidden = _affine(d, k, "h", symbol("h", p, d), bias)
            if s.h_prev.any():
                lines.append(self.ask(hidden, self.answer(g.hidden_affine, f"{at}{k}/hidden_affine")))
            if reset is not None and isinstance(s, GruStep):
                product = [symbol("r", s.t, d, "r"), *_parenthesized(hidden, before=r"\odot (")]
                lines.append(self.ask(product, self.answer(s.reset_hidden, f"{at}reset_hidden")))
        activation = self.answer(g.activation, f"{at}h" if isinstance(s, RnnStep) else f"{at}{k}/activation")
        if self.sheet.asks("all"):  # its operands asked just before: the sum of the two parts
            preactivation = self.answer(g.preactivation, f"{at}{k}/preactivation")
            worked = (rf"{kind.activation}\left(", preactivation, r"\right) =", activation)
            lines.append(self.view.aligned(Equation((symbol(k, s.t, d, k),), worked), "break"))
        else:
            lines.append(self._equals(self.view.gate_equation(d, k, s.t, p, bias), activation))
        return self.part(kind.title.capitalize(), lines)

    def step(self, d: LabelledDirection, s: Step) -> list[Part]:
        """A forward step's questions after the states it reads: the gates', then the state updates'."""
        if isinstance(s, RnnStep):  # its one gate is its state: asked at every level
            return [self.gate(d, s, s.affine)]
        return [*self.gates(d, s), *self.states(d, s)]

    def states(self, d: LabelledDirection, s: Step) -> list[Part]:
        """The cell's state updates: the LSTM's c_t and h_t, the GRU's h_t (the RNN's h_t is its
        gate); with "all", the products and sums between, but those a zero state makes 0."""
        p, at, every = d.prev(s.t), self._at(d, s.t), self.sheet.asks("all")
        if isinstance(s, LstmStep):
            f, i, g, o = (symbol(k, s.t, d, k) for k in ("f", "i", "g", "o"))
            tanh_c = Glued(symbol("c", s.t, d), ")", before=r"\tanh(")
            cell = []
            if every and s.c_prev.any():
                cell += [
                    self.ask([f, r"\odot", symbol("c", p, d)], self.answer(s.forget_term, f"{at}forget_term")),
                    self.ask([i, r"\odot", g], self.answer(s.input_term, f"{at}input_term")),
                ]
            hidden = [self.ask([tanh_c], self.answer(s.tanh_c, f"{at}tanh_c"))] if every else []
            if every and s.h_unprojected is not None:
                hidden.append(self.ask([o, r"\odot", tanh_c], self.answer(s.h_unprojected, f"{at}h_unprojected")))
            c = self._equals(LstmView.cell_state(d, s.t, p), self.answer(s.c, f"{at}c"))
            h = self._equals(LstmView.hidden_state(d, s.t), self.answer(s.h, f"{at}h"))
            return [self.part("Cell state", [*cell, c]), self.part("Hidden state", [*hidden, h])]
        if isinstance(s, GruStep):
            z, n = symbol("z", s.t, d, "z"), symbol("n", s.t, d, "n")
            terms = [self.ask(["1 -", z], self.answer(s.one_minus_z, f"{at}one_minus_z"))] if every else []
            if every and s.h_prev.any():
                terms += [
                    self.ask([Glued(z, ")", before="(1 - "), r"\odot", n], self.answer(s.new_term, f"{at}new_term")),
                    self.ask([z, r"\odot", symbol("h", p, d)], self.answer(s.keep_term, f"{at}keep_term")),
                ]
            h = self._equals(GruView.hidden_state(d, s.t, p), self.answer(s.h, f"{at}h"))
            return [self.part("Hidden state", [*terms, h])]
        return []

    def _equals(self, equation: Equation, answer: Answer) -> Line:
        """The equation in symbols, then ``= answer`` on its line."""
        return self.view.aligned(replace(equation, right=(*equation.right, "=", answer)), "break")

    # Backward: ∂L/∂h_t, the cell's own gradients, each gate's δ, and what the step sends back.

    def backward_step(self, d: LabelledDirection, s: Step, g: Grad) -> Part:
        """A backward step's questions, one part, in the order they can be worked out; at the
        step that ran last, nothing comes from a later step: no ∂L/∂h_t or ∂L/∂c_t through it."""
        every, last = self.sheet.asks("all"), s.t == d.trace.steps[-1].t
        nxt, p, at = d.next(s.t), d.prev(s.t), self._at(d, s.t) + "backward/"
        lines = []
        if every and not last:
            lines += [
                self.ask([via("h", s.t, d)], self.answer(g.dh_output, f"{at}dh_output")),
                self.ask([via("h", s.t, d, nxt)], self.answer(g.dh_next, f"{at}dh_next")),
            ]
        lines.append(self.ask([gradient("h", s.t, d)], self.answer(g.dh, f"{at}dh")))
        if isinstance(g, LstmGrad):
            if every and g.dh_unprojected is not None:
                lines.append(self.ask([LstmView.gated(d, s.t)], self.answer(g.dh_unprojected, f"{at}dh_unprojected")))
            if every and not last:
                lines.append(self.ask([via("c", s.t, d, nxt)], self.answer(g.dc_next, f"{at}dc_next")))
            lines.append(self.ask([gradient("c", s.t, d)], self.answer(g.dc, f"{at}dc")))
        lines += self._gate_gradients(d, s, g, at)
        if isinstance(g, GruGrad) and every:
            through_gates: list[Term] = []
            for k in self.view.cell.gate_names:
                through_gates += ["+"] if through_gates else []
                through_gates += [transposed(weight("W", "h", k, d)), *self.view.hidden_delta(d, k, s.t)]
            lines += [
                self.ask(
                    [gradient("h", s.t, d), r"\odot", symbol("z", s.t, d, "z")],
                    self.answer(g.dh_prev_kept, f"{at}dh_prev_kept"),
                ),
                self.ask(through_gates, self.answer(g.dh_prev_gates, f"{at}dh_prev_gates")),
            ]
        lines.append(self.ask([via("h", p, d, s.t)], self.answer(g.dh_prev, f"{at}dh_prev")))
        if every:
            lines.append(self.ask([gradient("x", s.t, d)], self.answer(g.dx, f"{at}dx")))
        if every and isinstance(g, LstmGrad):
            lines.append(self.ask([via("c", p, d, s.t)], self.answer(g.dc_prev, f"{at}dc_prev")))
        text = ""
        if every and last:
            text = f"Step $t = {s.t}$ ran last: ${self._math(gradient('h', s.t, d))}$ comes from the output alone."
        return self.part("", lines, text)

    def _gate_gradients(self, d: LabelledDirection, s: Step, g: Grad, at: str) -> list[Line]:
        """Each gate's δ (with "gates") and, with "all", the gradient of its activation first (not
        an RNN's: its activation is h_t). The GRU's in the order they are worked out: z and n, then
        r_t ⊙ δ_n, then r, whose ∂L/∂r_t needs δ_n."""
        if not self.sheet.asks("gates"):
            return []
        every = self.sheet.asks("all")

        def asked(gate: GateGrad) -> list[Line]:
            lines = []
            if every and not isinstance(g, RnnGrad):
                lines.append(
                    self.ask([gradient(gate.name, s.t, d)], self.answer(gate.activation, f"{at}{gate.name}/activation"))
                )
            delta_k = self.answer(gate.preactivation, f"{at}{gate.name}/preactivation")
            return [*lines, self.ask([delta(gate.name, s.t, d, self.view.cell)], delta_k)]

        if not isinstance(g, GruGrad):
            return [line for gate in g.gates for line in asked(gate)]
        lines = [*asked(g.z), *asked(g.n)]
        if every:
            lines.append(
                self.ask(self.view.hidden_delta(d, "n", s.t), self.answer(g.n.hidden_affine, f"{at}n/hidden_affine"))
            )
        return [*lines, *asked(g.r)]

    # The backward pass's other parts: the loss, the parameters' gradients, the inputs', SGD.

    def loss(self, gradients: Gradients) -> Part:
        """The loss and its gradient at the output, asked (or, from the layers above, given)."""
        loss, output = gradients.loss, r"\partial L/\partial \text{output}"
        value = self.answer(gradients.value, "loss")
        if loss.kind == "grad_output":
            given = Display(
                (self.view.aligned(Equation((output,), (Numbers(gradients.d_output, given=True),))),),
                "The layers above give the gradient of the loss at the output,"
                r" $L = \sum_t (\partial L/\partial y_t)^{\top} y_t$ for the rows $y_t$ of the output:",
            )
            return Part("The loss", (given, Display((self.view.aligned(Equation(("L",), (value,)), ""),), flow=True)))
        assert loss.target is not None
        n = gradients.d_output.size
        target = Display(
            (self.view.aligned(Equation((r"\text{target}",), (Numbers(loss.target, given=True),))),),
            r"Each row $y_t$ of the output is compared with the same row $y^{*}_t$ of the target:",
        )
        d_output = self.answer(gradients.d_output, "grad/output")
        asked = [
            self.view.aligned(Equation(("L",), (*self.view.loss_terms(loss.kind, n), "=", value)), "break"),
            self.view.aligned(Equation((output,), (*self.view.loss_gradient_terms(loss.kind, n), "=", d_output))),
        ]
        return Part("The loss", (target, Display(ended(asked, ""), flow=True)))

    def parameter_gradients(self, b: LabelledGradients) -> list[Part]:
        """∂L/∂ of each gate's parameters, a part a gate, and of the projection; ∂L/∂b_hk only
        where it is not ∂L/∂b_ik (the GRU's n)."""
        d, suffix = b.direction, b.gradients.params.suffix
        parts = []
        for k, gp in enumerate(b.gates):
            row = k * gp.weight_i.shape[0]
            asked = [("W", "i", "weight_ih", gp.weight_i), ("W", "h", "weight_hh", gp.weight_h)]
            if gp.bias_i is not None and gp.bias_h is not None:
                asked.append(("b", "i", "bias_ih", gp.bias_i))
                if gp.name == self.view.cell.scaled:
                    asked.append(("b", "h", "bias_hh", gp.bias_h))
            lines = [
                self.ask(
                    [gradient_of(weight(kind, side, gp.name, d))], self.answer(value, f"grad/{name}{suffix}", row=row)
                )
                for kind, side, name, value in asked
            ]
            parts.append(self.part(self.view.cell.gate(gp.name).title.capitalize(), lines))
        if b.gradients.weight_hr is not None:
            projection = self.answer(b.gradients.weight_hr, f"grad/weight_hr{suffix}")
            parts.append(self.part("Projection", [self.ask([gradient_of(_projection(d))], projection)]))
        return parts

    def input_gradients(self, gradients: Gradients, bidirectional: bool) -> list[Part]:
        """∂L/∂x, the sum of the first layer's two directions' ∂L/∂x_t (one direction's were asked)."""
        if not bidirectional:
            return []
        asked = [self.ask([r"\partial L/\partial x"], self.answer(gradients.x, "grad/x"))]
        text = "The gradient of the input, a row a step, the sum of the first layer's two directions':"
        return [self.part("", asked, text)]

    def descent(self, b: LabelledGradients) -> list[Part]:
        """Each gate's parameters after the step of SGD, a part a gate, and the projection's."""
        d, suffix = b.direction, b.gradients.params.suffix
        parts = []
        for k, (gp, _, new) in enumerate(b.descent):
            row = k * new.weight_i.shape[0]
            asked = [("W", "i", "weight_ih", new.weight_i), ("W", "h", "weight_hh", new.weight_h)]
            if new.bias_i is not None and new.bias_h is not None:
                asked += [("b", "i", "bias_ih", new.bias_i), ("b", "h", "bias_hh", new.bias_h)]
            lines = [
                self._descended(weight(kind, side, gp.name, d), self.answer(value, f"updated/{name}{suffix}", row=row))
                for kind, side, name, value in asked
            ]
            parts.append(self.part(self.view.cell.gate(gp.name).title.capitalize(), lines))
        updated = b.gradients.updated
        if updated is not None and updated.weight_hr is not None:
            answer = self.answer(updated.weight_hr, f"updated/weight_hr{suffix}")
            parts.append(self.part("Projection", [self._descended(_projection(d), answer)]))
        return parts

    def _descended(self, parameter: Term, answer: Answer) -> Line:
        """A parameter's update in symbols, then its value after it, asked."""
        update = (parameter, r"- \eta\,", gradient_of(parameter), "=", answer)
        return self.view.aligned(Equation((parameter,), update, relation=r"\leftarrow"), "break")

    # Every answer of the page, in the order it asks them: what the marking marks.

    def answers(
        self,
        directions: Sequence[LabelledDirection],
        backward: Sequence[LabelledGradients] | None,
        gradients: Gradients | None,
        bidirectional: bool,
    ) -> list[Answer]:
        """The page's answers in its order: each step's forward, the loss, each step's backward, the
        parameters' gradients, the input's, and the parameters after SGD (as worksheet.tex.j2 prints them)."""
        parts = [p for d in directions for s in d.trace.steps for p in self.step(d, s)]
        if gradients is not None and backward is not None:
            parts.append(self.loss(gradients))
            parts += [self.backward_step(b.direction, s, g) for b in backward for s, g in b.steps]
            if self.sheet.asks("gates"):
                parts += [p for b in backward for p in self.parameter_gradients(b)]
            if self.sheet.asks("all"):
                parts += self.input_gradients(gradients, bidirectional)
                parts += [p for b in backward for p in self.descent(b)]
        return [term for p in parts for display in p.displays for line in display.lines for term in _answers(line)]


def _answers(line: Line) -> Iterator[Answer]:
    for term in (*line.left, *line.right):
        if isinstance(term, Answer):
            yield term


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


def page_answers(derivation: Derivation, sheet: Sheet) -> list[Answer]:
    """The answers of a worksheet's page on ``derivation`` (worked by hand) in its order, as the
    page asks them: what the marking marks."""
    trace, gradients = derivation.trace, derivation.gradients
    network = trace.example.network
    layout = layout_at(Typeset(NumberFormat(), _unpainted, portable=False), "a4", None)
    view = step_view(layout, CELLS[network.cell], EVERYTHING, network.num_layers)
    directions = [labelled(d, network.num_layers, network.bidirectional, None) for d in trace.directions]
    backward = None if gradients is None else backward_order(directions, gradients)
    return Exercise(view, sheet).answers(directions, backward, gradients, network.bidirectional)


def _unpainted(text: str, gate: str | None) -> str:
    return text
