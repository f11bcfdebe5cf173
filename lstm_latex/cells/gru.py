"""The GRU cell, as torch.nn.GRU computes it.

Notation (torch's): x_t input, h_{t-1} the previous hidden state, σ the logistic function,
⊙ the element-wise product; gates r (reset), z (update), n (new), stacked in that order in
weight_ih, weight_hh, bias_ih and bias_hh.

Equations:
    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

The reset gate scales W_hn h_{t-1} + b_hn, bias included: torch's order, not the original paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Array, DirectionParams, GateStack, GateView, StackedGates
from .common import StepArrays, sigmoid

GATES = ("r", "z", "n")
GATE_TITLES = ("reset gate", "update gate", "new gate")


@dataclass(frozen=True, slots=True)
class GruStep(StackedGates):
    t: int
    x: Array  # (I,)
    h_prev: Array  # (H,)
    gate_stack: GateStack  # r, z, n; n's preactivation is input_affine + reset_hidden, not + hidden_affine
    reset_hidden: Array  # r_t ⊙ (W_hn h_{t-1} + b_hn), (H,)
    one_minus_z: Array  # 1 − z_t, (H,)
    new_term: Array  # (1 − z_t) ⊙ n_t, (H,)
    keep_term: Array  # z_t ⊙ h_{t-1}, (H,)
    h: Array  # (H,)

    r = GateView("r")
    z = GateView("z")
    n = GateView("n")

    @property
    def c(self) -> None:
        return None


STATE_ROWS = 5  # a step's ``states``: reset_hidden, one_minus_z, new_term, keep_term, h


def step(
    params: DirectionParams, input_affine: Array, h_prev: Array, c_prev: Array | None, rows: Array, states: Array
) -> tuple[Array, None]:
    """One GRU step: h_t. ``input_affine`` is W_ih x_t + b_ih for all gates, (3H,); ``rows``
    (3, 3H) holds W_hh h_{t-1} + b_hh and receives the preactivation and the activation;
    ``states`` (STATE_ROWS, H) receives the rest."""
    hidden, preactivation, activation = rows  # (3H,) each
    size = hidden.shape[0] // 3
    np.add(input_affine, hidden, out=preactivation)  # n's block is replaced below
    sigmoid(preactivation, out=activation)
    reset_hidden, one_minus_z, new_term, keep_term, h = states
    np.multiply(activation[:size], hidden[2 * size :], out=reset_hidden)  # r_t ⊙ (W_hn h_{t-1} + b_hn)
    np.add(input_affine[2 * size :], reset_hidden, out=preactivation[2 * size :])
    np.tanh(preactivation[2 * size :], out=activation[2 * size :])
    z, n = activation[size : 2 * size], activation[2 * size :]
    np.subtract(1.0, z, out=one_minus_z)
    np.multiply(one_minus_z, n, out=new_term)
    np.multiply(z, h_prev, out=keep_term)
    np.add(new_term, keep_term, out=h)
    return h, None


def record(params: DirectionParams, step: StepArrays) -> GruStep:
    """The record of a step that ``step`` computed, made of views of its arrays."""
    reset_hidden, one_minus_z, new_term, keep_term, _ = step.states
    return GruStep(
        t=step.t,
        x=step.x,
        h_prev=step.h_prev,
        gate_stack=step.gate_stack(GATES),
        reset_hidden=reset_hidden,
        one_minus_z=one_minus_z,
        new_term=new_term,
        keep_term=keep_term,
        h=step.h,
    )
