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

from ..model import Array, DirectionParams, Gate
from .common import affine, gate, sigmoid, tanh


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


def step(p: DirectionParams, t: int, x: Array, x_affine: Array, h_prev: Array, c_prev: Array | None) -> LstmStep:
    """One step. ``x_affine`` is W_ih x_t + b_ih for all four gates, (4H,): the network computes it
    for every step at once."""
    assert c_prev is not None  # the network carries c_t for a cell with a cell state
    h_affine = affine(p.weight_hh, h_prev, p.bias_hh)  # W_hh h_{t-1} + b_hh, (4H,)
    x_i, x_f, x_g, x_o = np.split(x_affine, 4)  # W_ik x_t + b_ik, (H,) each
    h_i, h_f, h_g, h_o = np.split(h_affine, 4)  # W_hk h_{t-1} + b_hk, (H,) each
    i = gate("i", x_i, h_i, sigmoid)
    f = gate("f", x_f, h_f, sigmoid)
    g = gate("g", x_g, h_g, tanh)
    o = gate("o", x_o, h_o, sigmoid)
    forget_term = f.activation * c_prev  # f_t ⊙ c_{t-1}
    input_term = i.activation * g.activation  # i_t ⊙ g_t
    c = forget_term + input_term  # c_t
    tanh_c = np.tanh(c)
    h = o.activation * tanh_c  # h_t = o_t ⊙ tanh(c_t)
    h_unprojected = None
    if p.weight_hr is not None:
        h_unprojected, h = h, p.weight_hr @ h  # h_t = W_hr (o_t ⊙ tanh(c_t)), (H_out,)
    return LstmStep(t, x, h_prev, c_prev, i, f, g, o, forget_term, input_term, c, tanh_c, h_unprojected, h)
