"""The Jinja environment: LaTeX-safe delimiters, the formatting filters, template lookup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from .cells import CELLS
from .check import CheckReport
from .errors import RenderError
from .latex import NumberFormat, escape_latex
from .model import Array, DirectionTrace, Trace

TEMPLATES = Path(__file__).parent / "templates"  # the top-level templates/, shipped in the package

# After Okabe and Ito: told apart by colour-blind readers, and dark enough to print.
GATE_COLORS = {
    "i": "0072B2",
    "f": "D55E00",
    "g": "009E73",
    "o": "8E3B8E",
    "r": "D55E00",
    "z": "0072B2",
    "n": "009E73",
    "h": "0072B2",
}


@dataclass(frozen=True)
class Style:
    numbers: NumberFormat = NumberFormat()
    color: bool = True


def render(
    trace: Trace,
    template: str = "document",
    *,
    style: Style = Style(),
    title: str | None = None,
    template_dir: Path | None = None,
    check: CheckReport | None = None,
) -> str:
    """The derivation of ``trace`` as text, from the template named ``template``.

    ``check``, the torch cross-check's report, is stated in the results; None says it was not checked.
    """
    env = _environment(style, template_dir)
    try:
        compiled = env.get_template(_file_name(template))
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"no template named {template!r} ({error.message})") from None
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"template {error.filename}, line {error.lineno}: {error.message}") from None
    network = trace.example.network
    try:
        text = compiled.render(
            trace=trace,
            network=network,
            cell=CELLS[network.cell],
            inputs=trace.example.inputs,
            directions=[_labelled(d, network.num_layers, network.bidirectional) for d in trace.directions],
            plain=LabelledDirection(trace.directions[0], "", ""),
            gate_colors=GATE_COLORS,
            title=title or f"A worked {CELLS[network.cell].title} forward pass",
            style=style,
            check=check,
            matrix_columns=max(
                style.numbers.columns_shown(n)
                for n in (network.input_size, network.output_size, network.hidden_size, 1)
            ),
        )
    except jinja2.UndefinedError as error:
        raise RenderError(f"template {template!r}: {error.message}") from None
    finally:
        env.filters["mat"].forget()
    return text


def _file_name(template: str) -> str:
    return template if template.endswith(".j2") else f"{template}.tex.j2"


@dataclass(frozen=True)
class LabelledDirection:
    """A direction's trace with the words and superscripts documents name it by."""

    trace: DirectionTrace
    heading: str  # "Layer 1, reverse direction"; empty for a single forward layer
    sup: str  # LaTeX superscript for its symbols: "", "^{(1)}", "^{(0)\leftarrow}", ...

    @property
    def prev_symbol(self) -> str:
        """The index of the state a step reads, in the symbolic equations."""
        return "t+1" if self.trace.params.reverse else "t-1"

    def prev(self, t: int) -> int:
        """The index of the state step ``t`` reads: h_{T+1} is a reverse direction's initial state."""
        return t + 1 if self.trace.params.reverse else t - 1


def _labelled(trace: DirectionTrace, num_layers: int, bidirectional: bool) -> LabelledDirection:
    params = trace.params
    parts, marks = [], ""
    if num_layers > 1:
        parts.append(f"Layer {params.layer}")
        marks += f"({params.layer})"
    if bidirectional:
        parts.append("reverse direction" if params.reverse else "forward direction")
        marks += r"\leftarrow" if params.reverse else r"\rightarrow"
    return LabelledDirection(trace, ", ".join(parts), f"^{{{marks}}}" if marks else "")


@lru_cache(maxsize=8)
def _environment(style: Style, template_dir: Path | None) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [] if template_dir is None else [jinja2.FileSystemLoader(template_dir)]
    loaders += [jinja2.PrefixLoader({"default": builtin}, delimiter=":"), builtin]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(_filters(style))
    return env


class _MatrixFilter:
    """NumberFormat.matrix, remembering each array's text for one render: the same weights
    appear at every step. Entries hold the array itself, so an id is never reused meanwhile."""

    def __init__(self, numbers: NumberFormat) -> None:
        self._numbers = numbers
        self._shown: dict[int, tuple[Array, str]] = {}

    def __call__(self, array: Array) -> str:
        entry = self._shown.get(id(array))
        if entry is None or entry[0] is not array:
            entry = self._shown[id(array)] = (array, self._numbers.matrix(array))
        return entry[1]

    def forget(self) -> None:
        self._shown.clear()


def _filters(style: Style) -> dict[str, Any]:
    def paint(text: str, gate: str) -> str:
        return rf"\textcolor{{lstmlatex{gate}}}{{{text}}}" if style.color else text

    return {"num": style.numbers.number, "mat": _MatrixFilter(style.numbers), "tex": escape_latex, "paint": paint}
