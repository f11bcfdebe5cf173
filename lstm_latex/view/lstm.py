"""The LSTM's own parts of a derivation, in symbols and with the numbers in: c_t and h_t (through
W_hr with a projection), and the backward pass through them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cells import LstmGrad, LstmStep
from .directions import LabelledDirection
from .records import (
    Display,
    Equation,
    Glued,
    Line,
    Numbers,
    Part,
    Symbol,
    Term,
    delta,
    gradient,
    spaced_tanh,
    symbol,
    transposed_braced,
    via,
)
from .step import StepView

if TYPE_CHECKING:
    from ..layout import Item


class LstmView(StepView):
    """An LSTM's derivation as records."""

    def equations(self, d: LabelledDirection) -> Display:
        """The LSTM's equations in symbols: its gates', then c_t and h_t."""
        return self._equations(d, [self.cell_state(d, "t", d.prev_symbol), self.hidden_state(d, "t")])

    @staticmethod
    def cell_state(d: LabelledDirection, t: int | str, prev: int | str) -> Equation:
        """c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t in symbols, at step t reading the state of step prev."""
        f, i, g = (symbol(k, t, d, k) for k in "fig")
        return Equation((symbol("c", t, d),), (f, r"\odot", symbol("c", prev, d), "+", i, r"\odot", g))

    @staticmethod
    def hidden_state(d: LabelledDirection, t: int | str) -> Equation:
        """h_t = o_t ⊙ tanh(c_t), projected by W_hr with a proj_size, in symbols."""
        o, c = symbol("o", t, d, "o"), symbol("c", t, d)
        if d.trace.params.weight_hr is None:
            return Equation((symbol("h", t, d),), (o, r"\odot", r"\tanh(", Glued(c, ")")))
        projection = Glued(Symbol("W", "hr", d.sup), r"\bigl(")
        return Equation((symbol("h", t, d),), (projection, o, r"\odot", r"\tanh(", Glued(c, r")\bigr)")))

    def states(self, d: LabelledDirection, s: LstmStep) -> list[Part]:
        """The cell state, then the hidden state (through W_hr with a projection), worked out."""
        f, i, g, o = ((gate.activation, gate.name) for gate in (s.f, s.i, s.g, s.o))
        c_t = [
            self.aligned(self.cell_state(d, s.t, d.prev(s.t)), "reveal"),
            *self._chain(("=",), self.layout.chain([f, r"\odot", s.c_prev, "+", i, r"\odot", g])),
            *self._chain(("=",), self.layout.chain([s.forget_term, "+", s.input_term, "=", s.c]), ""),
        ]
        h_t = [self.aligned(self.hidden_state(d, s.t), "reveal")]
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

    def backward_equations(self, d: LabelledDirection) -> Display:
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
                (delta("g", t, d, self.cell),), (gradient("g", t, d), r"\odot", *spaced_tanh(symbol("g", t, d, "g")))
            ),
            Equation(
                (gradient("h", prev, d),),
                (r"\textstyle\sum_k", transposed_braced(Symbol("W", "hk", d.sup)), delta("k", t, d, self.cell)),
            ),
            Equation((via("c", prev, d, t),), (symbol("f", t, d, "f"), r"\odot", gradient("c", t, d))),
            self._input_sum(d),
        ]
        return self._backward_equations(d, self.equation_lines(*equations))

    def backward(self, d: LabelledDirection, s: LstmStep, g: LstmGrad) -> list[Part]:
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

    @staticmethod
    def gated(d: LabelledDirection, t: int | str) -> Term:
        """∂L/∂h_t, or with a projection ∂L/∂h̃_t, the gradient of what W_hr projects."""
        return gradient(r"\tilde{h}" if d.trace.params.weight_hr is not None else "h", t, d)


def _cell_state_gradient(gated: Term, o: Term, c: Term) -> list[Term]:
    """+ ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t)) in symbols: what reaches c_t through h_t."""
    return ["+", gated, r"\odot", o, r"\odot", r"\bigl(1 - \tanh^2(", c, r")\bigr)"]
