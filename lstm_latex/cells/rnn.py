"""The Elman RNN cell, as torch.nn.RNN computes it with nonlinearity "tanh" or "relu".

Notation (torch's): x_t input, h_{t-1} the previous hidden state; one block of weights, which
torch names weight_ih, weight_hh, bias_ih, bias_hh: W_ih, W_hh, b_ih, b_hh. The record of that
block is a gate named "h", so that the gate's names W_{ik}, W_{hk} read as torch's.

Equations:
    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (rnn_tanh)
    h_t = ReLU(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (rnn_relu), ReLU(z) = max(0, z)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model import Array, DirectionParams, GateStack, GateView, StackedGates
from .common import StepArrays

GATES = ("h",)
GATE_TITLES = ("hidden state",)
STATE_ROWS = 0


@dataclass(frozen=True, slots=True)
class RnnStep(StackedGates):
    t: int
    x: Array  # (I,)
    h_prev: Array  # (H,)
    gate_stack: GateStack  # W_ih x_t + b_ih, W_hh h_{t-1} + b_hh, their sum, and the activation h_t
    h: Array  # (H,)

    affine = GateView("h")

    @property
    def c(self) -> None:
        return None


def tanh(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def relu(z: Array, out: Array) -> Array:
    return np.maximum(z, 0.0, out=out)


def _stepper(activation: Callable[[Array, Array], Array]) -> Callable[..., tuple[Array, None]]:
    def step(
        params: DirectionParams, input_affine: Array, h_prev: Array, c_prev: Array | None, rows: Array, states: Array
    ) -> tuple[Array, None]:
        """One RNN step: h_t. ``input_affine`` is W_ih x_t + b_ih, (H,); ``rows`` (3, H) holds
        W_hh h_{t-1} + b_hh and receives the preactivation and h_t. No ``states``: STATE_ROWS is 0."""
        hidden, preactivation, h = rows
        np.add(input_affine, hidden, out=preactivation)
        return activation(preactivation, h), None

    return step


step_tanh = _stepper(tanh)
step_relu = _stepper(relu)


def record(params: DirectionParams, step: StepArrays) -> RnnStep:
    """The record of a step that ``step`` computed, made of views of its arrays."""
    return RnnStep(t=step.t, x=step.x, h_prev=step.h_prev, gate_stack=step.gate_stack(GATES), h=step.h)
