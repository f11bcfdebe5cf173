"""What the cells share: the activations, an affine map, a gate, the split of stacked gate blocks,
and the rounding every computed value goes through."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model import Array, DirectionParams, Gate, GateGrad, GateParams

# What each value a cell computes becomes before anything reads it: itself (``exact``), or its
# rounding to the printed decimals (hand arithmetic, lstm_latex/hand.py). A cell applies it to every
# quantity a derivation prints, so that with rounding each printed value follows from printed ones.
Rounding = Callable[[Array], Array]


def exact(value: Array) -> Array:
    """The value as float64 computed it: no rounding."""
    return value


def sigmoid(z: Array) -> Array:
    """The logistic function σ(z) = 1 / (1 + e^{-z}), written as (1 + tanh(z/2)) / 2: the same
    value, but it cannot overflow for a large negative z."""
    return (1.0 + np.tanh(0.5 * z)) * 0.5


def tanh(z: Array) -> Array:
    return np.tanh(z)


def relu(z: Array) -> Array:
    """ReLU(z) = max(0, z)."""
    return np.maximum(z, 0.0)


# The activations' derivatives, from the values the forward pass kept.


def sigmoid_derivative(gate: Gate) -> Array:
    """σ'(z) = σ(z) (1 − σ(z))."""
    return gate.activation * (1.0 - gate.activation)


def tanh_derivative(gate: Gate) -> Array:
    """tanh'(z) = 1 − tanh²(z)."""
    return 1.0 - gate.activation**2


def relu_derivative(gate: Gate) -> Array:
    """ReLU'(z) = 1 where z > 0, else 0 (torch's choice at z = 0)."""
    return (gate.preactivation > 0).astype(np.float64)


def affine(weight: Array, vector: Array, bias: Array | None) -> Array:
    """W v + b, or W v for a layer without biases (bias=False)."""
    product = weight @ vector
    return product if bias is None else product + bias


def gate(
    name: str,
    input_affine: Array,
    hidden_affine: Array,
    activation: Callable[[Array], Array],
    rounded: Rounding = exact,
) -> Gate:
    """k_t = activation(W_ik x_t + b_ik + W_hk h_{t-1} + b_hk), with each part kept."""
    preactivation = rounded(input_affine + hidden_affine)
    return Gate(name, input_affine, hidden_affine, preactivation, rounded(activation(preactivation)))


def gate_grad(
    gate: Gate, d_activation: Array, derivative: Callable[[Gate], Array], rounded: Rounding = exact
) -> GateGrad:
    """δ_k = ∂L/∂k_t ⊙ k's derivative: the gradient of the preactivation, and so of both its affine parts."""
    delta = rounded(d_activation * derivative(gate))
    return GateGrad(gate.name, d_activation, delta, delta, delta)


def split_params(params: DirectionParams, names: tuple[str, ...]) -> tuple[GateParams, ...]:
    """Cut torch's stacked (G·H, ·) weights into one block per gate, in torch's order."""

    count = len(names)
    biases_i = [None] * count if params.bias_ih is None else np.split(params.bias_ih, count)
    biases_h = [None] * count if params.bias_hh is None else np.split(params.bias_hh, count)
    return tuple(
        GateParams(*blocks)
        for blocks in zip(
            names, np.split(params.weight_ih, count), np.split(params.weight_hh, count), biases_i, biases_h, strict=True
        )
    )
