"""The recurrent cells, one module each, and the registry the rest of the pipeline reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from ..model import Array, DirectionParams, Step
from . import gru, lstm, rnn
from .common import StepArrays

# The network allocates every step's intermediates at once, since a long trace spends more time on
# fresh memory than on arithmetic: for one step, ``rows`` (3, G·H) holds W_hh h_{t-1} + b_hh, which
# the network computes, and receives the preactivation and the activation; ``states``
# (Cell.state_rows, H) receives the cell's other intermediates.

# (params, W_ih x_t + b_ih, h_{t-1}, c_{t-1}, rows, states) -> (h_t, c_t or None), filling rows and states
StepFunction = Callable[[DirectionParams, Array, Array, "Array | None", Array, Array], "tuple[Array, Array | None]"]
# (params, the step's views of those arrays) -> the step's record
RecordFunction = Callable[[DirectionParams, StepArrays], Step]


@dataclass(frozen=True)
class Cell:
    name: str  # the "cell" value of the JSON format
    title: str  # how documents name it
    torch_class: str  # the torch.nn module that computes it
    gates: tuple[str, ...]  # torch's order of the stacked row blocks
    gate_titles: tuple[str, ...]  # what each gate is called, in the same order
    step: StepFunction
    record: RecordFunction
    state_rows: int  # the rows of H values a step writes besides its gates
    c_row: int | None  # the row of states that holds c_t; None for a cell without a cell state
    partial: str  # the module and template partial (<partial>.tex.j2) of its step: rnn serves both RNNs

    @property
    def has_cell_state(self) -> bool:
        """Carries c_t besides h_t."""
        return self.c_row is not None


def _cell(
    module: ModuleType, name: str, title: str, torch_class: str, step: StepFunction, c_row: int | None = None
) -> Cell:
    """A cell whose module gives its GATES, GATE_TITLES, STATE_ROWS, record and template partial."""
    gates, titles, rows, partial = module.GATES, module.GATE_TITLES, module.STATE_ROWS, module.__name__.split(".")[-1]
    return Cell(name, title, torch_class, gates, titles, step, module.record, rows, c_row, partial)


CELLS: dict[str, Cell] = {
    "lstm": _cell(lstm, "lstm", "LSTM", "LSTM", lstm.step, c_row=lstm.C_ROW),
    "gru": _cell(gru, "gru", "GRU", "GRU", gru.step),
    "rnn_tanh": _cell(rnn, "rnn_tanh", "tanh RNN", "RNN", rnn.step_tanh),
    "rnn_relu": _cell(rnn, "rnn_relu", "ReLU RNN", "RNN", rnn.step_relu),
}
