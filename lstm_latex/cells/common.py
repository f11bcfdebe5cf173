"""What the cells share: activations, the recurrent product and the split of stacked gate blocks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Array, DirectionParams, GateParams, GateStack

# W_hh is read in row blocks of about this many bytes: a fraction of a core's L2 cache.
BLOCK_BYTES = 1 << 20
CACHE_LINE = 64  # bytes


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """The logistic function, in a form that cannot overflow: σ(z) = (1 + tanh(z/2)) / 2.

    Computed in place in ``out`` when given: the step functions are the hot path of a long trace.
    """
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


@dataclass(frozen=True, slots=True)
class StepArrays:
    """One step's views of the arrays a direction's forward pass filled: what a record is made of."""

    t: int  # 1-based index of x_t
    x: Array  # (I,)
    input_affine: Array  # W_ih x_t + b_ih, (G·H,)
    h_prev: Array  # (H_out,)
    c_prev: Array | None  # (H,), LSTM only
    rows: Array  # (3, G·H): W_hh h_{t-1} + b_hh, preactivation, activation
    states: Array  # (S, H): the cell's other intermediates
    h: Array  # (H_out,)

    def gate_stack(self, names: tuple[str, ...]) -> GateStack:
        return GateStack(names, self.input_affine, *self.rows)


class HiddenAffine:
    """W_hh h_{t-1} + b_hh for all gates at once, (G·H,), for one direction's steps in turn.

    The product reads all of W_hh at every step, and for a large layer that read is most of a
    step's time. So W_hh is read in row blocks, and each call takes them in the opposite order
    of the call before it: a step starts on the blocks the previous step read last, which are
    still in the CPU's cache. Each row is the same dot product whichever the order. The blocks'
    products go to one buffer, which stays in cache, before the bias is added.
    """

    def __init__(self, params: DirectionParams) -> None:
        weight = params.weight_hh
        block = max(64, BLOCK_BYTES // (weight.itemsize * max(weight.shape[1], 1)) // 64 * 64)  # rows
        self._product = empty_aligned((weight.shape[0],))
        blocks = [(weight[a : a + block], self._product[a : a + block]) for a in range(0, weight.shape[0], block)]
        self._orders = (blocks, blocks[::-1])
        self._bias = params.bias_hh
        self._calls = 0

    @property
    def blocks(self) -> int:
        """How many row blocks W_hh is read in."""
        return len(self._orders[0])

    def __call__(self, h_prev: Array, out: Array) -> Array:
        """Write the product into ``out`` and return it."""
        for weight, product in self._orders[self._calls % 2]:
            np.dot(weight, h_prev, product)  # into product: the step's hot path, so positional
        self._calls += 1
        if self._bias is None:
            out[...] = self._product
            return out
        return np.add(self._product, self._bias, out=out)


def empty_aligned(shape: tuple[int, ...]) -> Array:
    """An uninitialized float64 array that starts on a cache line (NumPy's own start on 16 bytes):
    vector loads and stores of its rows then never straddle two lines."""
    size = int(np.prod(shape)) * np.dtype(np.float64).itemsize
    buffer = np.empty(size + CACHE_LINE, dtype=np.uint8)
    start = -buffer.ctypes.data % CACHE_LINE
    array: Array = buffer[start : start + size].view(np.float64).reshape(shape)
    return array


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
