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

from ..model import Array, DirectionParams, GateStack, GateView, StackedGates
from .common import StepArrays, sigmoid

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

    i = GateView("i")
    f = GateView("f")
    g = GateView("g")
    o = GateView("o")


STATE_ROWS = 5  # a step's ``states``: forget_term, input_term, c, tanh_c, o_t ⊙ tanh(c_t)
C_ROW = 2  # c_t's row of them


def step(
    params: DirectionParams, input_affine: Array, h_prev: Array, c_prev: Array | None, rows: Array, states: Array
) -> tuple[Array, Array]:
    """One LSTM step: h_t and c_t. ``input_affine`` is W_ih x_t + b_ih for all gates, (4H,);
    ``rows`` (3, 4H) holds W_hh h_{t-1} + b_hh and receives the preactivation and the activation;
    ``states`` (STATE_ROWS, H) receives the rest."""
    assert c_prev is not None  # the network always carries c for an LSTM
    hidden, preactivation, activation = rows  # (4H,) each
    np.add(input_affine, hidden, out=preactivation)
    size = preactivation.shape[0] // 4
    sigmoid(preactivation, out=activation)
    i, f = activation[:size], activation[size : 2 * size]  # views, in torch's row order
    g, o = activation[2 * size : 3 * size], activation[3 * size :]
    np.tanh(preactivation[2 * size : 3 * size], out=g)  # the cell candidate uses tanh
    forget_term, input_term, c, tanh_c, gated = states
    np.multiply(f, c_prev, out=forget_term)
    np.multiply(i, g, out=input_term)
    np.add(forget_term, input_term, out=c)
    np.tanh(c, out=tanh_c)
    np.multiply(o, tanh_c, out=gated)
    return (gated if params.weight_hr is None else params.weight_hr @ gated), c


def record(params: DirectionParams, step: StepArrays) -> LstmStep:
    """The record of a step that ``step`` computed, made of views of its arrays."""
    assert step.c_prev is not None
    forget_term, input_term, c, tanh_c, gated = step.states
    return LstmStep(
        t=step.t,
        x=step.x,
        h_prev=step.h_prev,
        c_prev=step.c_prev,
        gate_stack=step.gate_stack(GATES),
        forget_term=forget_term,
        input_term=input_term,
        c=c,
        tanh_c=tanh_c,
        h_unprojected=None if params.weight_hr is None else gated,
        h=step.h,
    )
