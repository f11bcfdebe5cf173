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

from ..model import Array, DirectionParams, Gate, GateStack, StackedGates
from .common import hidden_affine, sigmoid

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

    @property
    def r(self) -> Gate:
        return self.gate_stack.gate("r")

    @property
    def z(self) -> Gate:
        return self.gate_stack.gate("z")

    @property
    def n(self) -> Gate:
        return self.gate_stack.gate("n")

    @property
    def c(self) -> None:
        return None


def step(
    params: DirectionParams,
    t: int,
    x: Array,
    input_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rows: Array,
) -> GruStep:
    """One GRU step; ``input_affine`` is W_ih x_t + b_ih for all gates, (3H,)."""
    hidden = hidden_affine(params, h_prev, out=rows[0])  # (3H,)
    size = hidden.shape[0] // 3
    preactivation = np.add(input_affine, hidden, out=rows[1])  # (3H,); n's block is replaced below
    activation = sigmoid(preactivation, out=rows[2])
    reset_hidden = activation[:size] * hidden[2 * size :]  # r_t ⊙ (W_hn h_{t-1} + b_hn)
    preactivation[2 * size :] = input_affine[2 * size :] + reset_hidden
    activation[2 * size :] = np.tanh(preactivation[2 * size :])
    z, n = activation[size : 2 * size], activation[2 * size :]
    one_minus_z = 1.0 - z
    new_term = one_minus_z * n
    keep_term = z * h_prev
    return GruStep(
        t=t,
        x=x,
        h_prev=h_prev,
        gate_stack=GateStack(GATES, input_affine, hidden, preactivation, activation),
        reset_hidden=reset_hidden,
        one_minus_z=one_minus_z,
        new_term=new_term,
        keep_term=keep_term,
        h=new_term + keep_term,
    )
