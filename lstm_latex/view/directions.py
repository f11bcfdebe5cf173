"""A direction of a trace and its backward pass as documents name and show them: its heading, the
marks its symbols carry, the steps a selection shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cells import Grad, LstmStep, Step
from ..cells.common import split_params
from ..model import Array, DirectionTrace, GateParams
from ..selection import EVERYTHING, Selection

if TYPE_CHECKING:
    from ..backprop import DirectionGradients, Gradients


@dataclass(frozen=True)
class LabelledDirection:
    """A direction's trace with the words and superscripts documents name it by."""

    trace: DirectionTrace[Step]
    heading: str  # "Layer 1, reverse direction"; empty for a single forward layer
    sup: str  # LaTeX superscript for its symbols: "", "^{(1)}", "^{(0)\leftarrow}", ...
    on_step: Callable[[], None] | None = None  # told of each step a template shows
    selection: Selection = EVERYTHING  # what a document shows of it

    @property
    def shown(self) -> bool:
        """Whether a document shows this layer and direction's parameters and steps."""
        return self.selection.shows_direction(self.trace.params)

    @property
    def steps(self) -> Iterator[Step]:
        """The steps a document shows, in the order they ran, telling ``on_step`` of each as a
        template reaches it."""
        for step in self.selection.pick(self.trace.steps, _t):
            yield step
            if self.on_step is not None:
                self.on_step()

    @property
    def left_out(self) -> int:
        """How many of its steps a document leaves out (see ``selection``)."""
        return len(self.trace.steps) - len(self.selection.pick(self.trace.steps, _t))

    @property
    def prev_symbol(self) -> str:
        """The index of the state a step reads, in the symbolic equations."""
        return "t+1" if self.trace.params.reverse else "t-1"

    @property
    def next_symbol(self) -> str:
        """The index of the step that runs after step t, in the symbolic equations."""
        return "t-1" if self.trace.params.reverse else "t+1"

    def weights(self, side: str) -> list[Array]:
        """Each gate's W_ik (``side`` "i") or W_hk ("h"), in torch's order."""
        return [gate.weight_i if side == "i" else gate.weight_h for gate in self.trace.gates]

    @staticmethod
    def deltas(grad: Grad, side: str) -> list[Array]:
        """The gradients of each gate's input (``side`` "i") or hidden ("h") affine part at a step, in torch's order."""
        return [gate.input_affine if side == "i" else gate.hidden_affine for gate in grad.gates]

    def prev(self, t: int) -> int:
        """The index of the state step ``t`` reads: h_{T+1} is a reverse direction's initial state."""
        return t + 1 if self.trace.params.reverse else t - 1

    def next(self, t: int) -> int:
        """The index of the step that runs after step ``t`` (T + 1, or 0, after the last: none)."""
        return t - 1 if self.trace.params.reverse else t + 1


@dataclass(frozen=True)
class LabelledGradients:
    """A direction's backward pass beside its forward trace, as documents show it."""

    direction: LabelledDirection
    gradients: DirectionGradients
    gates: tuple[GateParams, ...]  # ∂L/∂ of each gate's blocks of the parameters, in torch's order

    @property
    def descent(self) -> list[tuple[GateParams, GateParams, GateParams]]:
        """Each gate's parameters, their gradients, and the parameters after the step of SGD
        (none without a learning rate)."""
        if self.gradients.updated is None:
            return []
        updated = split_params(self.gradients.updated, tuple(gate.name for gate in self.gates))
        return list(zip(self.direction.trace.gates, self.gates, updated, strict=True))

    @staticmethod
    def descended(
        params: GateParams, gradient: GateParams, new: GateParams
    ) -> list[tuple[str, str, Array, Array, Array]]:
        """A gate's parameters as its step of SGD prints them, W_i, W_h, b_i, b_h (those the network
        has): each its kind ("W" or "b") and side ("i" or "h"), its value, its gradient, its value after."""
        return [
            (kind, side, value, getattr(gradient, f"{name}_{side}"), getattr(new, f"{name}_{side}"))
            for kind, name in (("W", "weight"), ("b", "bias"))
            for side in "ih"
            if (value := getattr(params, f"{name}_{side}")) is not None
        ]

    @property
    def steps(self) -> list[tuple[Step, Grad]]:
        """Each step's forward record and gradients, in the order the backward pass ran them."""
        forward = {step.t: step for step in self.direction.trace.steps}
        return [(forward[grad.t], grad) for grad in self.gradients.steps]

    @property
    def in_time(self) -> list[tuple[Step, Grad]]:
        """Each step's forward record and gradients, in the order of t."""
        return sorted(self.steps, key=lambda pair: pair[0].t)

    @property
    def inputs(self) -> list[Array]:
        """x_t at each step, in the order of t."""
        return [step.x for step, _ in self.in_time]

    @property
    def previous_hidden(self) -> list[Array]:
        """h_{t-1} at each step, in the order of t."""
        return [step.h_prev for step, _ in self.in_time]

    @property
    def unprojected(self) -> list[Array]:
        """o_t ⊙ tanh(c_t), what W_hr projects, at each step, in the order of t (with a projection)."""
        return [
            step.h_unprojected
            for step, _ in self.in_time
            if isinstance(step, LstmStep) and step.h_unprojected is not None
        ]

    @property
    def hidden_gradients(self) -> list[Array]:
        """∂L/∂h_t at each step, in the order of t."""
        return [grad.dh for _, grad in self.in_time]

    def gate_deltas(self, index: int) -> tuple[list[Array], list[Array]]:
        """The gradients of gate ``index``'s input and hidden affine parts at each step, in the order of t."""
        gates = [grad.gates[index] for _, grad in self.in_time]
        return [g.input_affine for g in gates], [g.hidden_affine for g in gates]

    @property
    def shown_steps(self) -> list[tuple[Step, Grad]]:
        """The steps a document shows one by one, in the order the backward pass ran them."""
        return self.direction.selection.pick(self.steps, lambda pair: pair[0].t)


def _t(step: Step) -> int:
    return step.t


def backward_order(directions: list[LabelledDirection], gradients: Gradients) -> list[LabelledGradients]:
    """The directions' backward passes as they ran: the top layer first, each layer's directions in order."""
    labelled = [
        LabelledGradients(d, g, split_params(g.as_params(), tuple(gate.name for gate in d.trace.gates)))
        for d, g in zip(directions, gradients.directions, strict=True)
    ]
    layers = sorted({d.gradients.params.layer for d in labelled}, reverse=True)
    return [d for layer in layers for d in labelled if d.gradients.params.layer == layer]


def labelled(
    trace: DirectionTrace[Step],
    num_layers: int,
    bidirectional: bool,
    on_step: Callable[[], None] | None,
    selection: Selection = EVERYTHING,
) -> LabelledDirection:
    params = trace.params
    parts, marks = [], ""
    if num_layers > 1:
        parts.append(f"Layer {params.layer}")
        marks += f"({params.layer})"
    if bidirectional:
        parts.append("reverse direction" if params.reverse else "forward direction")
        marks += r"\leftarrow" if params.reverse else r"\rightarrow"
    return LabelledDirection(trace, ", ".join(parts), f"^{{{marks}}}" if marks else "", on_step, selection)
