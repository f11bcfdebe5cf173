"""The GRU cell, as torch.nn.GRU computes it.

Notation (torch's): x_t input, h_{t-1} the previous hidden state, σ the logistic function,
⊙ the element-wise product; gates r (reset), z (update), n (new), stacked in that order in
weight_ih, weight_hh, bias_ih and bias_hh.

Equations:
    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Array, DirectionParams, Gate
from .common import affine, gate, sigmoid, tanh


@dataclass(frozen=True)
class GruStep:
    """Every intermediate of one GRU step."""

    t: int  # 1-based index of x_t
    x: Array  # x_t, (I,)
    h_prev: Array  # h_{t-1}, (H,)
    r: Gate
    z: Gate
    n: Gate  # its preactivation is W_in x_t + b_in + reset_hidden
    reset_hidden: Array  # r_t ⊙ (W_hn h_{t-1} + b_hn), (H,)
    one_minus_z: Array  # 1 − z_t, (H,)
    new_term: Array  # (1 − z_t) ⊙ n_t, (H,)
    keep_term: Array  # z_t ⊙ h_{t-1}, (H,)
    h: Array  # h_t, (H,)

    @property
    def gates(self) -> tuple[Gate, ...]:
        return (self.r, self.z, self.n)

    @property
    def c(self) -> None:
        """A GRU has no cell state."""
        return None


def step(p: DirectionParams, t: int, x: Array, x_affine: Array, h_prev: Array, c_prev: Array | None) -> GruStep:
    """One step. ``x_affine`` is W_ih x_t + b_ih for all three gates, (3H,): the network computes it
    for every step at once. ``c_prev`` is None: a GRU has no cell state."""
    h_affine = affine(p.weight_hh, h_prev, p.bias_hh)  # W_hh h_{t-1} + b_hh, (3H,)
    x_r, x_z, x_n = np.split(x_affine, 3)  # W_ik x_t + b_ik, (H,) each
    h_r, h_z, h_n = np.split(h_affine, 3)  # W_hk h_{t-1} + b_hk, (H,) each
    r = gate("r", x_r, h_r, sigmoid)
    z = gate("z", x_z, h_z, sigmoid)
    reset_hidden = r.activation * h_n  # r_t ⊙ (W_hn h_{t-1} + b_hn)
    n_preactivation = x_n + reset_hidden
    n = Gate("n", x_n, h_n, n_preactivation, tanh(n_preactivation))
    one_minus_z = 1.0 - z.activation
    new_term = one_minus_z * n.activation  # (1 − z_t) ⊙ n_t
    keep_term = z.activation * h_prev  # z_t ⊙ h_{t-1}
    h = new_term + keep_term  # h_t
    return GruStep(t, x, h_prev, r, z, n, reset_hidden, one_minus_z, new_term, keep_term, h)
