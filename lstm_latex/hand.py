"""Hand arithmetic: the forward and backward pass as a person works them with a calculator, from the
numbers the derivation prints.

Every value is rounded to the printed decimals as soon as it is computed, and computed from the
rounded values before it: the parameters and inputs are rounded first; W x + b is the rounding of
the affine map of the printed W, x and b; a gate's preactivation the rounding of the sum of its two
printed parts; its activation the rounding of σ or tanh of the printed preactivation; and so on, to
the last gradient and the step of SGD. The cells, the network and the backward pass are the exact
pass's own functions, given this rounding in place of the identity (cells.common.Rounding).

Rounding is the page's (latex.round_decimal): half away from zero on the decimal value, as on
paper, 0.125 to two decimals is 0.13 and 0.15 to one is 0.2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .backprop import Gradients, backward
from .cells import Step
from .cells.common import Rounding
from .errors import InputError
from .latex import round_array
from .model import Array, DirectionParams, Example, Inputs, Trace
from .network import forward
from .values import kind

RULE = "half away from zero, on the decimal value, of every printed quantity, from the printed operands"
MAX_DECIMALS = 12  # as --precision
LARGEST = 1e10  # a matrix with a value this large has a power of ten in front (latex.NumberFormat), not decimals


@dataclass(frozen=True)
class HandPass:
    """An example worked by hand arithmetic to ``decimals`` decimals, and how far it strays from float64."""

    trace: Trace[Step]  # every intermediate of the forward pass, each as printed
    gradients: Gradients | None  # the backward pass, likewise; None when the example has no target or grad_output
    decimals: int
    largest_difference: float  # max |hand value − exact float64 value| over every printed quantity


def hand_pass(
    example: Example,
    decimals: int,
    *,
    exact: Trace[Step] | None = None,
    exact_gradients: Gradients | None = None,
) -> HandPass:
    """``example`` worked by hand arithmetic to ``decimals`` decimals (0 to 12): the forward pass, and
    the backward pass when the example has a target or grad_output.

    ``exact`` and ``exact_gradients``, the float64 passes of ``example`` when already computed, are
    what the hand values are compared with; computed here when not given. Raises InputError when a
    value reaches 1e10, which the document would print with a power of ten in front rather than
    with decimals.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise InputError(
            f"decimals is {kind(decimals)}: hand arithmetic takes a whole number of decimals, 0 to {MAX_DECIMALS}"
        )
    if not 0 <= decimals <= MAX_DECIMALS:
        raise InputError(f"hand arithmetic takes 0 to {MAX_DECIMALS} decimals, not {decimals}")
    decimals = int(decimals)
    # The exact passes first: a value that overflows float64 is said as such, not as one beyond hand arithmetic.
    if exact is None:
        exact = forward(example)
    if exact_gradients is None and example.inputs.loss is not None:
        exact_gradients = backward(exact)
    rounded = by_hand(decimals)
    try:
        trace = forward(rounded_example(example, rounded), rounded=rounded)
        gradients = None if example.inputs.loss is None else backward(trace, rounded)
    except InputError as error:
        raise error.within(example.source) from None
    difference = max(
        (
            float(np.max(np.abs(hand - float64), initial=0.0))
            for hand, float64 in zip(_printed(trace, gradients), _printed(exact, exact_gradients), strict=True)
        ),
        default=0.0,
    )
    return HandPass(trace, gradients, decimals, difference)


def by_hand(decimals: int) -> Rounding:
    """The rounding of hand arithmetic to ``decimals`` decimals: each entry as the page prints it
    (latex.round_decimal: half away from zero on the decimal it stands for; never −0). Raises
    InputError for a value of 1e10 or more."""

    def rounded(value: Array) -> Array:
        value = np.asarray(value, dtype=np.float64)
        if not (np.abs(value) < LARGEST).all():  # also nan
            largest = float(np.max(np.abs(value)))
            raise InputError(
                f"hand arithmetic reaches {largest:.3g}: it writes every value with decimals, below {LARGEST:.0e}"
            )
        return round_array(value, decimals)

    return rounded


def rounded_example(example: Example, rounded: Rounding) -> Example:
    """``example`` with every parameter and input rounded: the numbers the derivation starts from."""

    def maybe(array: Array | None) -> Array | None:
        return None if array is None else rounded(array)

    network, inputs = example.network, example.inputs
    directions = tuple(
        DirectionParams(
            p.layer,
            p.reverse,
            rounded(p.weight_ih),
            rounded(p.weight_hh),
            maybe(p.bias_ih),
            maybe(p.bias_hh),
            maybe(p.weight_hr),
        )
        for p in network.directions
    )
    loss = inputs.loss
    if loss is not None:
        loss = dataclasses.replace(loss, target=maybe(loss.target), grad_output=maybe(loss.grad_output))
    return Example(
        dataclasses.replace(network, directions=directions),
        Inputs(rounded(inputs.x), rounded(inputs.h0), maybe(inputs.c0), loss, inputs.batch),
        example.source,
    )


def _printed(trace: Trace[Step], gradients: Gradients | None) -> Iterator[Array]:
    """Every quantity a derivation of ``trace`` and ``gradients`` prints, in an order that depends
    only on the network: its records' arrays and numbers (output − target and the parameters after
    a step of SGD among them)."""
    yield from _arrays(trace)
    if gradients is not None:
        yield from _arrays(gradients)


def _arrays(record: object) -> Iterator[Array]:
    """The arrays and floats of a record and of the records in it, depth first, in field order."""
    if isinstance(record, np.ndarray):
        yield record
    elif isinstance(record, float):
        yield np.array(record)
    elif isinstance(record, tuple):
        for item in record:
            yield from _arrays(item)
    elif dataclasses.is_dataclass(record) and not isinstance(record, type):
        for field in dataclasses.fields(record):
            yield from _arrays(getattr(record, field.name))
