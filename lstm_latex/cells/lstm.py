"""The LSTM cell, as torch.nn.LSTM computes it.

Notation (torch's): x_t input, h_{t-1} and c_{t-1} the previous states, σ the logistic
function, ⊙ the element-wise product; gates i (input), f (forget), g (cell candidate),
o (output), stacked in that order in weight_ih, weight_hh, bias_ih and bias_hh.

Equations:
    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)               (with proj_size: h_t = W_hr (o_t ⊙ tanh(c_t)))
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
class LstmStep:
    """Every intermediate of one LSTM step."""

    t: int  # 1-based index of x_t
    x: Array  # x_t, (I,)
    h_prev: Array  # h_{t-1}, (H_out,)
    c_prev: Array  # c_{t-1}, (H,)
    i: Gate
    f: Gate
    g: Gate
    o: Gate
    forget_term: Array  # f_t ⊙ c_{t-1}, (H,)
    input_term: Array  # i_t ⊙ g_t, (H,)
    c: Array  # c_t, (H,)
    tanh_c: Array  # tanh(c_t), (H,)
    h_unprojected: Array | None  # o_t ⊙ tanh(c_t) before W_hr, (H,); None without a projection
    h: Array  # h_t, (H_out,)

    @property
    def gates(self) -> tuple[Gate, ...]:
        return (self.i, self.f, self.g, self.o)


def step(
    p: DirectionParams,
    t: int,
    x: Array,
    x_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rounded: Rounding = exact,
) -> LstmStep:
    """One step. ``x_affine`` is W_ih x_t + b_ih for all four gates, (4H,): the network computes it
    for every step at once. ``rounded`` is applied to each value the step computes (see
    cells.common.Rounding)."""
    assert c_prev is not None  # the network carries c_t for a cell with a cell state
    h_affine = rounded(affine(p.weight_hh, h_prev, p.bias_hh))  # W_hh h_{t-1} + b_hh, (4H,)
    x_i, x_f, x_g, x_o = np.split(x_affine, 4)  # W_ik x_t + b_ik, (H,) each
    h_i, h_f, h_g, h_o = np.split(h_affine, 4)  # W_hk h_{t-1} + b_hk, (H,) each
    i = gate("i", x_i, h_i, sigmoid, rounded)
    f = gate("f", x_f, h_f, sigmoid, rounded)
    g = gate("g", x_g, h_g, tanh, rounded)
    o = gate("o", x_o, h_o, sigmoid, rounded)
    forget_term = rounded(f.activation * c_prev)  # f_t ⊙ c_{t-1}
    input_term = rounded(i.activation * g.activation)  # i_t ⊙ g_t
    c = rounded(forget_term + input_term)  # c_t
    tanh_c = rounded(np.tanh(c))
    h = rounded(o.activation * tanh_c)  # h_t = o_t ⊙ tanh(c_t)
    h_unprojected = None
    if p.weight_hr is not None:
        h_unprojected, h = h, rounded(p.weight_hr @ h)  # h_t = W_hr (o_t ⊙ tanh(c_t)), (H_out,)
    return LstmStep(t, x, h_prev, c_prev, i, f, g, o, forget_term, input_term, c, tanh_c, h_unprojected, h)


@dataclass(frozen=True)
class LstmGrad:
    """Every gradient of one LSTM step, ∂L/∂ of its intermediates. "Next" is the step that ran after
    this one: t + 1, or t − 1 in a reverse direction."""

    t: int  # 1-based index of x_t
    dh_output: Array  # ∂L/∂h_t through the output: the loss, or the layer above, (H_out,)
    dh_next: Array  # ∂L/∂h_t through the next step (zero for the last), (H_out,)
    dh: Array  # ∂L/∂h_t, their sum, (H_out,)
    dh_unprojected: Array | None  # W_hrᵀ ∂L/∂h_t = ∂L/∂(o_t ⊙ tanh(c_t)) with a projection, (H,)
    dc_next: Array  # ∂L/∂c_t through the next step: f ⊙ ∂L/∂c of that step (zero for the last), (H,)
    dc: Array  # ∂L/∂c_t, (H,)
    i: GateGrad
    f: GateGrad
    g: GateGrad
    o: GateGrad
    dh_prev: Array  # ∂L/∂h_{t-1} through this step: W_hhᵀ δ_t, (H_out,)
    dc_prev: Array  # ∂L/∂c_{t-1} through this step: f_t ⊙ ∂L/∂c_t, (H,)
    dx: Array  # ∂L/∂x_t: W_ihᵀ δ_t, (I,)

    @property
    def gates(self) -> tuple[GateGrad, ...]:
        return (self.i, self.f, self.g, self.o)


def backward(
    p: DirectionParams,
    s: LstmStep,
    dh_output: Array,
    dh_next: Array,
    dc_next: Array | None,
    rounded: Rounding = exact,
) -> LstmGrad:
    """The gradients of step ``s``, from those that reach h_t and c_t from the output and the next step;
    ``rounded`` is applied to each gradient computed (see cells.common.Rounding).

    Equations (δ_k the gradient of gate k's preactivation):
        ∂L/∂h_t = ∂L/∂h_t (output) + ∂L/∂h_t (next)
        ∂L/∂o_t = ∂L/∂h_t ⊙ tanh(c_t)                      (with W_hr: W_hrᵀ ∂L/∂h_t in place of ∂L/∂h_t)
        ∂L/∂c_t = ∂L/∂c_t (next) + ∂L/∂h_t ⊙ o_t ⊙ (1 − tanh²(c_t))
        ∂L/∂f_t = ∂L/∂c_t ⊙ c_{t-1},   ∂L/∂i_t = ∂L/∂c_t ⊙ g_t,   ∂L/∂g_t = ∂L/∂c_t ⊙ i_t
        δ_k = ∂L/∂k_t ⊙ σ'(·) = ∂L/∂k_t ⊙ k_t (1 − k_t) for i, f, o;   δ_g = ∂L/∂g_t ⊙ (1 − g_t²)
        ∂L/∂h_{t-1} = W_hhᵀ δ_t,   ∂L/∂c_{t-1} = f_t ⊙ ∂L/∂c_t,   ∂L/∂x_t = W_ihᵀ δ_t
    """
    assert dc_next is not None  # the network carries ∂L/∂c_t for a cell with a cell state
    dh = rounded(dh_output + dh_next)
    dh_unprojected = None if p.weight_hr is None else rounded(p.weight_hr.T @ dh)  # ∂L/∂(o_t ⊙ tanh(c_t)), (H,)
    d_gated = dh if dh_unprojected is None else dh_unprojected
    do = rounded(d_gated * s.tanh_c)
    dc = rounded(dc_next + d_gated * s.o.activation * (1.0 - s.tanh_c**2))
    i = gate_grad(s.i, rounded(dc * s.g.activation), sigmoid_derivative, rounded)
    f = gate_grad(s.f, rounded(dc * s.c_prev), sigmoid_derivative, rounded)
    g = gate_grad(s.g, rounded(dc * s.i.activation), tanh_derivative, rounded)
    o = gate_grad(s.o, do, sigmoid_derivative, rounded)
    delta = np.concatenate([i.preactivation, f.preactivation, g.preactivation, o.preactivation])  # δ_t, (4H,)
    dh_prev = rounded(p.weight_hh.T @ delta)
    dc_prev = rounded(s.f.activation * dc)
    dx = rounded(p.weight_ih.T @ delta)
    return LstmGrad(s.t, dh_output, dh_next, dh, dh_unprojected, dc_next, dc, i, f, g, o, dh_prev, dc_prev, dx)
