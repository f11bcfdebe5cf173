"""The Jinja environment: LaTeX-safe delimiters, the formatting filters, template lookup."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from ._version import __version__
from .cells import CELLS, Step
from .errors import RenderError
from .latex import NumberFormat, escape_latex, escape_markdown
from .model import Array, DirectionTrace, Example, Trace

if TYPE_CHECKING:
    from .check import CheckReport

TEMPLATES = Path(__file__).parent / "templates"  # the top-level templates/, shipped in the package

# One colour a gate letter, the same in every cell that has it (see cells.GateKind).
GATE_COLORS = {gate.name: gate.color for cell in CELLS.values() for gate in cell.gates}


MAX_STEPS = 100  # step blocks: about 250 pages for a small LSTM, already more than anyone checks by hand


@dataclass(frozen=True)
class Style:
    """How a derivation looks in any format: its numbers, and whether each gate has a colour."""

    numbers: NumberFormat = NumberFormat()
    color: bool = True


def render(
    trace: Trace[Step],
    template: str = "document",
    *,
    style: Style = Style(),
    title: str | None = None,
    template_dir: Path | None = None,
    check: CheckReport | None = None,
    progress: Callable[[], None] | None = None,
    max_steps: int = MAX_STEPS,
) -> str:
    """The derivation of ``trace`` as text, from the template named ``template``: a built-in
    one (document, snippet, beamer, markdown), or a file of ``template_dir`` (``NAME.tex.j2``
    or ``NAME.md.j2``), which may extend a built-in one as ``default:document.tex.j2``.
    A ``.md.j2`` template gets the Markdown filters: portable matrices and colours in hex.

    ``check``, the torch cross-check's report, is stated in the results; None says it was not checked.
    ``progress`` is called once for each step the derivation shows.
    Refuses (RenderError) a document of more than ``max_steps`` step blocks; 0 means no limit.
    """
    check_size(trace.example, max_steps)
    names = [template] if template.endswith(".j2") else [f"{template}.tex.j2", f"{template}.md.j2"]
    try:
        found = _find(template_dir, names)
        env = _environment(style, template_dir, found.endswith(".md.j2"))
        compiled = env.get_template(found)
    except jinja2.TemplateNotFound:
        raise RenderError(f"no template named {template!r} (looked for {' and '.join(names)})") from None
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"template {error.filename}, line {error.lineno}: {error.message}") from None
    network = trace.example.network
    try:
        text = compiled.render(
            trace=trace,
            network=network,
            cell=CELLS[network.cell],
            inputs=trace.example.inputs,
            directions=[_labelled(d, network.num_layers, network.bidirectional, progress) for d in trace.directions],
            plain=LabelledDirection(trace.directions[0], "", ""),
            title=title or f"A worked {CELLS[network.cell].title} forward pass",
            style=style,
            check=check,
            matrix_columns=max(
                style.numbers.columns_shown(n)
                for n in (network.input_size, network.output_size, network.hidden_size, 1)
            ),
        )
    except jinja2.TemplateError as error:  # an undefined variable among them
        raise RenderError(f"template {template!r}: {error.message}") from None
    finally:
        env.filters["mat"].forget()
    return text


def _find(template_dir: Path | None, names: list[str]) -> str:
    """The first of ``names`` that exists, the user's directory before the built-in templates."""
    for name in names:
        if (template_dir is not None and (template_dir / name).is_file()) or (TEMPLATES / name).is_file():
            return name
    if names[0].startswith("default:"):
        return names[0]  # the PrefixLoader finds it, or says it is not there
    raise jinja2.TemplateNotFound(names[0])


def check_size(example: Example, max_steps: int = MAX_STEPS) -> None:
    """Refuse a document with more than ``max_steps`` step blocks (T x layers x directions),
    before it takes minutes and gigabytes; 0 means no limit."""
    network, seq_len = example.network, example.inputs.x.shape[0]
    blocks = seq_len * network.num_layers * network.num_directions
    if 0 < max_steps < blocks:
        raise RenderError(
            f"the document would have {blocks} step blocks (T = {seq_len} x {network.num_layers} layer(s)"
            f" x {network.num_directions} direction(s)), more than the limit of {max_steps}:"
            f" pass --max-steps {blocks} (max_steps= in Python) to render it anyway"
        )


@dataclass(frozen=True)
class LabelledDirection:
    """A direction's trace with the words and superscripts documents name it by."""

    trace: DirectionTrace[Step]
    heading: str  # "Layer 1, reverse direction"; empty for a single forward layer
    sup: str  # LaTeX superscript for its symbols: "", "^{(1)}", "^{(0)\leftarrow}", ...
    on_step: Callable[[], None] | None = None  # told of each step a template shows

    @property
    def steps(self) -> Iterator[Step]:
        """The steps in the order they run, telling ``on_step`` of each as a template reaches it."""
        for step in self.trace.steps:
            yield step
            if self.on_step is not None:
                self.on_step()

    @property
    def prev_symbol(self) -> str:
        """The index of the state a step reads, in the symbolic equations."""
        return "t+1" if self.trace.params.reverse else "t-1"

    def prev(self, t: int) -> int:
        """The index of the state step ``t`` reads: h_{T+1} is a reverse direction's initial state."""
        return t + 1 if self.trace.params.reverse else t - 1


def _labelled(
    trace: DirectionTrace[Step], num_layers: int, bidirectional: bool, on_step: Callable[[], None] | None
) -> LabelledDirection:
    params = trace.params
    parts, marks = [], ""
    if num_layers > 1:
        parts.append(f"Layer {params.layer}")
        marks += f"({params.layer})"
    if bidirectional:
        parts.append("reverse direction" if params.reverse else "forward direction")
        marks += r"\leftarrow" if params.reverse else r"\rightarrow"
    return LabelledDirection(trace, ", ".join(parts), f"^{{{marks}}}" if marks else "", on_step)


@lru_cache(maxsize=8)
def _environment(style: Style, template_dir: Path | None, markdown: bool) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [] if template_dir is None else [jinja2.FileSystemLoader(template_dir)]
    loaders += [jinja2.PrefixLoader({"default": builtin}, delimiter=":"), builtin]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
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
    env.filters.update(_filters(style, markdown))
    # What a template may set: the markup its parts are written in (markup.<name>.j2), and how
    # many digit widths a display line takes before a chain breaks (an A4 article's default).
    env.globals.update(markup="tex", line_width=80, wrap=_wrap, fits=_fits)
    return env


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that is only ever an optimisation: a file it cannot read or write is passed over."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs in the user's cache directory, as Python keeps .pyc
    files: compiling them is most of a small render's time. Jinja checks each entry against the
    template's source, so an edited template is compiled afresh."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "lstm-latex" / f"templates-{__version__}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(directory))


class _MatrixFilter:
    """NumberFormat.matrix, remembering each array's text for one render: the same weights
    appear at every step. Entries hold the array itself, so an id is never reused meanwhile."""

    def __init__(self, numbers: NumberFormat, portable: bool) -> None:
        self.numbers = numbers
        self._portable = portable
        self._shown: dict[int, tuple[Array, str, float]] = {}

    def __call__(self, array: Array) -> str:
        return self._entry(array)[1]

    def width(self, array: Array) -> float:
        """The width NumberFormat.layout gives, remembered with the text."""
        return self._entry(array)[2]

    def _entry(self, array: Array) -> tuple[Array, str, float]:
        entry = self._shown.get(id(array))
        if entry is None or entry[0] is not array:
            text, width = self.numbers.layout(array, portable=self._portable)
            entry = self._shown[id(array)] = (array, text, width)
        return entry

    def forget(self) -> None:
        self._shown.clear()


def _filters(style: Style, markdown: bool) -> dict[str, Any]:
    def paint(text: str, gate: str) -> str:
        if not style.color:
            return text
        # KaTeX and MathJax know no \definecolor: a web page gets the colour itself.
        color = f"#{GATE_COLORS[gate]}" if markdown else f"lstmlatex{gate}"
        return rf"\textcolor{{{color}}}{{{text}}}"

    return {
        "num": style.numbers.number,
        "mat": _MatrixFilter(style.numbers, portable=markdown),
        "tex": escape_latex,
        "text": escape_markdown if markdown else escape_latex,
        "paint": paint,
    }


_INDENT = 2  # a continued line's \\quad, in digit widths
_SYMBOL = 2  # an operator such as \\odot between two factors, in digit widths
# A term: an operator ("+", "=", "" for none), then its factors side by side: arrays, arrays
# painted in a gate's colour as (array, gate), or LaTeX symbols such as "\\odot".
Term = Sequence[Any]


@jinja2.pass_context
def _wrap(context: jinja2.runtime.Context, terms: Sequence[Term], extra: float = 0) -> list[str]:
    """Terms of a chain as lines that fit ``line_width`` less ``extra`` digit widths; a term
    with a None factor (no bias) is left out."""
    matrix: _MatrixFilter = context.environment.filters["mat"]
    paint = context.environment.filters["paint"]
    budget = float(context.get("line_width", 80)) - extra
    lines: list[str] = []
    used = 0.0
    for operator, *factors in terms:
        if any(f is None for f in factors):
            continue
        width, parts = (2.0 if operator else 0.0), [operator]
        for factor in factors:
            if isinstance(factor, str):
                width, text = width + _SYMBOL, factor
            else:
                array, gate = factor if isinstance(factor, (list, tuple)) else (factor, None)
                width += matrix.width(array) + 1
                text = matrix(array) if gate is None else paint(matrix(array), gate)
            parts.append(text)
        text = " ".join(parts).strip()
        if not lines or used + width > budget:
            lines.append(text)
            used = width + (_INDENT if len(lines) > 1 else 0)
        else:
            lines[-1] += " " + text
            used += width
    return lines


@jinja2.pass_context
def _fits(context: jinja2.runtime.Context, *arrays: Array | None, extra: float = 0) -> bool:
    """Whether ``arrays`` fit side by side on one display line, with ``extra`` digit widths
    of symbols beside them."""
    matrix: _MatrixFilter = context.environment.filters["mat"]
    used = sum(matrix.width(a) + 1 for a in arrays if a is not None)
    return used + extra <= float(context.get("line_width", 80))
