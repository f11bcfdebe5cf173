"""The pipeline run once: an example's forward pass, its backward pass, its hand arithmetic and the
torch check, as one frozen Derivation that every output (document, slides, worksheet, notebook) shows.

Rendering computes nothing: whatever a page prints is in the Derivation it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cells import Step
from .errors import RenderError
from .model import Example, Trace
from .network import forward
from .selection import EVERYTHING, Selection

if TYPE_CHECKING:
    from .backprop import Gradients
    from .check import CheckReport
    from .hand import HandPass

MAX_STEPS = 100  # step blocks: about 250 pages for a small LSTM, already more than anyone checks by hand


@dataclass(frozen=True)
class Derivation:
    """Everything a derivation prints, computed: the trace and gradients it shows (the hand values'
    with ``hand``), the torch check of the exact ones, and the hand arithmetic."""

    trace: Trace[Step]  # the forward pass shown: hand.trace when worked by hand
    gradients: Gradients | None  # its backward pass; None without a target or grad_output
    check: CheckReport | None = None  # the torch check of the float64 passes; None: not checked
    hand: HandPass | None = None  # the hand arithmetic shown, when worked by hand

    @property
    def example(self) -> Example:
        return self.trace.example


def derive(
    example: Example,
    *,
    hand: int | None = None,
    check: bool | None = False,
    selection: Selection = EVERYTHING,
    max_steps: int = MAX_STEPS,
    progress: Callable[[], None] | None = None,
) -> Derivation:
    """The derivation of ``example``: its forward pass, its backward pass when it has a target or
    grad_output, with ``hand`` both worked by hand arithmetic to so many decimals (what the
    derivation then shows), and the torch check of the float64 passes: ``check`` True requires it
    (CheckError without torch), None runs it when torch is installed, False never (the default in
    Python: torch is imported only when asked). A CheckError when torch disagrees.

    ``selection`` and ``max_steps`` are the document's (see render): a selection of what the example
    does not have, or a document of more step blocks, is refused before anything is computed.
    ``progress`` is called once a step of the forward pass.
    """
    check_size(example, max_steps, selection)
    trace = forward(example, progress)
    gradients = _backward(trace)
    report = None
    if check is not False:
        from .check import check_trace  # torch: only when a check may run

        report = check_trace(trace, check, gradients)
    if hand is None:
        return Derivation(trace, gradients, report)
    from .hand import hand_pass

    worked = hand_pass(example, hand, exact=trace, exact_gradients=gradients)
    return Derivation(worked.trace, worked.gradients, report, worked)


def of_trace(
    trace: Trace[Step],
    *,
    gradients: Gradients | None = None,
    check: CheckReport | None = None,
    hand: HandPass | None = None,
) -> Derivation:
    """The derivation of passes computed already (``render(trace, ...)``, as before Derivation):
    the backward pass is computed when the example has a target or grad_output and none is given.
    ``hand`` must be the hand arithmetic whose trace (and gradients) these are."""
    if hand is not None:
        if trace is not hand.trace or (gradients is not None and gradients is not hand.gradients):
            raise RenderError("hand= is the hand arithmetic of another trace: render hand.trace (and hand.gradients)")
        return Derivation(trace, hand.gradients, check, hand)
    return Derivation(trace, gradients if gradients is not None else _backward(trace), check)


def check_size(example: Example, max_steps: int = MAX_STEPS, selection: Selection = EVERYTHING) -> None:
    """Refuse a selection of what ``example`` does not have, and a document with more than
    ``max_steps`` step blocks (the steps x layers x directions it shows), before it takes minutes
    and gigabytes; 0 means no limit."""
    selection.check(example)
    steps, layers, directions = selection.blocks(example)
    blocks = steps * layers * directions
    if 0 < max_steps < blocks:
        seq_len = example.inputs.x.shape[0]
        shown = f"T = {seq_len}" if steps == seq_len else f"{steps} of T = {seq_len} steps"
        raise RenderError(
            f"the document would have {blocks} step blocks ({shown} x {layers} layer(s)"
            f" x {directions} direction(s)), more than the limit of {max_steps}:"
            f" pass --max-steps {blocks} (max_steps= in Python) to render it anyway"
        )


def _backward(trace: Trace[Step]) -> Gradients | None:
    """The backward pass, when the inputs give a target or grad_output."""
    if trace.example.inputs.loss is None:
        return None
    from .backprop import backward

    return backward(trace)
