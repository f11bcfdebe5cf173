"""Frozen records of the pipeline: parameters and inputs in, a trace of every intermediate out.

Shapes use torch's names: T steps, I = input_size, H = hidden_size, H_out = proj_size or H,
G gates per cell (LSTM 4, GRU 3, RNN 1), L = num_layers, D = 2 if bidirectional else 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    pass

# How a record shows itself in Jupyter (its _repr_markdown_), by kind: "example", "trace". The
# display reads the records, not they it: lstm_latex.notebook, imported with the package, fills it.
MARKDOWN: dict[str, Callable[[Any], str]] = {}

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DirectionParams:
    """One direction of one layer, in torch's layout (gate row blocks stacked in torch's order)."""

    layer: int
    reverse: bool
    weight_ih: Array  # (G·H, I) for layer 0, (G·H, D·H_out) above it
    weight_hh: Array  # (G·H, H_out)
    bias_ih: Array | None  # (G·H,), None when the layer has bias=False
    bias_hh: Array | None  # (G·H,)
    weight_hr: Array | None  # (H_out, H), LSTM with proj_size > 0 only

    @property
    def suffix(self) -> str:
        """torch's key suffix for this direction, e.g. ``_l1_reverse``."""
        return f"_l{self.layer}" + ("_reverse" if self.reverse else "")

    def state_dict(self) -> dict[str, Array]:
        """This direction's parameters under torch's names, in torch's order."""
        arrays = {"weight_ih": self.weight_ih, "weight_hh": self.weight_hh, "bias_ih": self.bias_ih}
        arrays |= {"bias_hh": self.bias_hh, "weight_hr": self.weight_hr}
        return {name + self.suffix: array for name, array in arrays.items() if array is not None}


@dataclass(frozen=True)
class Origin:
    """Where one gate's block of a torch parameter is in a model file of another framework."""

    parameter: str  # torch's key: "weight_ih_l0_reverse"
    rows: tuple[int, int]  # the block's rows in it, from and to (exclusive)
    symbol: str  # its name in the equations: "W_ii", "b_hz"
    array: str  # the file's array that holds it: "layers/lstm/cell/vars/0", "W"; "" when it has none
    index: str  # where in that array, NumPy's way, and how it turns: "[:, 0:4].T"; or why it is zero


@dataclass(frozen=True)
class Provenance:
    """Where a network read from a Keras or ONNX file came from, and how its layout maps onto torch's."""

    file: str  # the file's name, as messages give it
    framework: str  # "Keras" or "ONNX"
    layer: str  # the layer's or node's name in the file
    kind: str  # what the file calls it: "LSTM", "Bidirectional(GRU)", "GRU node"
    origins: tuple[Origin, ...]  # every gate block of every parameter, in the state_dict's order
    notes: tuple[str, ...] = ()  # what the reading assumed or left out, a sentence each
    initial_states: dict[str, Array] = field(default_factory=dict, compare=False)  # h0, c0 stored in the file
    native: Any = field(default=None, compare=False, repr=False)  # what the framework's own check runs


@dataclass(frozen=True)
class Network:
    """A recurrent layer as torch would build it from a state_dict."""

    cell: str  # "lstm", "gru", "rnn_tanh" or "rnn_relu"
    input_size: int
    hidden_size: int
    proj_size: int  # 0: no projection
    num_layers: int
    bidirectional: bool
    bias: bool
    directions: tuple[DirectionParams, ...]  # layer-major, forward before reverse: h_n's order
    cell_module: bool = False  # read from nn.LSTMCell's names (weight_ih, ...): one layer, no _l0
    dtype: str | None = None  # the source's dtype when not float64 ("float16", "bfloat16"): each value read exactly
    provenance: Provenance | None = None  # read from a Keras or ONNX file: where, and its layout

    def own_names(self, state: dict[str, Array]) -> dict[str, Array]:
        """``state`` (torch.nn.LSTM's names) under the names the network was read with: an
        nn.LSTMCell's have no ``_l0``."""
        return {key.removesuffix("_l0") if self.cell_module else key: value for key, value in state.items()}

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Size of h_t: proj_size when there is a projection, else hidden_size."""
        return self.proj_size or self.hidden_size

    def state_dict(self) -> dict[str, Array]:
        """The parameters under torch's names, in torch's order."""
        return {name: array for d in self.directions for name, array in d.state_dict().items()}


LOSSES = ("half_sse", "sse", "mse")  # the losses a target can be compared by; see Loss


@dataclass(frozen=True)
class Loss:
    """What the backward pass differentiates: a loss of the output against a target, or the
    gradient that arrives at the output from the layers above (L = Σ grad_output ⊙ output)."""

    kind: str  # one of LOSSES, or "grad_output"
    target: Array | None  # (T, D·H_out), with a loss
    grad_output: Array | None  # (T, D·H_out), with "grad_output"
    lr: float | None  # a learning rate: the derivation ends with one step of SGD


@dataclass(frozen=True)
class Batch:
    """Where the inputs are one sequence of a batch (x of shape (B, T, I), or (T, B, I) time-major)."""

    index: int  # the sequence's place in the batch, from 0
    size: int  # B
    batch_first: bool  # x was (B, T, I); else (T, B, I)

    @property
    def layout(self) -> str:
        return "(B, T, I)" if self.batch_first else "(T, B, I)"


@dataclass(frozen=True)
class Inputs:
    x: Array  # (T, I)
    h0: Array  # (L·D, H_out)
    c0: Array | None  # (L·D, H), LSTM only
    loss: Loss | None = None  # None: no backward pass
    batch: Batch | None = None  # None: the inputs held one sequence


@dataclass(frozen=True)
class Example:
    """What a derivation is made of: a network and the inputs it is run on."""

    network: Network
    inputs: Inputs
    source: str  # where it came from, for messages

    @property
    def notes(self) -> tuple[str, ...]:
        """What was done to the source's numbers to compute with them, a sentence each (plain text)."""
        notes = []
        if self.network.dtype is not None:
            notes.append(
                f"The parameters are stored as {self.network.dtype} and computed here in float64,"
                " which holds each of them exactly."
            )
        batch = self.inputs.batch
        if batch is not None:
            notes.append(
                f"The input is sequence {batch.index} of a batch of {batch.size}, of shape {batch.layout}."
                if batch.size > 1
                else f"The input was given as a batch of one, of shape {batch.layout}."
            )
        return tuple(notes)

    def _repr_markdown_(self) -> str:
        """In Jupyter, an example shows itself as the derivation's table of the network (lstm_latex.notebook)."""
        return MARKDOWN["example"](self)


@dataclass(frozen=True)
class GateParams:
    """One gate's blocks of the stacked weights, named as in torch's documentation."""

    name: str  # "i" gives W_ii, W_hi, b_ii, b_hi
    weight_i: Array  # (H, I)
    weight_h: Array  # (H, H_out)
    bias_i: Array | None  # (H,)
    bias_h: Array | None  # (H,)


@dataclass(frozen=True)
class Gate:
    """One gate at one step: its two affine parts, their sum and the activation."""

    name: str  # torch's letter for it: "i", "f", ... ("h" for an RNN's one block)
    input_affine: Array  # W_ik x_t + b_ik, (H,)
    hidden_affine: Array  # W_hk h_{t-1} + b_hk, (H,)
    preactivation: Array  # their sum (for a GRU's n: W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)), (H,)
    activation: Array  # σ, tanh or ReLU of it, (H,)


@dataclass(frozen=True)
class GateGrad:
    """One gate's gradients at one step, named as the Gate it differentiates: ∂L/∂ of each part."""

    name: str
    activation: Array  # ∂L/∂k_t, (H,)
    preactivation: Array  # δ_k = ∂L/∂k_t ⊙ the activation's derivative, (H,)
    input_affine: Array  # ∂L/∂(W_ik x_t + b_ik): δ_k, (H,)
    hidden_affine: Array  # ∂L/∂(W_hk h_{t-1} + b_hk): δ_k (a GRU's n: r_t ⊙ δ_n), (H,)


StepT = TypeVar("StepT", covariant=True)  # a cell's step record: cells.LstmStep, cells.GruStep, cells.RnnStep
OtherStepT = TypeVar("OtherStepT")


@dataclass(frozen=True)
class DirectionTrace(Generic[StepT]):
    """One layer and direction of a forward pass: its parameters, cut per gate, and its steps."""

    params: DirectionParams
    gates: tuple[GateParams, ...]  # in torch's order of the stacked row blocks
    steps: tuple[StepT, ...]  # in the order they ran: t = T down to 1 for a reverse direction
    output: Array  # (T, H_out), in time order

    def gate(self, name: str) -> GateParams:
        """The blocks of the gate named ``name`` ("i" gives W_ii, W_hi, b_ii, b_hi)."""
        return next(gate for gate in self.gates if gate.name == name)


@dataclass(frozen=True)
class Trace(Generic[StepT]):
    """Every intermediate of a forward pass, and its results as torch returns them (unbatched)."""

    example: Example
    directions: tuple[DirectionTrace[StepT], ...]  # the order of Network.directions
    output: Array  # (T, D·H_out): the last layer's h_t, both directions concatenated
    h_n: Array  # (L·D, H_out)
    c_n: Array | None  # (L·D, H), LSTM only

    def of(self, record: type[OtherStepT]) -> Trace[OtherStepT]:
        """This trace, typed as holding ``record`` steps (``trace.of(LstmStep)``), so that a type checker
        knows their fields. Raises TypeError when its steps are of another cell."""
        found = type(self.directions[0].steps[0])
        if not issubclass(found, record):
            raise TypeError(f"the trace holds {found.__name__} records, not {record.__name__}")
        return cast("Trace[OtherStepT]", self)

    def _repr_markdown_(self) -> str:
        """In Jupyter, a trace shows itself as its derivation (lstm_latex.notebook)."""
        return MARKDOWN["trace"](self)
