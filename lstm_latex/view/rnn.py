"""The Elman RNN's own parts of a derivation: its one block of weights is its state, h_t, so its
equation and its backward pass are all it has of its own."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..cells import RnnGrad, RnnStep
from .directions import LabelledDirection
from .records import (
    Display,
    Equation,
    Part,
    delta,
    gradient,
    transposed,
    weight,
)
from .step import StepView

if TYPE_CHECKING:
    pass


class RnnView(StepView):
    """An RNN's derivation as records."""

    def equations(self, d: LabelledDirection) -> Display:
        """The RNN's equation in symbols: h_t, its one gate."""
        return self._equations(d, [])

    def states(self, d: LabelledDirection, s: RnnStep) -> list[Part]:
        """Nothing beyond its gate's chain: h_t is its activation."""
        return []

    def backward_equations(self, d: LabelledDirection) -> Display:
        """The RNN's backward equations: δ_t from ∂L/∂h_t and the activation's derivative."""
        t = "t"
        lines = self.equation_lines(
            Equation((delta("h", t, d, self.cell),), (gradient("h", t, d), r"\odot", *self.derivative(d, "h", t))),
            Equation(
                (gradient("h", d.prev_symbol, d),), (transposed(weight("W", "h", "h", d)), delta("h", t, d, self.cell))
            ),
            Equation((gradient("x", t, d),), (transposed(weight("W", "i", "h", d)), delta("h", t, d, self.cell))),
        )
        equations = self._backward_equations(d, lines)
        if self.cell.gate("h").function != "relu":
            return equations
        relu = (
            r"Here $z_t$ is the preactivation, $W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$, and $[z_t > 0]$ is 1"
            " where it is positive, else 0."
        )
        return dataclasses.replace(equations, after=relu)

    def backward(self, d: LabelledDirection, s: RnnStep, g: RnnGrad) -> list[Part]:
        """An RNN step's backward pass after ∂L/∂h_t (hidden_gradient): δ_t through the activation,
        and what the step sends back."""
        return [
            Part("Preactivation", (Display(tuple(self._delta(d, s, "h", s.affine, g.affine))),)),
            Part(
                f"Back to step {d.prev(s.t)}",
                (self._hidden_sent_back(d, s, g, g.dh_prev), self._input_gradient(d, s, g)),
            ),
        ]
