"""How the records show themselves in Jupyter (their ``_repr_markdown_``): an example as its
network's sizes, a trace as its derivation in Markdown with $$ math. torch is imported for neither."""

from __future__ import annotations

from .cells import CELLS, Step
from .errors import LstmLatexError
from .latex import escape_markdown
from .model import Example, Trace
from .pipeline import MAX_STEPS, of_trace
from .render import render
from .selection import Selection


def example_markdown(example: Example) -> str:
    """``example``'s network, its sizes listed as the derivation lists them."""
    network, loss = example.network, example.inputs.loss
    rows: list[tuple[str, object]] = [("input size", network.input_size), ("hidden size", network.hidden_size)]
    rows += [("projection size", network.proj_size)] if network.proj_size else []
    rows += [("layers", network.num_layers), ("directions", network.num_directions)]
    rows += [("biases", "yes" if network.bias else "no"), ("steps T", example.inputs.x.shape[0])]
    if loss is not None:
        rows.append(("backward pass", "from grad_output" if loss.kind == "grad_output" else f"{loss.kind} loss"))
    cell = CELLS[network.cell]
    lines = [f"**A `torch.nn.{cell.torch_class}` ({cell.title}) from {escape_markdown(example.source)}**", ""]
    lines += [*(f"- {name}: {value}" for name, value in rows), ""]  # a list, as partials/markup.md.j2's table
    lines.append("`lstm_latex.forward(example)` computes its trace, which shows the derivation.")
    return "\n".join(lines) + "\n"


def trace_markdown(trace: Trace[Step]) -> str:
    """The derivation of ``trace`` in Markdown. A trace of more step blocks than a document holds
    (MAX_STEPS) shows each direction's first steps, which the derivation says, and names the call
    that writes them all; showing never raises."""
    seq_len, count = trace.example.inputs.x.shape[0], len(trace.directions)
    try:
        derivation = of_trace(trace)
        if seq_len * count <= MAX_STEPS:
            return render(derivation, "markdown")
        first = Selection(first_steps=max(1, MAX_STEPS // count))
        text = render(derivation, "markdown", selection=first, max_steps=max(MAX_STEPS, count))
    except LstmLatexError as error:
        return f"*This trace cannot be shown: {escape_markdown(str(error))}*\n"
    note = '> Too long to show whole: `lstm_latex.render(trace, "markdown", max_steps=0)` writes every step.'
    return f"{note}\n\n{text}"
