"""What the cells share: activations and the split of stacked gate blocks."""

from __future__ import annotations

import numpy as np

from ..model import Array, DirectionParams, Gate, GateParams


def sigmoid(z: Array) -> Array:
    """The logistic function, in a form that cannot overflow: σ(z) = (1 + tanh(z/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def hidden_affine(params: DirectionParams, h_prev: Array) -> Array:
    """W_hh h_{t-1} + b_hh for all gates at once, (G·H,)."""
    product = params.weight_hh @ h_prev
    return product if params.bias_hh is None else product + params.bias_hh


def split_params(params: DirectionParams, names: tuple[str, ...]) -> tuple[GateParams, ...]:
    """Cut torch's stacked (G·H, ·) weights into one block per gate, in torch's order."""
    size = params.weight_ih.shape[0] // len(names)

    def block(a: Array | None, k: int) -> Array | None:
        return None if a is None else a[k * size : (k + 1) * size]

    return tuple(
        GateParams(
            name=name,
            weight_i=params.weight_ih[k * size : (k + 1) * size],
            weight_h=params.weight_hh[k * size : (k + 1) * size],
            bias_i=block(params.bias_ih, k),
            bias_h=block(params.bias_hh, k),
        )
        for k, name in enumerate(names)
    )


def gates(
    names: tuple[str, ...], input_affine: Array, hidden_affine: Array, preactivation: Array, activation: Array
) -> tuple[Gate, ...]:
    """One Gate record per name, each a view of its rows of the stacked (G·H,) vectors."""
    size = input_affine.shape[0] // len(names)
    return tuple(
        Gate(
            name=name,
            input_affine=input_affine[k * size : (k + 1) * size],
            hidden_affine=hidden_affine[k * size : (k + 1) * size],
            preactivation=preactivation[k * size : (k + 1) * size],
            activation=activation[k * size : (k + 1) * size],
        )
        for k, name in enumerate(names)
    )
