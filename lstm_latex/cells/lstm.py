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

from ..model import Array, DirectionParams, Gate, GateStack, StackedGates
from .common import hidden_affine, sigmoid

GATES = ("i", "f", "g", "o")
GATE_TITLES = ("input gate", "forget gate", "cell candidate", "output gate")


@dataclass(frozen=True, slots=True)
class LstmStep(StackedGates):
    t: int
    x: Array  # (I,)
    h_prev: Array  # (H_out,)
    c_prev: Array  # (H,)
    gate_stack: GateStack  # i, f, g, o
    forget_term: Array  # f_t ⊙ c_{t-1}, (H,)
    input_term: Array  # i_t ⊙ g_t, (H,)
    c: Array  # (H,)
    tanh_c: Array  # (H,)
    h_unprojected: Array | None  # o_t ⊙ tanh(c_t) before W_hr, (H,); None without projection
    h: Array  # (H_out,)

    @property
    def i(self) -> Gate:
        return self.gate_stack.gate("i")

    @property
    def f(self) -> Gate:
        return self.gate_stack.gate("f")

    @property
    def g(self) -> Gate:
        return self.gate_stack.gate("g")

    @property
    def o(self) -> Gate:
        return self.gate_stack.gate("o")


def step(
    params: DirectionParams,
    t: int,
    x: Array,
    input_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rows: Array,
) -> LstmStep:
    """One LSTM step; ``input_affine`` is W_ih x_t + b_ih for all gates, (4H,); ``rows`` (3, 4H)
    receives the hidden affine part, the preactivation and the activation."""
    assert c_prev is not None  # the network always carries c for an LSTM
    hidden = hidden_affine(params, h_prev, out=rows[0])  # (4H,)
    preactivation = np.add(input_affine, hidden, out=rows[1])  # (4H,)
    size = preactivation.shape[0] // 4
    activation = sigmoid(preactivation, out=rows[2])
    i, f = activation[:size], activation[size : 2 * size]  # views, in torch's row order
    g, o = activation[2 * size : 3 * size], activation[3 * size :]
    np.tanh(preactivation[2 * size : 3 * size], out=g)  # the cell candidate uses tanh
    forget_term = f * c_prev
    input_term = i * g
    c = forget_term + input_term
    tanh_c = np.tanh(c)
    gated = o * tanh_c
    h = gated if params.weight_hr is None else params.weight_hr @ gated
    return LstmStep(
        t=t,
        x=x,
        h_prev=h_prev,
        c_prev=c_prev,
        gate_stack=GateStack(GATES, input_affine, hidden, preactivation, activation),
        forget_term=forget_term,
        input_term=input_term,
        c=c,
        tanh_c=tanh_c,
        h_unprojected=None if params.weight_hr is None else gated,
        h=h,
    )
