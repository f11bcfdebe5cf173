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

from ..model import Array, DirectionParams, Gate
from .common import affine, gate, relu, tanh


@dataclass(frozen=True)
class RnnStep:
    """Every intermediate of one RNN step."""

    t: int  # 1-based index of x_t
    x: Array  # x_t, (I,)
    h_prev: Array  # h_{t-1}, (H,)
    affine: Gate  # W_ih x_t + b_ih, W_hh h_{t-1} + b_hh, their sum, and its activation h_t
    h: Array  # h_t, (H,)

    @property
    def gates(self) -> tuple[Gate, ...]:
        return (self.affine,)

    @property
    def c(self) -> None:
        """An RNN has no cell state."""
        return None


def _step(
    activation: Callable[[Array], Array],
    p: DirectionParams,
    t: int,
    x: Array,
    x_affine: Array,
    h_prev: Array,
) -> RnnStep:
    h_affine = affine(p.weight_hh, h_prev, p.bias_hh)  # W_hh h_{t-1} + b_hh, (H,)
    h = gate("h", x_affine, h_affine, activation)  # h_t = activation(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    return RnnStep(t, x, h_prev, h, h.activation)


def step_tanh(p: DirectionParams, t: int, x: Array, x_affine: Array, h_prev: Array, c_prev: Array | None) -> RnnStep:
    """One step of rnn_tanh. ``x_affine`` is W_ih x_t + b_ih, (H,); ``c_prev`` is None."""
    return _step(tanh, p, t, x, x_affine, h_prev)


def step_relu(p: DirectionParams, t: int, x: Array, x_affine: Array, h_prev: Array, c_prev: Array | None) -> RnnStep:
    """One step of rnn_relu. ``x_affine`` is W_ih x_t + b_ih, (H,); ``c_prev`` is None."""
    return _step(relu, p, t, x, x_affine, h_prev)
