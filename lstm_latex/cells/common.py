"""What the cells share: the activations, an affine map, a gate, and the split of stacked gate blocks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model import Array, DirectionParams, Gate, GateParams


def sigmoid(z: Array) -> Array:
    """The logistic function σ(z) = 1 / (1 + e^{-z}), written as (1 + tanh(z/2)) / 2: the same
    value, but it cannot overflow for a large negative z."""
    return (1.0 + np.tanh(0.5 * z)) * 0.5


def tanh(z: Array) -> Array:
    return np.tanh(z)


def relu(z: Array) -> Array:
    """ReLU(z) = max(0, z)."""
    return np.maximum(z, 0.0)


def affine(weight: Array, vector: Array, bias: Array | None) -> Array:
    """W v + b, or W v for a layer without biases (bias=False)."""
    product = weight @ vector
    return product if bias is None else product + bias


def gate(name: str, input_affine: Array, hidden_affine: Array, activation: Callable[[Array], Array]) -> Gate:
    """k_t = activation(W_ik x_t + b_ik + W_hk h_{t-1} + b_hk), with each part kept."""
    preactivation = input_affine + hidden_affine
    return Gate(name, input_affine, hidden_affine, preactivation, activation(preactivation))


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
