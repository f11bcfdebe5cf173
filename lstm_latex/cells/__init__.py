"""The recurrent cells, one module each, and the one registry the rest of the pipeline reads.

Everything that differs between cell types is data here: the gates with their titles, colours and
activations, the torch module that computes the cell, the sentence that defines its functions, and
its step function. The network, the check and the templates read a ``Cell``; none asks which one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Array, DirectionParams
from . import gru, lstm, rnn
from .common import Rounding
from .gru import GruGrad, GruStep
from .lstm import LstmGrad, LstmStep
from .rnn import RnnGrad, RnnStep

Step = LstmStep | GruStep | RnnStep
Grad = LstmGrad | GruGrad | RnnGrad

# (params, t, x_t, W_ih x_t + b_ih, h_{t-1}, c_{t-1} or None, the rounding of each value) -> the step's record
StepFunction = Callable[[DirectionParams, int, Array, Array, Array, "Array | None", Rounding], Step]
# (params, the step's record, ∂L/∂h_t from the output, ∂L/∂h_t and ∂L/∂c_t (or None) from the next step,
# the rounding of each value) -> the step's gradients
BackwardFunction = Callable[[DirectionParams, Any, Array, Array, "Array | None", Rounding], Grad]

# After Okabe and Ito: told apart by colour-blind readers, and dark enough to print.
BLUE = "0072B2"
VERMILION = "D55E00"
GREEN = "009E73"
PURPLE = "8E3B8E"
# The nearest colour each has among the names every renderer of Markdown math knows without a
# definition: CSS's for KaTeX and MathJax, and xcolor's own (not dvipsnames) for LaTeX through
# pandoc or nbconvert. KaTeX takes no colour model ([HTML]) and xcolor no "#", so a web page's
# math cannot give the hex colour itself and still compile.
NAMED_COLORS = {BLUE: "blue", VERMILION: "red", GREEN: "teal", PURPLE: "magenta"}

SIGMOID = r"\sigma"
TANH = r"\tanh"
RELU = r"\operatorname{ReLU}"
# Each activation by the name templates test it by (its derivative is written from it), never by its LaTeX.
FUNCTIONS = {SIGMOID: "sigmoid", TANH: "tanh", RELU: "relu"}


@dataclass(frozen=True)
class GateKind:
    """What a gate is, at every step: torch's letter for it, its name, colour and activation."""

    name: str  # torch's letter: "i" names W_ii, W_hi, b_ii, b_hi
    title: str  # "input gate"
    color: str  # an HTML colour, the same in the equations and the numbers
    activation: str  # its function in LaTeX

    @property
    def function(self) -> str:
        """The activation's name: sigmoid, tanh or relu."""
        return FUNCTIONS[self.activation]

    @property
    def named_color(self) -> str:
        """The colour's nearest name that KaTeX, MathJax and xcolor all know, for Markdown."""
        return NAMED_COLORS[self.color]


@dataclass(frozen=True)
class Cell:
    name: str  # the "cell" value of the JSON format
    title: str  # how documents name it
    torch_class: str  # the torch.nn module that computes it
    gates: tuple[GateKind, ...]  # in torch's order of the stacked row blocks
    functions: str  # a LaTeX sentence defining the functions its equations use
    step: StepFunction
    backward: BackwardFunction  # takes the record that ``step`` returns
    partial: str  # its view's module: lstm_latex/view/<partial>.py
    has_cell_state: bool = False  # carries c_t besides h_t
    has_projection: bool = False  # takes proj_size (weight_hr)
    scaled: str | None = None  # the gate whose hidden part, bias included, the reset gate r scales (the GRU's n)
    torch_options: Mapping[str, str] = field(default_factory=dict)  # the torch class's fixed options

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(gate.name for gate in self.gates)

    def gate(self, name: str) -> GateKind:
        """The gate of torch's letter ``name``: templates name a gate, never pick it by position."""
        return self.gates[self.gate_names.index(name)]


_ENTRYWISE = (
    r"Here $\sigma(z) = 1/(1 + e^{-z})$ and $\tanh$ act on each entry of a vector, and $\odot$ is the"
    "\nentry-wise product."
)

LSTM = Cell(
    name="lstm",
    title="LSTM",
    torch_class="LSTM",
    gates=(
        GateKind("i", "input gate", BLUE, SIGMOID),
        GateKind("f", "forget gate", VERMILION, SIGMOID),
        GateKind("g", "cell candidate", GREEN, TANH),
        GateKind("o", "output gate", PURPLE, SIGMOID),
    ),
    functions=_ENTRYWISE,
    step=lstm.step,
    backward=lstm.backward,
    partial="lstm",
    has_cell_state=True,
    has_projection=True,
)

GRU = Cell(
    name="gru",
    title="GRU",
    torch_class="GRU",
    gates=(
        GateKind("r", "reset gate", VERMILION, SIGMOID),
        GateKind("z", "update gate", BLUE, SIGMOID),
        GateKind("n", "new gate", GREEN, TANH),
    ),
    functions=_ENTRYWISE,
    step=gru.step,
    backward=gru.backward,
    partial="gru",
    scaled="n",
)

RNN_TANH = Cell(
    name="rnn_tanh",
    title="tanh RNN",
    torch_class="RNN",
    gates=(GateKind("h", "hidden state", BLUE, TANH),),
    functions=r"Here $\tanh$ acts on each entry of a vector.",
    step=rnn.step_tanh,
    backward=rnn.backward_tanh,
    partial="rnn",
    torch_options={"nonlinearity": "tanh"},
)

RNN_RELU = Cell(
    name="rnn_relu",
    title="ReLU RNN",
    torch_class="RNN",
    gates=(GateKind("h", "hidden state", BLUE, RELU),),
    functions=r"Here $\operatorname{ReLU}(z) = \max(0, z)$ acts on each entry of a vector.",
    step=rnn.step_relu,
    backward=rnn.backward_relu,
    partial="rnn",
    torch_options={"nonlinearity": "relu"},
)

CELLS: dict[str, Cell] = {cell.name: cell for cell in (LSTM, GRU, RNN_TANH, RNN_RELU)}

__all__ = [
    "CELLS",
    "BackwardFunction",
    "Cell",
    "GateKind",
    "Grad",
    "GruGrad",
    "GruStep",
    "LstmGrad",
    "LstmStep",
    "RnnGrad",
    "RnnStep",
    "Rounding",
    "Step",
    "StepFunction",
]
