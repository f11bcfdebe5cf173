"""The view every cell shares: how a step's parts are made as records (the states it reads, each
gate's chain, the gradients a step's gates have and send back), and the parameters, the results,
the loss, the parameters' gradients and the step of SGD. Each cell's own parts are in its module
(lstm.py, gru.py, rnn.py), a StepView of its own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cells import Cell, Grad, GruStep, LstmStep, Step
from ..model import Array, Gate, GateGrad, Trace
from ..selection import Selection
from .directions import LabelledDirection, LabelledGradients
from .records import (
    Display,
    End,
    Equation,
    Glued,
    Line,
    Numbers,
    Part,
    Symbol,
    Symbols,
    Term,
    delta,
    ended,
    gradient,
    gradient_of,
    symbol,
    transposed,
    transposed_braced,
    via,
    weight,
)

if TYPE_CHECKING:
    from ..backprop import Gradients
    from ..layout import Item, Layout


@dataclass(frozen=True)
class StepView:
    """A derivation's parts as records, broken into lines by ``layout``, showing what ``selection``
    shows: here what every cell shares. A cell's view (lstm.LstmView, gru.GruView, rnn.RnnView)
    adds what is its own, which the cell's partial asks for: ``equations(d)``, ``states(d, s)`` (its
    state updates after the gates' chains), ``backward_equations(d)`` and ``backward(d, s, g)``."""

    layout: Layout
    cell: Cell
    selection: Selection
    layers: int  # the network's

    def equations(self, d: LabelledDirection) -> Display:
        """The cell's equations in symbols, one display: each cell's view has its own."""
        raise NotImplementedError

    def backward_equations(self, d: LabelledDirection) -> Display:
        """The cell's backward pass in symbols, one display: each cell's view has its own."""
        raise NotImplementedError

    def _equations(self, d: LabelledDirection, states: list[Equation]) -> Display:
        """The cell's equations in symbols: each gate's, then the ``states``' (the GRU's n gate
        with its hidden part scaled by r_t)."""
        gates = [self.gate_equation(d, gate.name, "t", d.prev_symbol) for gate in self.cell.gates]
        lines = [line for equation in [*gates, *states] for line in self.lines(equation, "break")]
        return Display(ended(lines, ""))

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

    def reads(self, d: LabelledDirection, s: Step) -> Part:
        """x_t, h_prev (and c_prev for a cell with a cell state) with their numbers: side by side
        when they fit, else a line each."""
        p = d.prev(s.t)
        states = [(symbol("x", s.t, d), s.x), (symbol("h", p, d), s.h_prev)]
        if isinstance(s, LstmStep):
            states.append((symbol("c", p, d), s.c_prev))
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

    def _backward_equations(self, d: LabelledDirection, lines: list[Line]) -> Display:
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
        return list(ended(lines, ""))

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
                *self._wrapped(symbolic, third_gate(symbolic)),
                *self._chain(("=",), self._transposed_products(d, g, "h", result), ""),
            )
        )

    def _input_gradient(self, d: LabelledDirection, s: Step, g: Grad) -> Display:
        """∂L/∂x_t = Σ_k W_ikᵀ δ_k: what the step sends to x_t (the layer below's output gradient)."""
        symbolic = Equation((gradient("x", s.t, d),), tuple(self._weighted_deltas(d, s.t, "i")))
        return Display(
            (
                *self._wrapped(symbolic, third_gate(symbolic)),
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

    def _input_sum(self, d: LabelledDirection) -> Equation:
        """∂L/∂x_t = Σ_k W_ikᵀ δ_k in symbols, for every gate at once."""
        return Equation(
            (gradient("x", "t", d),),
            (r"\textstyle\sum_k", transposed_braced(Symbol("W", "ik", d.sup)), delta("k", "t", d, self.cell)),
        )

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
            parts.append(Part(self.cell.gate(gp.name).title.capitalize(), (Display(ended(lines, ""), columns=2),)))
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
        return Display(ended(lines, ""))

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
        return Display(ended(lines, ""))

    def descent(self, b: LabelledGradients, lr: str) -> list[Part]:
        """Each parameter after one step of SGD with the learning rate ``lr`` (as printed), a part a
        gate the selection shows; then W_hr, with a projection."""
        d, parts = b.direction, []
        for gp, grad_p, new_p in b.descent:
            if not self.selection.shows_gate(gp.name):
                continue
            lines = [
                line
                for kind, side, value, gradient_value, new in b.descended(gp, grad_p, new_p)
                for line in self._beside(
                    Equation((weight(kind, side, gp.name, d),), (), relation=r"\leftarrow"),
                    self.layout.difference(value, lr, gradient_value, new),
                    "gap",
                )
            ]
            parts.append(Part(self.cell.gate(gp.name).title.capitalize(), (Display(ended(lines, "")),)))
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

    def opening(self, left: str, relation: str = "=") -> str:
        """How a line of an aligned display written in a template opens: its left-hand side (LaTeX)
        and its relation, the alignment point between them, or before them where the left-hand
        sides hang (a narrow page); a line without one opens at the alignment point."""
        if not left:
            return f" &{relation}"
        return f"&{left} {relation}" if self.layout.hang else f"{left} &{relation}"

    def aligned(self, equation: Equation, end: End = "") -> Line:
        """``equation`` as a line: its left-hand side in its column, or (on a narrow page, where
        they hang) at the start of the line."""
        if self.layout.hang:
            return Line((), (*equation.left, equation.relation, *equation.right), end)
        return Line(equation.left, (equation.relation, *equation.right), end)

    def lines(self, equation: Equation, end: End = "") -> list[Line]:
        """``equation`` as ``aligned`` puts it, or, where it breaks (``wrap``: only where the
        left-hand sides hang), its left-hand side and the first part of its right, then the rest
        at the margin, ending in ``end``."""
        if not equation.wrap:
            return [self.aligned(equation, end)]
        first = (*equation.left, equation.relation, *equation.right[: equation.wrap])
        return [Line((), first, "break"), Line((), ("{}", *equation.right[equation.wrap :]), end, indented=True)]

    def _wrapped(self, equation: Equation, cut: int | None, end: End = "reveal") -> list[Line]:
        """``equation`` as a line; where the left-hand sides hang, broken before the ``cut``-th
        term of its right-hand side (None: never)."""
        return self.lines(dataclasses.replace(equation, wrap=cut if self.layout.hang and cut else 0), end)

    def _breaks(self, d: LabelledDirection) -> bool:
        """Whether a long equation of symbols breaks: on the narrowest pages (Layout.narrow), or as
        soon as the left-hand sides hang where every symbol carries a layer's or direction's marks."""
        return self.layout.hang if d.sup else self.layout.narrow

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
        return list(ended(lines, end))

    @staticmethod
    def _within(fn: str, chain: list[str]) -> list[Line]:
        """``= fn( … )`` around a chain of Layout's lines: a parenthesis open at a break is closed
        invisibly (\\right.) at the end of the line and opened again (\\left.) on the next."""
        first = (rf"= {fn}\left(", chain[0]) if chain[0] else (rf"= {fn}\left(",)  # empty: the numbers start below
        lines = [first] + [(r"\quad \left. {}", text) for text in chain[1:]]
        closes = [r"\right."] * (len(lines) - 1) + [r"\right)"]
        return [Line((), (*line, close), indented=True) for line, close in zip(lines, closes, strict=True)]

    def _continuations(self, terms: Sequence[Term]) -> list[Line]:
        """Lines continuing a chain of Layout's (or a matrix), a quad in (at the margin on a narrow page)."""
        quad = "{}" if self.layout.hang else r"\quad {}"
        return [Line((), (quad, term), indented=True) for term in terms]

    def _beside(self, equation: Equation, chain: list[str], end: End = "") -> list[Line]:
        """``equation`` with a chain of Layout's lines after its right-hand side, the chain's first
        line on the equation's line, the others continuing it; the last ends in ``end``."""
        first = self.aligned(dataclasses.replace(equation, right=(*equation.right, chain[0])), "reveal")
        return list(ended([first, *self._continuations(chain[1:])], end))

    def _numbers(self, left: tuple[Term, ...], array: Array, end: End) -> list[Line]:
        """``left = `` the array's numbers, on the next line when they do not fit beside it."""
        if self.layout.beside([array], 0):
            return [self.aligned(Equation(left, (Numbers(array),)), end)]
        return [self.aligned(Equation(left, ()), "break"), *ended(self._continuations([Numbers(array)]), end)]


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


def third_gate(equation: Equation) -> int | None:
    """Where a sum of the gates' terms breaks on a narrow page: before the third gate's, if any."""
    pluses = [n for n, term in enumerate(equation.right) if term == "+"]
    return pluses[1] if len(pluses) > 1 else None
