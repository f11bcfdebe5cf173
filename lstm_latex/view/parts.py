"""The parts around the steps, as records: the selection's note, the network and its equations,
the hand arithmetic's rule, the results, the backward pass's loss, equations and sums, the step of
gradient descent. Each is prose (view/prose.py) with the view's displays between its paragraphs,
so slides split them into frames as they split a step's parts (lstm_latex/slides.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import prose
from .prose import BREAK, paragraph
from .records import Block, Display, Part, StateTables, Table, state_tables

if TYPE_CHECKING:
    from ..backprop import Gradients
    from ..cells import Step
    from ..check import CheckReport
    from ..hand import HandPass
    from ..latex import NumberFormat
    from ..layout import Layout
    from ..model import Network, Trace
    from .directions import LabelledDirection
    from .step import StepView


def among(display: Display) -> tuple[Block, ...]:
    """A display among paragraphs: its sentences before and after it paragraphs of the part, which
    a frame may end between (a display of a step's part keeps them)."""
    before = (paragraph(display.text),) if display.text else ()
    after = (paragraph(display.after),) if display.after else ()
    return (*before, replace(display, text="", after=""), *after)


def single(paragraphs: Sequence[prose.Paragraph], title: str = "") -> tuple[Part, ...]:
    """A part of each paragraph (none for none): the steps left out, the hand arithmetic's rule."""
    return tuple(Part(title, (p,)) for p in paragraphs)


def note(text: str) -> Part:
    """What the selection leaves out, below the title."""
    return Part("", (paragraph(text),))


def network(trace: Trace[Step], sizes: Sequence[tuple[str, int | str]], initial_states: str) -> Part:
    """What the derivation follows, the network's sizes, its initial states and its example's notes."""
    return Part(
        "",
        (
            prose.follows_torch(trace),
            Table(tuple(sizes)),
            prose.initial_states(initial_states),
            *prose.notes(trace.example.notes),
        ),
    )


def equations(view: StepView, d: LabelledDirection, network: Network) -> Part:
    """The cell's equations in symbols (d: the direction whose marks they carry), the functions
    they use, and how layers and directions follow them."""
    functions = (prose.functions(view.cell), *prose.stacking(network))
    return Part("Equations", (prose.for_every_step(), *among(view.equations(d)), BREAK, *functions))


def parameters(network: Network) -> Part:
    """Where torch keeps the gates' blocks, above them."""
    return Part("", (prose.torch_parameters(network),))


def states(trace: Trace[Step], directions: Sequence[LabelledDirection], layout: Layout) -> tuple[Part, ...]:
    """Each direction's states as tables, a part a direction, the first saying what they hold."""
    parts = []
    for n, d in enumerate(directions):
        displays = tuple(
            StateTables(tuple((layout.state_table(d.trace, name), f"{name}_{{t}}{d.sup}") for name in names))
            for names in state_tables(trace, layout)
        )
        parts.append(Part(d.heading, (*((prose.states_in_rows(trace),) if n == 0 else ()), *displays)))
    return tuple(parts)


def returned(
    view: StepView,
    trace: Trace[Step],
    directions: Sequence[LabelledDirection],
    numbers: NumberFormat,
    hand: HandPass | None,
    hand_difference: str | None,
    gradients: Gradients | None,
    check: CheckReport | None,
) -> Part:
    """What torch returns, how the numbers were rounded, and whether torch agrees."""
    return Part(
        "",
        (
            prose.torch_returns(trace, directions),
            *among(view.returned(trace, directions, trace.example.network.num_directions)),
            prose.rounding(numbers, hand, hand_difference, gradients),
            BREAK,
            prose.forward_agreement(check, trace, hand, numbers),
        ),
    )


def loss(view: StepView, trace: Trace[Step], gradients: Gradients) -> Part:
    """The loss, its gradient at the output, and which of the output's columns it reads."""
    return Part(
        "The loss",
        (
            prose.loss_compared(gradients, trace),
            *among(view.loss_display(trace.output, gradients)),
            *prose.output_columns(trace.example.network),
        ),
    )


def backward_equations(view: StepView, d: LabelledDirection, network: Network) -> Part:
    """How backpropagation through time runs, the cell's chain rule in symbols, and what a layer
    sends to the one below."""
    return Part(
        "Equations",
        (prose.backpropagation(network), *among(view.backward_equations(d)), BREAK, *prose.layers_below(network)),
    )


def parameter_gradients() -> Part:
    """How the parameters' gradients sum over the steps, above them."""
    return Part("", (prose.parameter_gradients(),))


def input_gradients(
    view: StepView,
    gradients: Gradients,
    check: CheckReport | None,
    trace: Trace[Step],
    hand: HandPass | None,
    numbers: NumberFormat,
) -> Part:
    """The gradients of the input and of the initial states, and whether torch agrees."""
    return Part(
        "",
        (
            prose.input_gradients(),
            *among(view.input_gradients(gradients)),
            prose.backward_agreement(check, gradients, trace, hand, numbers),
        ),
    )


def descent(lr: str) -> Part:
    """The step of gradient descent every parameter takes, above their steps."""
    return Part("", (prose.descent(lr),))


PARTS: dict[str, Callable[..., Any]] = {
    function.__name__: function
    for function in (
        single,
        note,
        network,
        equations,
        parameters,
        states,
        returned,
        loss,
        backward_equations,
        parameter_gradients,
        input_gradients,
        descent,
    )
}
