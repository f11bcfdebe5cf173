"""The derivation's sentences as records: a paragraph of pieces (text, inline math, code, and a
user's or a library's text printed literally), each built by a function that reads like the
sentence it makes. Plural or singular, what an LSTM has that a GRU or an RNN has not, a
bidirectional network's two directions, an overflow, hand or exact values: decided here, once,
for every format; partials/view.tex.j2 only prints a paragraph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..cells import CELLS, Cell, Step

if TYPE_CHECKING:
    from ..backprop import Gradients
    from ..check import CheckReport
    from ..hand import HandPass
    from ..latex import NumberFormat
    from ..model import Network, Trace
    from .directions import LabelledDirection


Kind = Literal["text", "math", "code", "quoted"]


@dataclass(frozen=True)
class Piece:
    """A piece of a paragraph: text as written in every format, inline math ($h_t$), code such as
    torch.nn.LSTM (the format's code macro), or text not ours, a version or a message, printed
    literally (the format's text filter)."""

    kind: Kind
    text: str


def formula(text: str) -> Piece:
    """Inline math: ``$h_t$`` in every format."""
    return Piece("math", text)


def code(text: str) -> Piece:
    """Code, as the format writes it."""
    return Piece("code", text)


def quoted(text: str) -> Piece:
    """Text not ours, printed literally."""
    return Piece("quoted", text)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's pieces, in order; a line break in a piece of text is one in the output. A
    part prints its paragraphs a line apart, one paragraph of the page; an empty one (BREAK) is
    an empty line, which ends it."""

    pieces: tuple[Piece, ...]
    kind: ClassVar[str] = "paragraph"  # what a part's block is (records.Block)


def paragraph(*pieces: str | Piece) -> Paragraph:
    """The pieces as a paragraph, a string being text."""
    return Paragraph(tuple(Piece("text", piece) if isinstance(piece, str) else piece for piece in pieces))


BREAK = Paragraph(())  # an empty line between two paragraphs of a part


def when(condition: object, *pieces: str | Piece) -> tuple[str | Piece, ...]:
    """The pieces of a clause that a sentence has only when ``condition`` holds."""
    return pieces if condition else ()


def places(count: int) -> str:
    """A count of decimal places: 1 decimal place, 3 decimal places."""
    return f"{count} decimal place{'' if count == 1 else 's'}"


def steps_of(count: int, what: str = "step") -> str:
    """A count of steps (or of ``what``): 1 step, 3 steps."""
    return f"{count} {what}{'' if count == 1 else 's'}"


def torch_module(network: Network) -> Piece:
    """The torch module that computes the network: torch.nn.LSTM, torch.nn.GRU or torch.nn.RNN."""
    return code("torch.nn." + _cell(network).torch_class)


def _cell(network: Network) -> Cell:
    return CELLS[network.cell]


def _difference(value: float, numbers: NumberFormat) -> Piece:
    """A largest difference as the page prints its numbers, and an exact agreement as 0."""
    return formula("0" if value == 0 else numbers.number(value))


def _has_cell_state(trace: Trace[Step]) -> bool:
    return trace.c_n is not None


# The network and its equations.


def follows_torch(trace: Trace[Step]) -> Paragraph:
    """What the derivation follows, and on how many steps."""
    return paragraph(
        "The derivation follows ",
        torch_module(trace.example.network),
        " step by step on an input sequence\nof ",
        formula(f"T = {trace.example.inputs.x.shape[0]}"),
        f" step{'s' if trace.example.inputs.x.shape[0] > 1 else ''}.",
    )


def stacking(network: Network) -> tuple[Paragraph, ...]:
    """How the layers of a stacked network, and the directions of a bidirectional one, follow the
    equations: a sentence each, none for one forward layer."""
    layers = paragraph(
        "Layer ",
        formula("l > 0"),
        " reads the outputs of layer ",
        formula("l - 1"),
        ": ",
        formula("x_t^{(l)} = h_t^{(l-1)}"),
        *when(
            network.bidirectional,
            ", both directions stacked, ",
            formula(r"h_t^{(l-1)\rightarrow}"),
            " above ",
            formula(r"h_t^{(l-1)\leftarrow}"),
        ),
        ".",
    )
    reverse = paragraph(
        "The reverse direction (",
        formula(r"\leftarrow"),
        ") runs the same equations from ",
        formula("t = T"),
        " down to ",
        formula("1"),
        ", with\n",
        formula("t + 1"),
        " in place of ",
        formula("t - 1"),
        ".",
    )
    return ((layers,) if network.num_layers > 1 else ()) + ((reverse,) if network.bidirectional else ())


def hand_rule(hand: HandPass | None) -> tuple[Paragraph, ...]:
    """How every number of a derivation worked by hand is rounded (none when it is not)."""
    if hand is None:
        return ()
    return (_hand_rule(hand.decimals),)


def _hand_rule(decimals: int) -> Paragraph:
    return paragraph(
        "Every number here is worked by hand, as with a calculator: each is rounded to "
        f"{places(decimals)}, half away\n"
        "from zero on its decimal value (",
        formula("0.125"),
        " to two places is ",
        formula("0.13"),
        "), and each computed one is the rounding\n"
        "of its operation on the numbers as printed, already rounded themselves. The parameters and inputs are\n"
        "rounded first; an affine map such as ",
        formula("W x + b"),
        " is rounded once, as a whole, and so is a product of several factors,\nsuch as ",
        formula(r"\partial L/\partial o \odot o \odot (1 - o)"),
        " (",
        formula(r"o \odot (1 - o)"),
        " is not rounded on its own). So every digit follows\nfrom the numbers on the page.",
    )


def torch_parameters(network: Network) -> Paragraph:
    """Where the parameters shown are in torch's: its stacked gates' blocks cut apart, or as they are."""
    cell = _cell(network)
    names = (
        code("weight_ih"),
        ", ",
        code("weight_hh"),
        *((", ", code("bias_ih"), " and ", code("bias_hh")) if network.bias else ()),
    )
    if len(cell.gates) > 1:
        return paragraph(
            f"torch stacks the gates' blocks in the order {', '.join(cell.gate_names)} in\n",
            *names,
            ";\ncut apart, they are these.",
        )
    return paragraph("These are torch's ", *names, ".")


def left_out(count: int, what: str = "step") -> tuple[Paragraph, ...]:
    """That a direction's other steps are left out here (none when every step is shown)."""
    if count == 0:
        return ()
    return (
        paragraph(
            f"The other {steps_of(count, what)} of this direction {'is' if count == 1 else 'are'} left out here."
        ),
    )


def for_every_step() -> Paragraph:
    """What the equations below it hold for."""
    return paragraph("For ", formula(r"t = 1, \dots, T"), ":")


def functions(cell: Cell) -> Paragraph:
    """The functions a cell's equations use, as the cell defines them."""
    return paragraph(cell.functions)


def initial_states(given: str) -> Paragraph:
    """What the initial states are: given with the example, or zero."""
    return paragraph(f"The initial states are {given}.")


def notes(texts: Sequence[str]) -> tuple[Paragraph, ...]:
    """An example's notes, a paragraph each, printed literally."""
    return tuple(paragraph(quoted(text)) for text in texts)


# The results.


def states_in_rows(trace: Trace[Step]) -> Paragraph:
    """What the state tables hold, and the order a reverse direction computed them in."""
    return paragraph(
        "Every ",
        formula("h_t"),
        *when(_has_cell_state(trace), " and ", formula("c_t")),
        ", transposed to a row",
        *when(
            trace.example.network.bidirectional,
            "; a reverse direction computed them from ",
            formula(f"t = {trace.example.inputs.x.shape[0]}"),
            " down to ",
            formula("t = 1"),
        ),
        ".",
    )


def torch_returns(trace: Trace[Step], directions: Sequence[LabelledDirection]) -> Paragraph:
    """What torch's module returns for this input, which the display after it shows."""
    network = trace.example.network
    steps = trace.example.inputs.x.shape[0]
    forward, reverse = directions[-network.num_directions], directions[-1]
    return paragraph(
        "As ",
        torch_module(network),
        " returns them for this unbatched input, the output\nholds the last layer's ",
        formula("h_t"),
        " for ",
        formula(rf"t = 1, \dots, {steps}") if steps > 1 else formula("t = 1"),
        " as rows" if steps > 1 else " as its row",
        *when(
            network.bidirectional,
            ", its forward direction's ",
            formula(f"h_{{t}}{forward.sup}"),
            " followed by its reverse direction's ",
            formula(f"h_{{t}}{reverse.sup}"),
        ),
        ",\nand ",
        formula("h_n"),
        *when(_has_cell_state(trace), " and ", formula("c_n")),
        " hold each layer's and direction's final state:",
    )


def rounding(
    numbers: NumberFormat, hand: HandPass | None, hand_difference: str | None, gradients: Gradients | None
) -> Paragraph:
    """How the numbers shown were rounded: worked by hand (and how far that strays from float64,
    ``hand_difference`` as printed), or rounded for display from float64."""
    if hand is not None:
        return paragraph(
            f"All numbers shown are worked by hand arithmetic to {places(hand.decimals)}, each from the printed ones\n"
            "before it. The largest difference between any of them and the exact float64 value of the same\n"
            "quantity, over the parameters, the inputs and every value computed",
            *when(gradients is not None, ", forward and backward"),
            ", is ",
            formula(str(hand_difference)),
            ".",
        )
    rule = (
        f"(each matrix's largest entry to {numbers.significant} significant digits,"
        " its other entries to as many decimal places)"
        if numbers.significant
        else f"to {places(numbers.precision)}"
    )
    return paragraph(
        f"All numbers shown are rounded {rule} for display only: every\n"
        "value was computed in float64 from the unrounded values before it."
    )


def forward_agreement(
    check: CheckReport | None, trace: Trace[Step], hand: HandPass | None, numbers: NumberFormat
) -> Paragraph:
    """How closely torch's module computes the forward pass's results and states, in float64 and
    float32 (``numbers``: how the page prints a number); or that it was not checked."""
    if check is None:
        return paragraph("These numbers were not checked against PyTorch.")
    forward = check.forward
    lstm = _has_cell_state(trace)
    return paragraph(
        "Checked against PyTorch ",
        quoted(check.torch_version),
        ": ",
        torch_module(trace.example.network),
        " in float64, given the same parameters and inputs, computes the output, ",
        formula("h_n"),
        *when(lstm, ", ", formula("c_n")),
        " and every ",
        formula("h_t"),
        *when(lstm, " and ", formula("c_t")),
        " to within ",
        _difference(forward.max_float64, numbers),
        " of the ",
        "exact float64 values, not the hand values here" if hand else "values here",
        " (largest absolute difference), and in float32 ",
        *(
            ("it overflows: these numbers are too large for float32",)
            if forward.float32_overflows
            else ("to within ", _difference(forward.max_float32, numbers))
        ),
        ".",
    )


# The backward pass.


def loss_compared(gradients: Gradients, trace: Trace[Step]) -> Paragraph:
    """What the loss compares the output with (a target), or the gradient it arrives with."""
    loss, steps = gradients.loss, trace.example.inputs.x.shape[0]
    if loss.kind == "grad_output":
        return paragraph(
            "The layers above give the gradient of the loss at the output, ",
            formula(r"\partial L/\partial y_t"),
            " for each row\n",
            formula("y_t"),
            " of the output; it is backpropagated as the gradient of ",
            formula(r"L = \sum_t (\partial L/\partial y_t)^{\top} y_t"),
            *when(steps > 1, ", ", formula(rf"t = 1, \dots, {steps}")),
            ":",
        )
    return paragraph(
        "Each row ",
        formula("y_t"),
        " of the output is compared with the same row ",
        formula("y^{*}_t"),
        " of the target",
        *when(
            loss.kind == "mse",
            ", and the squares are averaged over all ",
            formula(str(gradients.d_output.size)),
            " entries, as ",
            code("torch.nn.MSELoss()"),
            " does",
        ),
        ":",
    )


def output_columns(network: Network) -> tuple[Paragraph, ...]:
    """What the columns of the output's gradient are, for a bidirectional network."""
    side_by_side = paragraph(
        "Its columns are the two directions' ",
        formula(r"\partial L/\partial h_t"),
        " side by side, as the output's are their ",
        formula("h_t"),
        ".",
    )
    return (side_by_side,) if network.bidirectional else ()


def backward_agreement(
    check: CheckReport | None, gradients: Gradients, trace: Trace[Step], hand: HandPass | None, numbers: NumberFormat
) -> Paragraph:
    """How closely torch's autograd computes the loss and every gradient, in float64 and float32;
    or that they were not checked."""
    checked = None if check is None else check.backward
    if checked is None:
        return paragraph("These gradients were not checked against PyTorch.")
    lstm = gradients.c0 is not None
    return paragraph(
        "Checked against PyTorch ",
        quoted(checked.torch_version),
        "'s autograd: the same loss of ",
        torch_module(trace.example.network),
        " in float64, given the same parameters, inputs and ",
        "gradient at the output" if gradients.loss.kind == "grad_output" else "target",
        ", has the loss and every gradient above (of the parameters, of ",
        formula("x"),
        ", ",
        formula("h_0"),
        *when(lstm, ", ", formula("c_0")),
        ", of every ",
        formula("h_t"),
        *when(lstm, " and of every ", formula("c_t"), " through the step after it"),
        ") within ",
        _difference(checked.max_float64, numbers),
        " of the ",
        "exact float64 values, not the hand values above" if hand else "values here",
        ", and in float32 ",
        *(("it overflows",) if checked.float32_overflows else ("within ", _difference(checked.max_float32, numbers))),
        ".",
    )


# A file's own framework, and a worksheet's instructions.


def backpropagation(network: Network) -> Paragraph:
    """How backpropagation through time runs the steps, and what a δ is."""
    return paragraph(
        "Backpropagation through time takes each layer from the top",
        *when(network.bidirectional, ", and each direction"),
        ", from the last step it ran\nback to the first. ",
        formula(r"\delta_{k,t}"),
        " is the gradient of gate ",
        formula("k"),
        "'s preactivation at step ",
        formula("t"),
        ". For each step:",
    )


def layers_below(network: Network) -> tuple[Paragraph, ...]:
    """What a stacked network's layer sends to the layer below it: a sentence, none for one layer."""
    if network.num_layers == 1:
        return ()
    return (
        paragraph(
            "The gradient a layer sends to its inputs, ",
            formula(r"\partial L/\partial x_t"),
            " summed over its directions, is what the layer below receives from above.",
        ),
    )


def parameter_gradients() -> Paragraph:
    """How a parameter's gradient sums what each step contributes."""
    return paragraph(
        "Each parameter's gradient is the sum over the steps of what each step contributes: ",
        formula(r"\delta_{k,t}"),
        " times the\nstep's input ",
        formula("x_t"),
        " for ",
        formula("W_{ik}"),
        ", times ",
        formula("h_{t-1}"),
        " for ",
        formula("W_{hk}"),
        ", and itself for the biases; on the hidden\nside, the gradient of ",
        formula("W_{hk} h_{t-1} + b_{hk}"),
        ", as the equations give it.",
    )


def input_gradients() -> Paragraph:
    """What the display of the inputs' gradients holds, and in which order."""
    return paragraph(
        "The gradients of the input, a row a step, and of the initial states, a row a layer and direction",
        " in the order of ",
        formula("h_n"),
        ":",
    )


def descent(lr: str) -> Paragraph:
    """The step of gradient descent every parameter takes, with the learning rate as printed."""
    return paragraph(
        "With the learning rate ",
        formula(rf"\eta = {lr}"),
        ", every parameter takes one step against its gradient, ",
        formula(r"W \leftarrow W - \eta\, \partial L/\partial W"),
        ":",
    )


def framework_agreement(check: CheckReport | None) -> tuple[Paragraph, ...]:
    """What the Keras or ONNX file's own framework found, when it was asked."""
    if check is None or check.framework is None:
        return ()
    return (paragraph("Checked by the file's own framework: ", quoted(check.framework.line()), "."),)


def instructions(worked: bool, hand: HandPass | None, numbers: NumberFormat) -> tuple[Paragraph, ...]:
    """What a worksheet's page asks, and how its numbers are rounded when not by hand; nothing on a
    ``worked`` key, a derivation that says its rule itself."""
    if worked:
        return ()
    # The same on the key, the sheet filled in: its pages are the sheet's.
    asked = paragraph(
        "Fill in every box, a number a box: each bracket is a vector (or a matrix) of the shape shown.",
        *when(
            hand,
            "\nWork from the printed numbers and round each result as you go, as the hand arithmetic below"
            " says: then every digit of yours can match the key's.",
        ),
    )
    rounded = paragraph(
        f"The numbers are rounded to {places(numbers.precision)} for display;"
        " each was computed from the unrounded values before it."
    )
    return (asked,) if hand else (asked, rounded)


# What the templates call, as prose.<name>(...).
SENTENCES: dict[str, Callable[..., Any]] = {
    function.__name__: function
    for function in (
        follows_torch,
        stacking,
        hand_rule,
        torch_parameters,
        left_out,
        states_in_rows,
        torch_returns,
        rounding,
        forward_agreement,
        loss_compared,
        output_columns,
        backward_agreement,
        framework_agreement,
        instructions,
    )
}
