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

from ..model import Array, DirectionParams, Gate, GateGrad
from .common import (
    Rounding,
    affine,
    exact,
    gate,
    gate_grad,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)


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


def step(
    p: DirectionParams,
    t: int,
    x: Array,
    x_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rounded: Rounding = exact,
) -> GruStep:
    """One step. ``x_affine`` is W_ih x_t + b_ih for all three gates, (3H,): the network computes it
    for every step at once. ``c_prev`` is None: a GRU has no cell state. ``rounded`` is applied to
    each value the step computes (see cells.common.Rounding)."""
    h_affine = rounded(affine(p.weight_hh, h_prev, p.bias_hh))  # W_hh h_{t-1} + b_hh, (3H,)
    x_r, x_z, x_n = np.split(x_affine, 3)  # W_ik x_t + b_ik, (H,) each
    h_r, h_z, h_n = np.split(h_affine, 3)  # W_hk h_{t-1} + b_hk, (H,) each
    r = gate("r", x_r, h_r, sigmoid, rounded)
    z = gate("z", x_z, h_z, sigmoid, rounded)
    reset_hidden = rounded(r.activation * h_n)  # r_t ⊙ (W_hn h_{t-1} + b_hn)
    n_preactivation = rounded(x_n + reset_hidden)
    n = Gate("n", x_n, h_n, n_preactivation, rounded(tanh(n_preactivation)))
    one_minus_z = rounded(1.0 - z.activation)
    new_term = rounded(one_minus_z * n.activation)  # (1 − z_t) ⊙ n_t
    keep_term = rounded(z.activation * h_prev)  # z_t ⊙ h_{t-1}
    h = rounded(new_term + keep_term)  # h_t
    return GruStep(t, x, h_prev, r, z, n, reset_hidden, one_minus_z, new_term, keep_term, h)


@dataclass(frozen=True)
class GruGrad:
    """Every gradient of one GRU step, ∂L/∂ of its intermediates. "Next" is the step that ran after
    this one: t + 1, or t − 1 in a reverse direction."""

    t: int  # 1-based index of x_t
    dh_output: Array  # ∂L/∂h_t through the output: the loss, or the layer above, (H,)
    dh_next: Array  # ∂L/∂h_t through the next step (zero for the last), (H,)
    dh: Array  # ∂L/∂h_t, their sum, (H,)
    r: GateGrad
    z: GateGrad
    n: GateGrad  # its hidden_affine gradient is r_t ⊙ δ_n: the reset gate scales W_hn h_{t-1} + b_hn
    dh_prev_kept: Array  # ∂L/∂h_{t-1} through z_t ⊙ h_{t-1}: ∂L/∂h_t ⊙ z_t, (H,)
    dh_prev_gates: Array  # ∂L/∂h_{t-1} through the gates: W_hhᵀ (δ_r, δ_z, r_t ⊙ δ_n), (H,)
    dh_prev: Array  # ∂L/∂h_{t-1} through this step, their sum, (H,)
    dx: Array  # ∂L/∂x_t: W_ihᵀ (δ_r, δ_z, δ_n), (I,)

    @property
    def gates(self) -> tuple[GateGrad, ...]:
        return (self.r, self.z, self.n)

    @property
    def dc_prev(self) -> None:
        """No cell state, no gradient of one."""
        return None


def backward(
    p: DirectionParams,
    s: GruStep,
    dh_output: Array,
    dh_next: Array,
    dc_next: Array | None,
    rounded: Rounding = exact,
) -> GruGrad:
    """The gradients of step ``s``, from those that reach h_t from the output and the next step.
    ``dc_next`` is None: a GRU has no cell state. ``rounded`` is applied to each gradient computed
    (see cells.common.Rounding).

    Equations (δ_k the gradient of gate k's preactivation):
        ∂L/∂h_t = ∂L/∂h_t (output) + ∂L/∂h_t (next)
        ∂L/∂n_t = ∂L/∂h_t ⊙ (1 − z_t),        δ_n = ∂L/∂n_t ⊙ (1 − n_t²)
        ∂L/∂z_t = ∂L/∂h_t ⊙ (h_{t-1} − n_t),  δ_z = ∂L/∂z_t ⊙ z_t (1 − z_t)
        ∂L/∂r_t = δ_n ⊙ (W_hn h_{t-1} + b_hn), δ_r = ∂L/∂r_t ⊙ r_t (1 − r_t)
        ∂L/∂h_{t-1} = ∂L/∂h_t ⊙ z_t + W_hhᵀ (δ_r, δ_z, r_t ⊙ δ_n),   ∂L/∂x_t = W_ihᵀ (δ_r, δ_z, δ_n)
    """
    dh = rounded(dh_output + dh_next)
    dn = rounded(dh * s.one_minus_z)
    delta_n = rounded(dn * tanh_derivative(s.n))
    n = GateGrad("n", dn, delta_n, delta_n, rounded(s.r.activation * delta_n))
    z = gate_grad(s.z, rounded(dh * (s.h_prev - s.n.activation)), sigmoid_derivative, rounded)
    r = gate_grad(s.r, rounded(delta_n * s.n.hidden_affine), sigmoid_derivative, rounded)
    dh_prev_kept = rounded(dh * s.z.activation)
    dh_prev_gates = rounded(p.weight_hh.T @ np.concatenate([r.hidden_affine, z.hidden_affine, n.hidden_affine]))
    dh_prev = rounded(dh_prev_kept + dh_prev_gates)
    dx = rounded(p.weight_ih.T @ np.concatenate([r.input_affine, z.input_affine, n.input_affine]))
    return GruGrad(s.t, dh_output, dh_next, dh, r, z, n, dh_prev_kept, dh_prev_gates, dh_prev, dx)
