"""The recurrent cells, one module each, and the registry the rest of the pipeline reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Array, DirectionParams, Step
from . import gru, lstm, rnn

# (params, t, x_t, W_ih x_t + b_ih, h_{t-1}, c_{t-1}, rows) -> the step's record. ``rows`` (3, G·H)
# holds the step's W_hh h_{t-1} + b_hh, preactivation and activation: the network allocates them for
# all steps at once, since a long trace spends more time on fresh memory than on arithmetic.
StepFunction = Callable[[DirectionParams, int, Array, Array, Array, "Array | None", Array], Step]


@dataclass(frozen=True)
class Cell:
    name: str  # the "cell" value of the JSON format
    title: str  # how documents name it
    torch_class: str  # the torch.nn module that computes it
    gates: tuple[str, ...]  # torch's order of the stacked row blocks
    gate_titles: tuple[str, ...]  # what each gate is called, in the same order
    has_cell_state: bool  # carries c_t besides h_t
    step: StepFunction  # (params, t, x_t, W_ih x_t + b_ih, h_{t-1}, c_{t-1}, rows) -> step record
    partial: str  # the module and template partial (<partial>.tex.j2) of its step: rnn serves both RNNs


CELLS: dict[str, Cell] = {
    "lstm": Cell("lstm", "LSTM", "LSTM", lstm.GATES, lstm.GATE_TITLES, True, lstm.step, "lstm"),
    "gru": Cell("gru", "GRU", "GRU", gru.GATES, gru.GATE_TITLES, False, gru.step, "gru"),
    "rnn_tanh": Cell("rnn_tanh", "tanh RNN", "RNN", rnn.GATES, rnn.GATE_TITLES, False, rnn.step_tanh, "rnn"),
    "rnn_relu": Cell("rnn_relu", "ReLU RNN", "RNN", rnn.GATES, rnn.GATE_TITLES, False, rnn.step_relu, "rnn"),
}
