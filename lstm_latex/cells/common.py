"""What the cells share: activations and the split of stacked gate blocks."""

from __future__ import annotations

import numpy as np

from ..model import Array, DirectionParams, GateParams


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """The logistic function, in a form that cannot overflow: σ(z) = (1 + tanh(z/2)) / 2.

    Computed in place in ``out`` when given: the step functions are the hot path of a long trace.
    """
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def hidden_affine(params: DirectionParams, h_prev: Array, out: Array) -> Array:
    """W_hh h_{t-1} + b_hh for all gates at once, (G·H,), written into ``out``."""
    product = np.matmul(params.weight_hh, h_prev, out=out)
    if params.bias_hh is not None:
        product += params.bias_hh
    return product


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
