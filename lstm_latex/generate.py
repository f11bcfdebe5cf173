"""Networks for hand calculation: small weights and inputs with few decimals, drawn reproducibly.

Every number is drawn by NumPy's PCG64 generator, ``np.random.Generator(np.random.PCG64(seed))``,
as an integer k in [-10^d, 10^d] and written as the decimal text of k / 10^d. No float is ever
drawn or formatted, so the same seed gives the same bytes on any machine.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .cells import CELLS
from .errors import InputError
from .model import LOSSES

# The largest network and sequence `new` makes: every number of it fits a page whole (a matrix
# longer than 8 would be elided), and a student computes it in an afternoon at most.
MAX_SIZE = 8  # input_size, hidden_size and a layer's input size D·H_out, T
MAX_LAYERS = 4
MAX_DECIMALS = 4
SEED_BITS = 64  # a seed is an integer in [0, 2^64)

Integers = npt.NDArray[np.int64]


@dataclass(frozen=True)
class NetworkSpec:
    """What `lstm-latex new` makes: torch's constructor arguments, the sequence and the numbers."""

    cell: str = "lstm"  # a key of cells.CELLS
    input_size: int = 2
    hidden_size: int = 2
    seq_len: int = 2  # T, the number of x_t
    layers: int = 1
    bidirectional: bool = False
    proj_size: int = 0  # 0: no projection (LSTM only)
    bias: bool = True
    decimals: int = 1  # of every number drawn
    random_state: bool = False  # h0 (and c0) drawn too; else zero
    target: bool = False  # a target of the output's shape: a backward exercise
    loss: str | None = None  # one of model.LOSSES, with a target; None: half_sse, the JSON format's default
    lr: float | None = None  # with a target: a learning rate, for a step of SGD

    def validate(self) -> None:
        """Raise InputError naming the first option out of range."""
        sizes = {"--input-size": self.input_size, "--hidden-size": self.hidden_size, "--seq-len": self.seq_len}
        for option, value in sizes.items():
            if not 1 <= value <= MAX_SIZE:
                raise InputError(f"{option} must be between 1 and {MAX_SIZE}, not {value}")
        if not 1 <= self.layers <= MAX_LAYERS:
            raise InputError(f"--layers must be between 1 and {MAX_LAYERS}, not {self.layers}")
        if not 1 <= self.decimals <= MAX_DECIMALS:
            raise InputError(f"--decimals must be between 1 and {MAX_DECIMALS}, not {self.decimals}")
        if self.cell not in CELLS:
            raise InputError(f"no cell {self.cell!r}: use one of {', '.join(CELLS)}")
        if self.proj_size and not CELLS[self.cell].has_projection:
            raise InputError(f"--proj-size needs an LSTM: a {self.cell} has no projection")
        if not 0 <= self.proj_size < self.hidden_size:
            raise InputError(f"--proj-size must be below --hidden-size ({self.hidden_size}), not {self.proj_size}")
        for option, setting in {"--loss": self.loss, "--lr": self.lr}.items():
            if setting is not None and not self.target:
                raise InputError(f"{option} needs --target: without one there is nothing to differentiate")
        if self.loss is not None and self.loss not in LOSSES:
            raise InputError(f"no --loss {self.loss!r}: use one of {', '.join(LOSSES)}")
        if self.lr is not None and not 0 < self.lr < math.inf:
            raise InputError(f"--lr must be a positive finite number, not {self.lr!r}")
        if self.layers > 1 and self.output_width > MAX_SIZE:
            raise InputError(
                f"the layers above the first read {self.output_width} numbers a step (directions x"
                f" {'--proj-size' if self.proj_size else '--hidden-size'}), more than {MAX_SIZE}"
            )

    @property
    def output_size(self) -> int:
        """H_out: the size of h_t."""
        return self.proj_size or self.hidden_size

    @property
    def output_width(self) -> int:
        """D·H_out: the size of a row of the output, and of the input of the layers above the first."""
        return (2 if self.bidirectional else 1) * self.output_size


def random_seed() -> int:
    """A seed from the operating system's randomness, for a run not given one."""
    import secrets  # only for a run without --seed

    return secrets.randbits(SEED_BITS)


def variant_seeds(seed: int, count: int) -> list[int]:
    """``count`` different seeds derived from ``seed``, one a variant: the same ``seed`` gives the
    same list, and a variant is `lstm-latex new --seed` of its own."""
    generator = np.random.Generator(np.random.PCG64(seed))
    seeds: list[int] = []
    while len(seeds) < count:
        drawn = int(generator.integers(0, 2**SEED_BITS, dtype=np.uint64))
        if drawn not in seeds:
            seeds.append(drawn)
    return seeds


def new_network(spec: NetworkSpec, seed: int) -> str:
    """A network and its inputs in the JSON format lstm-latex reads, drawn from ``seed``: weights,
    biases and x in [-1, 1] with ``spec.decimals`` decimals, no row all zeros; h0 and c0 zero
    (left out) unless ``spec.random_state``; a target with ``spec.target``, and its loss and learning
    rate. One array a line."""
    spec.validate()
    draw = _Draw(seed, spec.decimals)
    cell = CELLS[spec.cell]
    rows = len(cell.gates) * spec.hidden_size  # G·H
    directions = 2 if spec.bidirectional else 1
    state: list[tuple[str, str]] = []
    for layer in range(spec.layers):
        for reverse in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            inputs = spec.input_size if layer == 0 else spec.output_width
            state.append(("weight_ih" + suffix, draw.matrix(rows, inputs)))  # (G·H, I)
            state.append(("weight_hh" + suffix, draw.matrix(rows, spec.output_size)))  # (G·H, H_out)
            if spec.bias:
                state.append(("bias_ih" + suffix, draw.vector(rows)))  # (G·H,)
                state.append(("bias_hh" + suffix, draw.vector(rows)))
            if spec.proj_size:
                state.append(("weight_hr" + suffix, draw.matrix(spec.proj_size, spec.hidden_size)))  # (H_out, H)
    entries = [("x", draw.matrix(spec.seq_len, spec.input_size))]  # (T, I)
    if spec.random_state:
        entries.append(("h0", draw.matrix(spec.layers * directions, spec.output_size)))  # (L·D, H_out)
        if cell.has_cell_state:
            entries.append(("c0", draw.matrix(spec.layers * directions, spec.hidden_size)))  # (L·D, H)
    if spec.target:
        entries.append(("target", draw.matrix(spec.seq_len, spec.output_width)))  # (T, D·H_out)
        entries.append(("loss", json.dumps(spec.loss or LOSSES[0])))
        if spec.lr is not None:
            entries.append(("lr", json.dumps(spec.lr)))
    lines = [f"    {json.dumps(key)}: {text}" for key, text in state]
    parts = [f'  "cell": {json.dumps(spec.cell)}', '  "state_dict": {\n' + ",\n".join(lines) + "\n  }"]
    parts += [f"  {json.dumps(key)}: {text}" for key, text in entries]
    return "{\n" + ",\n".join(parts) + "\n}\n"


class _Draw:
    """Numbers drawn in turn from one seed, as JSON text with a fixed number of decimals."""

    def __init__(self, seed: int, decimals: int) -> None:
        self.generator = np.random.Generator(np.random.PCG64(seed))
        self.decimals = decimals
        self.scale = 10**decimals

    def matrix(self, rows: int, columns: int) -> str:
        """A (rows, columns) matrix; a row drawn all zeros is drawn again."""
        drawn = self._integers((rows, columns))
        while (zero := ~drawn.any(axis=1)).any():
            drawn[zero] = self._integers((int(zero.sum()), columns))
        return "[" + ", ".join(self._row(row) for row in drawn) + "]"

    def vector(self, size: int) -> str:
        """A (size,) vector, drawn again if all zeros."""
        drawn = self._integers((size,))
        while not drawn.any():
            drawn = self._integers((size,))
        return self._row(drawn)

    def _integers(self, shape: tuple[int, ...]) -> Integers:
        return self.generator.integers(-self.scale, self.scale, size=shape, endpoint=True, dtype=np.int64)

    def _row(self, row: Integers) -> str:
        return "[" + ", ".join(self._decimal(int(k)) for k in row) + "]"

    def _decimal(self, k: int) -> str:
        """k / 10^d as decimal text: -7 with d = 2 is -0.07."""
        whole, fraction = divmod(abs(k), self.scale)
        return f"{'-' if k < 0 else ''}{whole}.{fraction:0{self.decimals}d}"
