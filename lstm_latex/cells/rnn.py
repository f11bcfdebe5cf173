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

from ..model import Array, DirectionParams, Gate, GateGrad
from .common import Rounding, affine, exact, gate, gate_grad, relu, relu_derivative, tanh, tanh_derivative


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
    rounded: Rounding,
) -> RnnStep:
    h_affine = rounded(affine(p.weight_hh, h_prev, p.bias_hh))  # W_hh h_{t-1} + b_hh, (H,)
    h = gate("h", x_affine, h_affine, activation, rounded)  # h_t = activation(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    return RnnStep(t, x, h_prev, h, h.activation)


def step_tanh(
    p: DirectionParams,
    t: int,
    x: Array,
    x_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rounded: Rounding = exact,
) -> RnnStep:
    """One step of rnn_tanh. ``x_affine`` is W_ih x_t + b_ih, (H,); ``c_prev`` is None."""
    return _step(tanh, p, t, x, x_affine, h_prev, rounded)


def step_relu(
    p: DirectionParams,
    t: int,
    x: Array,
    x_affine: Array,
    h_prev: Array,
    c_prev: Array | None,
    rounded: Rounding = exact,
) -> RnnStep:
    """One step of rnn_relu. ``x_affine`` is W_ih x_t + b_ih, (H,); ``c_prev`` is None."""
    return _step(relu, p, t, x, x_affine, h_prev, rounded)


@dataclass(frozen=True)
class RnnGrad:
    """Every gradient of one RNN step. "Next" is the step that ran after this one: t + 1, or t − 1
    in a reverse direction."""

    t: int  # 1-based index of x_t
    dh_output: Array  # ∂L/∂h_t through the output: the loss, or the layer above, (H,)
    dh_next: Array  # ∂L/∂h_t through the next step (zero for the last), (H,)
    dh: Array  # ∂L/∂h_t, their sum, (H,)
    affine: GateGrad  # δ_t = ∂L/∂h_t ⊙ the activation's derivative
    dh_prev: Array  # ∂L/∂h_{t-1} through this step: W_hhᵀ δ_t, (H,)
    dx: Array  # ∂L/∂x_t: W_ihᵀ δ_t, (I,)

    @property
    def gates(self) -> tuple[GateGrad, ...]:
        return (self.affine,)

    @property
    def dc_prev(self) -> None:
        """No cell state, no gradient of one."""
        return None


def _backward(
    derivative: Callable[[Gate], Array],
    p: DirectionParams,
    s: RnnStep,
    dh_output: Array,
    dh_next: Array,
    rounded: Rounding,
) -> RnnGrad:
    dh = rounded(dh_output + dh_next)
    delta = gate_grad(s.affine, dh, derivative, rounded)  # δ_t = ∂L/∂h_t ⊙ tanh'(·) or ReLU'(·)
    dh_prev = rounded(p.weight_hh.T @ delta.preactivation)  # W_hhᵀ δ_t
    dx = rounded(p.weight_ih.T @ delta.preactivation)  # W_ihᵀ δ_t
    return RnnGrad(s.t, dh_output, dh_next, dh, delta, dh_prev, dx)


def backward_tanh(
    p: DirectionParams,
    s: RnnStep,
    dh_output: Array,
    dh_next: Array,
    dc_next: Array | None,
    rounded: Rounding = exact,
) -> RnnGrad:
    """The gradients of a step of rnn_tanh: δ_t = ∂L/∂h_t ⊙ (1 − h_t²); ``dc_next`` is None."""
    return _backward(tanh_derivative, p, s, dh_output, dh_next, rounded)


def backward_relu(
    p: DirectionParams,
    s: RnnStep,
    dh_output: Array,
    dh_next: Array,
    dc_next: Array | None,
    rounded: Rounding = exact,
) -> RnnGrad:
    """The gradients of a step of rnn_relu: δ_t = ∂L/∂h_t where the preactivation is > 0, else 0;
    ``dc_next`` is None."""
    return _backward(relu_derivative, p, s, dh_output, dh_next, rounded)
