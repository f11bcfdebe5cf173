"""The GRU's own parts of a derivation, in symbols and with the numbers in: 1 − z_t and h_t, and the
backward pass through them, the reset gate scaling W_hn h_{t-1} + b_hn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cells import GruGrad, GruStep
from .directions import LabelledDirection
from .records import (
    Display,
    Equation,
    Glued,
    Line,
    Numbers,
    Part,
    Term,
    delta,
    gradient,
    spaced_sigmoid,
    spaced_tanh,
    symbol,
    transposed,
    weight,
)
from .step import StepView

if TYPE_CHECKING:
    from ..layout import Item


class GruView(StepView):
    """A GRU's derivation as records."""

    def equations(self, d: LabelledDirection) -> Display:
        """The GRU's equations in symbols: its gates' (n's hidden part scaled by r_t), then h_t."""
        return self._equations(d, [self.hidden_state(d, "t", d.prev_symbol)])

    @staticmethod
    def hidden_state(d: LabelledDirection, t: int | str, prev: int | str) -> Equation:
        """h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1} in symbols, at step t reading the state of step prev."""
        z, n, h_prev = symbol("z", t, d, "z"), symbol("n", t, d, "n"), symbol("h", prev, d)
        return Equation((symbol("h", t, d),), ("(1 -", Glued(z, ")"), r"\odot", n, "+", z, r"\odot", h_prev))

    def states(self, d: LabelledDirection, s: GruStep) -> list[Part]:
        """1 − z_t, then the hidden state, worked out."""
        z, n = (s.z.activation, "z"), (s.n.activation, "n")
        one_minus_z = Equation(("1 -", symbol("z", s.t, d, "z")), ("1 -", Numbers(*z), "=", Numbers(s.one_minus_z)))
        lines = [
            self.aligned(one_minus_z, "gap"),
            self.aligned(self.hidden_state(d, s.t, d.prev(s.t)), "reveal"),
            *self._chain(("=",), self.layout.chain([s.one_minus_z, r"\odot", n, "+", z, r"\odot", s.h_prev])),
            *self._chain(("=",), self.layout.chain([s.new_term, "+", s.keep_term, "=", s.h]), ""),
        ]
        return [Part("Hidden state", (Display(tuple(lines)),))]

    def backward_equations(self, d: LabelledDirection) -> Display:
        """The GRU's backward equations: the reset gate scales W_hn h_{t-1} + b_hn, so the gradient
        n sends back through W_hn is r_t ⊙ δ_n."""
        t, prev = "t", d.prev_symbol
        r, z, n = (symbol(k, t, d, k) for k in "rzn")
        lines = self.equation_lines(
            Equation((gradient("n", t, d),), (gradient("h", t, d), r"\odot", "(1 -", z, ")")),
            Equation((delta("n", t, d, self.cell),), (gradient("n", t, d), r"\odot", *spaced_tanh(n))),
            Equation((gradient("z", t, d),), (gradient("h", t, d), r"\odot", "(", symbol("h", prev, d), "-", n, ")")),
            Equation((delta("z", t, d, self.cell),), (gradient("z", t, d), r"\odot", *spaced_sigmoid(z))),
            Equation((gradient("r", t, d),), (delta("n", t, d, self.cell), r"\odot", *self._reset_part(d, prev))),
            Equation((delta("r", t, d, self.cell),), (gradient("r", t, d), r"\odot", *spaced_sigmoid(r))),
            self._input_sum(d),
        )
        back = [
            self.aligned(Equation((gradient("h", prev, d),), (gradient("h", t, d), r"\odot", z, "+", "{}")), "break"),
            Line((), (r"\quad", *self._sent_back_symbols(d, t)), "break", indented=True),
        ]
        return self._backward_equations(d, [*lines[:-1], *back, lines[-1]])

    def backward(self, d: LabelledDirection, s: GruStep, g: GruGrad) -> list[Part]:
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
            Line((), (r"\quad", *self._sent_back_symbols(d, t)), "reveal", indented=True),
            Line((), ("=", Numbers(g.dh), r"\odot", Numbers(s.z.activation, "z"), "+", "{}"), "reveal", indented=True),
            *self._chain((r"\quad",), self._transposed_products(d, g, "h", g.dh_prev_gates)),
            *self._chain(
                ("=",), self.layout.gradient_chain([g.dh_prev_kept, "+", g.dh_prev_gates, "=", g.dh_prev]), ""
            ),
        ]
        return [*parts, Part(f"Back to step {p}", (Display(tuple(lines)), self._input_gradient(d, s, g)))]

    def _sent_back_symbols(self, d: LabelledDirection, t: int | str) -> list[Term]:
        """W_hrᵀ δ_r + W_hzᵀ δ_z + W_hnᵀ (r_t ⊙ δ_n) in symbols: what the GRU's gates send back."""
        scaled: list[Term] = ["(", symbol("r", t, d, "r"), r"\odot", delta("n", t, d, self.cell), ")"]
        return [
            transposed(weight("W", "h", "r", d)), delta("r", t, d, self.cell), "+",
            transposed(weight("W", "h", "z", d)), delta("z", t, d, self.cell), "+",
            transposed(weight("W", "h", "n", d)), *scaled,
        ]  # fmt: skip

    @staticmethod
    def _reset_part(d: LabelledDirection, prev: int | str) -> list[Term]:
        """( W_hn h_prev + b_hn): what the GRU's reset gate scales, in symbols."""
        terms: list[Term] = ["(", weight("W", "h", "n", d), symbol("h", prev, d)]
        if d.trace.params.bias_ih is not None:
            terms += ["+", weight("b", "h", "n", d)]
        return [*terms[:-1], Glued(terms[-1], ")")]
