"""The command line: parse options, run the pipeline, turn its errors into one-line messages."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from . import __version__
from .cells import CELLS
from .errors import InputError, LstmLatexError, RenderError
from .generate import MAX_DECIMALS, MAX_LAYERS, MAX_SIZE, NetworkSpec
from .golden import DTYPES, MAX_VALUES, encode, golden_batch, golden_vectors
from .golden import FORMATS as GOLDEN_FORMATS
from .hosts import CLASSES
from .hosts import host as host_named
from .json_text import BYTES_PER_NUMBER
from .latex import NumberFormat
from .layout import HEADING_LEVELS, WIDTH_PRESETS, HeadingLevel, text_width
from .loaders import (
    Source,
    load,
    load_every_sequence,
    load_network,
    read_stream,
    resolve_inputs,
    said_of,
)
from .model import LOSSES, Example, Network
from .output_formats import FORMATS, LATEX, OutputFormat, named_by
from .pipeline import MAX_STEPS, Derivation, derive
from .render import Style, render
from .selection import EVERYTHING, PARTS, Indices, Selection
from .slides import ASPECTS, THEMES, Deck, FrameSize
from .values import MAX_NUMBERS
from .view import BLANKS, Blank
from .view.records import KEYS, MAX_VARIANTS, PAPERS, WORKSHEET_FORMATS, WORKSHEET_PARTS, Key, Paper

if TYPE_CHECKING:
    from .worksheet import Variant

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LstmLatexError as error:
            raise click.ClickException(str(error)) from None


_HELP = {"help_option_names": ["-h", "--help"]}
_version = click.version_option(__version__, "--version", prog_name="lstm-latex")


def _command(name: str) -> Callable[[F], F]:
    """A subcommand with -h/--help and --version, like the group."""

    def decorate(function: F) -> F:
        return main.command(name, context_settings=_HELP)(_version(function))  # type: ignore[return-value]

    return decorate


@click.group(cls=_Group, context_settings=_HELP)
@_version
def main() -> None:
    """Turn a recurrent network's weights into a step-by-step derivation you can check by hand."""


# A slide shows a dimension of at most 4 whole (else 3: the first, dots, the last): a gate's chain
# of such vectors is a frame or two at 8pt.
SLIDES = ("beamer", "frames")
SLIDE_MAX_SIZE = 4

_MAX_NUMBERS_KEY = "lstm_latex.max_numbers"
_BATCH_KEY = "lstm_latex.batch"  # --batch-index and --batch-first/--time-major, read where the inputs are
_LAYER_KEY = "lstm_latex.layer"
_file = click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
_output = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically) instead of to stdout."
)


def _source_options(function: F) -> F:
    """--inputs, --prefix and --cell: what a .pt state_dict does not say by itself; --layer, a Keras or
    ONNX file's; --max-numbers; and which sequence of a batch of inputs."""
    function = click.option(
        "--batch-index",
        type=click.IntRange(min=0),
        expose_value=False,
        callback=_batch_setting,
        help="The sequence to derive when x holds a batch (B, T, I) (needless for a batch of one).",
    )(function)
    function = click.option(
        "--batch-first/--time-major",
        default=None,
        expose_value=False,
        callback=_batch_setting,
        help="Whether a batch of inputs is (B, T, I) or (T, B, I), as torch's batch_first says."
        "  [default: batch-first]",
    )(function)
    function = click.option(
        "--max-numbers",
        type=click.IntRange(min=1),
        default=MAX_NUMBERS,
        show_default=True,
        expose_value=False,
        callback=lambda ctx, param, value: ctx.meta.__setitem__(_MAX_NUMBERS_KEY, value),
        help=f"Refuse a network or inputs of more numbers, and files larger than {BYTES_PER_NUMBER} bytes a number.",
    )(function)
    function = click.option(
        "--layer",
        metavar="NAME",
        expose_value=False,
        callback=lambda ctx, param, value: ctx.meta.__setitem__(_LAYER_KEY, value),
        help="The recurrent layer (node) to use in a Keras or ONNX file (default: the only one there is).",
    )(function)
    function = click.option(
        "--cell",
        type=click.Choice(list(CELLS)),
        help="The cell type, where a .pt file's shapes leave it open (default: inferred from the shapes).",
    )(function)
    function = click.option(
        "--prefix",
        metavar="PREFIX",
        help="The recurrent module to use in a larger model's state_dict, e.g. encoder.lstm"
        " (default: the only one there is).",
    )(function)
    return click.option(
        "--inputs",
        type=click.Path(dir_okay=False),
        help="The inputs for a state_dict, or to replace a JSON file's: JSON with x, h0, c0 (h0, c0 optional),"
        " a .npy (x) or .npz file, or a .pt file of a tensor (x) or a dict of them.",
    )(function)


def _batch_setting(ctx: click.Context, param: click.Parameter, value: object) -> None:
    ctx.meta.setdefault(_BATCH_KEY, {})[str(param.name)] = value


def _width(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--width: a preset or a TeX length, refused as a usage error naming the forms; a length of
    the host's (0.9\\textwidth) is measured, or refused, with --host's class when rendering."""
    if value is not None and "\\" not in value:
        try:
            text_width(value)
        except RenderError as error:
            raise click.BadParameter(str(error), ctx, param) from None
    return value


def _deck(theme: str, aspect: str | None, size: FrameSize | None) -> Deck:
    """The deck of --theme, --aspect, --frame-width and --frame-height, or a usage error saying what is wrong."""
    if size is None and theme not in THEMES:
        raise click.UsageError(
            f"--theme {theme} is not measured: use one of {', '.join(THEMES)},"
            " or give the size of its frame with --frame-width and --frame-height"
        )
    try:
        return Deck(theme, aspect, size)
    except RenderError as error:
        raise click.UsageError(f"--theme: {error}") from None


def _theme(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--theme: a theme measured (FRAMES), in any case, as it is named; else as given, for a deck
    whose frame --frame-width and --frame-height say."""
    if value is None:
        return None
    return next((theme for theme in THEMES if theme.lower() == value.lower()), value)


def _host(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--host: a class the table has, with options it knows, else a usage error saying which."""
    if value is not None:
        try:
            host_named(value)
        except RenderError as error:
            raise click.BadParameter(str(error), ctx, param) from None
    return value


def _indices(ctx: click.Context, param: click.Parameter, value: str | None) -> Indices | None:
    """--steps and --layers: numbers and ranges, 1,3-4; a mistake in how they are written is a usage error."""
    try:
        return None if value is None else Indices.parse(value)
    except LstmLatexError as error:
        raise click.BadParameter(str(error)) from None


def _names(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """--directions, --gates and --part: names separated by commas."""
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(","))
    if "" in names:
        raise click.BadParameter(f"{value!r} has an empty name: separate names by one comma, as f,o")
    return names


def _selection(verb: str, parts: Sequence[str], layers: str = "layers") -> Callable[[F], F]:
    """--steps, --layers (its value named ``layers``), --directions, --gates and --part: what a
    document shows (``verb`` Show) or a worksheet asks (Ask), of its ``parts``."""
    gates = "i,f,g,o (LSTM), r,z,n (GRU), h (RNN)"

    def options(function: F) -> F:
        for name, dest, callback, text in reversed(
            [
                ("--steps", "steps", _indices, f"{verb} only these steps t: 1,3-4 (1-based, ranges inclusive)."),
                ("--layers", layers, _indices, f"{verb} only these layers: 0 or 0-1 (0-based, as torch's _l0)."),
                ("--directions", "directions", _names, f"{verb} only these directions: forward, reverse or both."),
                ("--gates", "gates", _names, f"{verb} only these gates, by torch's letters: {gates}."),
                ("--part", "part", _names, f"{verb} only these parts: {','.join(parts)}."),
            ]
        ):
            function = click.option(name, dest, callback=callback, metavar="LIST", help=text)(function)
        return function

    return options


_selection_options = _selection("Show", PARTS)


_check = click.option(
    "--check/--no-check",
    default=None,
    help="Compare every state with torch; --check fails without torch.  [default: when torch is installed]",
)
_hand = click.option(
    "--hand",
    is_flag=True,
    help="Hand arithmetic: each value rounded to --precision decimals as it is computed, from the rounded"
    " values before it, so that every printed digit follows from the printed numbers (the torch check"
    " is of the exact values).",
)


# The extensions of -o that name each format but LaTeX's, for --format's help: ".md, .markdown: markdown".
_EXTENSIONS = "; ".join(f"{', '.join(f.extensions)}: {f.name}" for f in FORMATS.values() if f is not LATEX)


@_command("render")
@_file
@_output
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(FORMATS)),
    help=f"{', or '.join(f.help for f in FORMATS.values())}.  [default: from -o's extension"
    f" ({_EXTENSIONS}; .pdf: compiled LaTeX), else the template's]",
)
@click.option(
    "--template",
    help="document (default), snippet, beamer or frames; markdown or markdown-snippet for Markdown; or a NAME.",
)
@click.option(
    "--template-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Look for templates here first; extend a built-in one as default:document.tex.j2.",
)
@click.option("--precision", type=click.IntRange(0, 12), help=f"Decimals shown (default {NumberFormat.precision}).")
@click.option("--sig", type=click.IntRange(1, 17), help="Significant digits shown, instead of --precision.")
@click.option(
    "--max-size",
    type=click.IntRange(3, 64),
    help=f"Elide a longer dimension with dots (and a wider matrix further, to fit --width).  [default:"
    f" {NumberFormat.max_size}; {SLIDE_MAX_SIZE} for beamer and frames]",
)
@click.option("--color/--no-color", default=True, show_default=True, help="A colour per gate (--no-color for print).")
@click.option(
    "--compile", "compile_", is_flag=True, help="Also write the PDF beside the -o file (latexmk or pdflatex)."
)
@_hand
@_source_options
@_check
@click.option(
    "--title",
    help="The document's title, or the first heading of a snippet or frames (printed literally: LaTeX's"
    " special characters are escaped).",
)
@click.option(
    "--heading-level",
    type=click.Choice(HEADING_LEVELS),
    help="The level of the derivation's top headings, the rest below them; none: no sectioning commands"
    "  [default: section; subsection for snippet, frames and markdown-snippet]",
)
@click.option(
    "--width",
    metavar="WIDTH",
    callback=_width,
    help=f"The text width to fit: {', '.join(WIDTH_PRESETS)}, or a length such as 8.5cm or 345pt."
    " With --host, also a length of the host's: 0.9\\textwidth, \\linewidth, \\columnwidth."
    "  [default: --host's \\linewidth, else the template's own: document an A4 page, snippet a4,"
    " beamer and frames a frame of --theme and --aspect]",
)
@click.option(
    "--host",
    metavar="CLASS[,OPTION...]",
    callback=_host,
    help="The document the snippet goes into, as its \\documentclass: its class and options, such as"
    " memoir,11pt,a4paper or article,twocolumn: the width to fit and the font it is measured in, and"
    f" its sectioning commands. Classes: {', '.join(CLASSES)}.",
)
@click.option(
    "--theme",
    metavar="NAME",
    callback=_theme,
    help="The beamer theme of the deck the slides are for: beamer writes it, frames fit its frames."
    f" Measured: {', '.join(THEMES)}; another with --frame-width and --frame-height.  [default: default]",
)
@click.option(
    "--aspect",
    type=click.Choice(list(ASPECTS)),
    help="The aspect ratio of the deck the slides are for.  [default: 16:9 for beamer, 4:3 for frames]",
)
@click.option(
    "--frame-width",
    type=click.FloatRange(min=100, max=2000),
    metavar="PT",
    help="With --frame-height: the deck's frame, as measured (README, Slides), for a theme not measured:"
    " its text width in points.",
)
@click.option(
    "--frame-height",
    type=click.FloatRange(min=50, max=2000),
    metavar="PT",
    help="With --frame-width: the height in points of a frame's body below a title of two lines.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(min=0),
    default=MAX_STEPS,
    show_default=True,
    help="Refuse documents of more step blocks (T x layers x directions shown); 0: no limit.",
)
@_selection_options
def render_(
    file: str,
    output: str | None,
    output_format: OutputFormat | None,
    template: str | None,
    template_dir: Path | None,
    precision: int | None,
    sig: int | None,
    max_size: int | None,
    color: bool,
    compile_: bool,
    hand: bool,
    inputs: str | None,
    prefix: str | None,
    cell: str | None,
    check: bool | None,
    title: str | None,
    heading_level: HeadingLevel | None,
    width: str | None,
    host: str | None,
    theme: str | None,
    aspect: str | None,
    frame_width: float | None,
    frame_height: float | None,
    max_steps: int,
    steps: Indices | None,
    layers: Indices | None,
    directions: tuple[str, ...] | None,
    gates: tuple[str, ...] | None,
    part: tuple[str, ...] | None,
) -> None:
    """Render the derivation of FILE (JSON weights and inputs, a .pt/.pth state_dict, or - for stdin)
    as LaTeX or Markdown."""
    if precision is not None and sig is not None:
        raise click.ClickException("--precision and --sig exclude each other: give one of them")
    if hand and sig is not None:
        raise click.ClickException("--hand works to --precision decimals, not to --sig significant digits")
    output_format, pdf = _output_format(output, output_format)
    if compile_ and not pdf and (output is None or output_format not in (None, "latex") or not output.endswith(".tex")):
        raise click.ClickException("--compile needs -o FILE.tex and LaTeX output, to write the PDF beside it")
    name = template or FORMATS[output_format or "latex"].document
    if (theme or aspect) and name not in SLIDES and template_dir is None:
        raise click.ClickException("--theme and --aspect say the deck of slides: give --template beamer or frames")
    if (frame_width is None) != (frame_height is None):
        raise click.ClickException("--frame-width and --frame-height say the deck's frame together: give both")
    size = None if frame_width is None or frame_height is None else FrameSize(frame_width, frame_height)
    if size is not None and name not in SLIDES and template_dir is None:
        raise click.ClickException(
            "--frame-width and --frame-height say the deck's frame: give --template beamer or frames"
        )
    deck = _deck(theme or "default", aspect, size)
    if max_size is None:
        max_size = SLIDE_MAX_SIZE if name in SLIDES else NumberFormat.max_size
    numbers = NumberFormat(
        precision=NumberFormat.precision if precision is None else precision, significant=sig, max_size=max_size
    )
    if width is not None and "\\" in width:  # a length of the host's: measured with its class, or a usage error
        try:
            text_width(width, None if host is None else host_named(host))
        except RenderError as error:
            raise click.BadParameter(str(error), param_hint="'--width'") from None
    example = _load(file, inputs, prefix, cell)
    selection = Selection(steps, layers, directions, gates, part)
    derivation = _derive(example, check, numbers.precision if hand else None, selection, max_steps)
    with _progress("rendering", example, selection) as tick:
        text = render(
            derivation,
            name,
            style=Style(numbers, color),
            title=title,
            template_dir=template_dir,
            progress=tick,
            max_steps=max_steps,
            output_format=output_format,
            heading_level=heading_level,
            selection=selection,
            width=width,
            host=host,
            deck=deck,
        )
    if pdf and output is not None:
        from .compile import compile_text  # subprocess and friends: only when asked to compile

        compile_text(text, Path(output), _warn)
        return
    _write(text, output)
    if compile_ and output is not None:
        from .compile import compile_pdf

        compile_pdf(Path(output), _warn)


def _warn(message: str) -> None:
    """A warning of --compile's LaTeX run, on stderr."""
    click.echo(f"Warning: {message}", err=True)


def _output_format(output: str | None, given: OutputFormat | None) -> tuple[OutputFormat | None, bool]:
    """The format to render, from --format or else -o's extension (None when neither says: the
    template's own), and whether to compile it to a PDF (-o FILE.pdf). A --format the extension
    contradicts is a usage error."""
    suffix = Path(output).suffix.lower() if output else ""
    named = LATEX if suffix == ".pdf" else named_by(suffix)
    if given is not None and named is not None and given != named.name:
        kind = "a PDF" if suffix == ".pdf" else f"a {named.title}"
        raise click.UsageError(
            f"-o {output} names {kind} file, but --format is {given}:"
            f" leave --format out, or name a {FORMATS[given].extensions[0]} file"
        )
    return given or (named.name if named else None), suffix == ".pdf"


@_command("trace")
@_file
@_output
@_hand
@click.option(
    "--precision",
    type=click.IntRange(0, 12),
    help=f"The decimals of --hand (default {NumberFormat.precision}).",
)
@_source_options
@_check
@click.option("--all-batch", is_flag=True, help="Trace every sequence of a batch of inputs: a JSON array of traces.")
def trace(
    file: str,
    output: str | None,
    hand: bool,
    precision: int | None,
    inputs: str | None,
    prefix: str | None,
    cell: str | None,
    check: bool | None,
    all_batch: bool,
) -> None:
    """Print every intermediate of FILE's forward pass (and, with a target or grad_output, of its backward
    pass) as JSON: golden vectors, with the torch check's result; with --hand, the values of hand arithmetic."""
    if precision is not None and not hand:
        raise click.ClickException("--precision sets the decimals of --hand: give --hand too")
    decimals = NumberFormat.precision if precision is None else precision
    from .serialize import trace_to_json

    if all_batch:
        batch = _batch()
        if batch.pop("batch_index") is not None:
            raise click.UsageError("--all-batch traces every sequence; --batch-index chooses one: give one of them")
        source, where = _source(file)
        examples = load_every_sequence(source, **_reading(inputs, prefix, cell, where), **batch)
        _write(_every_trace(examples, check, decimals if hand else None), output)
        return
    derivation = _derive(_load(file, inputs, prefix, cell), check, decimals if hand else None)
    _write(trace_to_json(derivation.trace, derivation.check, derivation.gradients, derivation.hand), output)


def _every_trace(examples: list[Example], check: bool | None, hand_decimals: int | None) -> Iterator[str]:
    """trace's JSON of each example, in a JSON array."""
    from .serialize import trace_to_json

    yield "["
    for k, example in enumerate(examples):
        yield ",\n" if k else "\n"
        derivation = _derive(example, check, hand_decimals)
        yield from trace_to_json(derivation.trace, derivation.check, derivation.gradients, derivation.hand)
    yield "]\n"


@_command("check")
@_file
@_source_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the differences as JSON, with torch's version, not as a table."
)
def check_(file: str, inputs: str | None, prefix: str | None, cell: str | None, as_json: bool) -> None:
    """Compare FILE's forward pass (and, with a target or grad_output, every gradient of its backward pass)
    with torch: the largest absolute difference of every quantity (exit 1 if any exceeds its tolerance,
    1e-10 + 1e-12·|value|, in float64)."""
    from .check import cross_check

    derivation = _derive(_load(file, inputs, prefix, cell), check=False)
    report = cross_check(derivation.trace, derivation.gradients)
    if as_json:
        from .serialize import check_to_dict, encode_json

        click.echo(encode_json(check_to_dict(report)))
    else:
        click.echo(report.table())
    report.require_agreement()


@_command("export")
@_file
@_output
@_source_options
@click.option("--round", "decimals", type=click.IntRange(0, 17), help="Round every number to N decimals.")
def export(
    file: str, output: str | None, inputs: str | None, prefix: str | None, cell: str | None, decimals: int | None
) -> None:
    """Write FILE's weights (and inputs, when it has or is given some) in lstm-latex's JSON format."""
    network, own_inputs, where = _load_network(file, prefix, cell)
    given = (
        resolve_inputs(network, own_inputs, inputs, where, max_numbers=_max_numbers(), **_batch())
        if inputs is not None or own_inputs
        else None
    )
    from .serialize import network_to_json

    _write(network_to_json(network, given, decimals), output)


PROGRESS_FROM = 500  # steps (T x layers x directions): shorter runs end before a bar could be read


@contextmanager
def _progress(label: str, example: Example, selection: Selection | None = None) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr for a long run, and only when stderr is a terminal: a callback
    to call once a step (of those ``selection`` shows, when rendering), or None."""
    if selection is None:
        total = example.inputs.x.shape[0] * len(example.network.directions)
    else:
        steps, layers, directions = selection.blocks(example)
        total = steps * layers * directions
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, update_min_steps=total // 100) as bar:
        yield lambda: bar.update(1)


def _derive(
    example: Example,
    check: bool | None,
    hand_decimals: int | None = None,
    selection: Selection = EVERYTHING,
    max_steps: int = 0,
) -> Derivation:
    """derive(example), with a progress bar for a long forward pass; a document too long for
    ``max_steps`` is refused before anything is computed."""
    with _progress("tracing", example) as tick:
        return derive(example, hand=hand_decimals, check=check, selection=selection, max_steps=max_steps, progress=tick)


def _source(file: str) -> tuple[Source, str | None]:
    """FILE as the loaders take it, and its name for messages: - is a file (JSON or torch's) on stdin."""
    if file != "-":
        return file, None
    if sys.stdin is None:  # started with stdin closed (<&-)
        raise InputError("cannot read the file: stdin is closed", "<stdin>")
    with said_of("<stdin>"):
        return read_stream(sys.stdin.buffer, _max_numbers()), "<stdin>"


def _load_network(file: str, prefix: str | None, cell: str | None) -> tuple[Network, Any, str]:
    source, where = _source(file)
    return load_network(source, prefix=prefix, cell=cell, where=where, max_numbers=_max_numbers(), layer=_layer())


def _load(file: str, inputs: str | None, prefix: str | None, cell: str | None) -> Example:
    source, where = _source(file)
    return load(source, **_reading(inputs, prefix, cell, where), **_batch())


def _reading(inputs: str | None, prefix: str | None, cell: str | None, where: str | None) -> dict[str, Any]:
    """What the loaders are told of FILE by the source options (see _source_options)."""
    return {
        "inputs": inputs,
        "prefix": prefix,
        "cell": cell,
        "where": where,
        "max_numbers": _max_numbers(),
        "layer": _layer(),
    }


def _batch() -> dict[str, Any]:
    """--batch-index and --batch-first/--time-major, as load takes them (see _source_options)."""
    given: dict[str, Any] = click.get_current_context().meta.get(_BATCH_KEY, {})
    return {"batch_index": given.get("batch_index"), "batch_first": given.get("batch_first")}


def _layer() -> str | None:
    """--layer, a Keras or ONNX file's recurrent layer (see _source_options)."""
    layer: str | None = click.get_current_context().meta.get(_LAYER_KEY)
    return layer


def _max_numbers() -> int:
    """--max-numbers, which every command that reads a file takes (see _source_options)."""
    value: int = click.get_current_context().meta.get(_MAX_NUMBERS_KEY, MAX_NUMBERS)
    return value


def _write(text: str | Iterable[str], output: str | None) -> None:
    from .output import write_text  # tempfile, signal: only when there is something to write

    write_text(text, output)


class _Integer(click.IntRange):
    """click.IntRange with a least and a greatest value, but a value too long to be in range refused
    before it is read as a number (Python reads at most 4,300 digits), and echoed only in part."""

    LONGEST = 40  # characters: 2^64 has 20 digits

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and len(value) > self.LONGEST:
            self.fail(
                f"{value[:20]!r}... ({len(value)} characters) is not in the range {self.min}<=x<={self.max}.",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


def _tolerance(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--tolerance: a decimal number of at most 20 characters, not negative, kept as its text."""
    from .marking import tolerance_text

    try:
        return None if value is None else tolerance_text(value)
    except InputError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def _network_options(function: F) -> F:
    """The network `new` draws, as its options: torch's constructor's, the sequence and the numbers
    (see generate.NetworkSpec); `worksheet` takes them too, to draw its variants."""
    options = [
        click.option("--cell", type=click.Choice(list(CELLS)), default=NetworkSpec.cell, show_default=True),
        _count("--input-size", MAX_SIZE, "The size of x_t."),
        _count("--hidden-size", MAX_SIZE, "The size of h_t (and c_t)."),
        _count("--seq-len", MAX_SIZE, "T, the sequence's length: the number of x_t."),
        _count("--num-layers", MAX_LAYERS, "Stacked layers, as torch's num_layers.", "layers"),
        click.option("--bidirectional", is_flag=True, help="Both directions."),
        click.option("--proj-size", type=_Integer(0, MAX_SIZE - 1), default=0, help="An LSTM's projection."),
        click.option("--bias/--no-bias", default=True, show_default=True, help="Biases, as torch's bias=."),
        _count("--decimals", MAX_DECIMALS, "Decimals of every number drawn."),
        click.option("--random-state", is_flag=True, help="Draw h0 (and c0) too; else they are zero."),
        click.option("--target", is_flag=True, help="A target: a backward exercise."),
        click.option(
            "--loss", type=click.Choice(LOSSES), help="With --target: the loss that compares it.  [default: half_sse]"
        ),
        click.option(
            "--lr",
            type=click.FloatRange(0, min_open=True),
            help="With --target: a learning rate, and the step of SGD it makes part of the exercise.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _count(name: str, maximum: int, what: str, field: str | None = None) -> Callable[[F], F]:
    """An option of `new` from 1 to ``maximum``, setting NetworkSpec's ``field`` (the option's name
    by default), its default NetworkSpec's."""
    field = field or name.removeprefix("--").replace("-", "_")
    default = getattr(NetworkSpec, field)
    return click.option(name, field, type=_Integer(1, maximum), default=default, show_default=True, help=what)


_NETWORK_OPTIONS = tuple(field.name for field in dataclasses.fields(NetworkSpec))  # as the options above name them
_seed = click.option(
    "--seed",
    type=_Integer(0, 2**64 - 1),
    help="Draw from this seed (NumPy's PCG64); without it, a random one, printed on stderr.",
)


def _spec(options: dict[str, Any]) -> NetworkSpec:
    """The generate.NetworkSpec of new's options; one out of range is a usage error."""
    spec = NetworkSpec(**{name: options[name] for name in _NETWORK_OPTIONS})
    try:
        spec.validate()
    except InputError as error:
        raise click.UsageError(str(error)) from None
    return spec


def _as_given(ctx: click.Context, name: str) -> str:
    """The option ``name`` as the command line gave it: --no-bias rather than --bias."""
    option = next(param for param in ctx.command.params if param.name == name)
    off = isinstance(option, click.Option) and option.secondary_opts and ctx.params[name] is False
    return option.secondary_opts[0] if off else option.opts[0]


def _seed_or_random(seed: int | None) -> int:
    """The seed given, or a random one, printed on stderr so that the run can be made again."""
    if seed is not None:
        return seed
    from .generate import random_seed

    seed = random_seed()
    click.echo(f"seed: {seed}", err=True)
    return seed


@_command("new")
@_output
@_network_options
@_seed
@click.option("--steps", "old_steps", type=_Integer(1, MAX_SIZE), hidden=True, help="Deprecated: --seq-len.")
@click.option("--layers", "old_layers", type=_Integer(1, MAX_LAYERS), hidden=True, help="Deprecated: --num-layers.")
@click.pass_context
def new(
    ctx: click.Context,
    /,
    output: str | None,
    seed: int | None,
    old_steps: int | None,
    old_layers: int | None,
    **options: Any,
) -> None:
    """Write a small network for hand calculation in lstm-latex's JSON format: weights, biases and x
    in [-1, 1] with few decimals (no row all zeros), h0 and c0 zero unless --random-state."""
    from .generate import new_network

    _renamed(
        ctx, "new", options, old_steps, ("--steps", "--seq-len", "seq_len"), ("the sequence length", "the steps shown")
    )
    _renamed(
        ctx,
        "new",
        options,
        old_layers,
        ("--layers", "--num-layers", "layers"),
        ("the number of layers", "the layers shown"),
    )
    spec = _spec(options)
    _write(new_network(spec, _seed_or_random(seed)), output)


def _renamed(
    ctx: click.Context,
    command: str,
    options: dict[str, Any],
    value: int | None,
    names: tuple[str, str, str],
    said: tuple[str, str],
) -> None:
    """An option of ``command``'s renamed (``names``: the old, the new, the field they set), still
    taken with a warning (``said``: what both give, and what the old name means in render)."""
    old, new, field = names
    if value is None:
        return
    if ctx.get_parameter_source(field) is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError(f"{old} and {new} both give {said[0]}: give {new} only")
    click.echo(
        f"Warning: {command} {old} is deprecated: use {new} for {said[0]} ({old} is {said[1]}, as in render)",
        err=True,
    )
    options[field] = value


@_command("worksheet")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sheet; its key and answers are written beside it (sheet.tex: sheet-answers.tex, sheet-answers.json).",
)
@click.option(
    "--blank",
    type=click.Choice(BLANKS),
    default="all",
    show_default=True,
    help="What the sheet asks for: c_t and h_t (states), also the gates (gates), every computed vector (all).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice([*WORKSHEET_FORMATS, "moodle"]),
    help=f"{', '.join(FORMATS[name].help for name in WORKSHEET_FORMATS)}, or a Moodle quiz (Moodle XML,"
    " -o FILE.xml) of the variants, one random question of the category a student.  [default: from -o's extension]",
)
@click.option(
    "--key",
    type=click.Choice(KEYS),
    default="filled",
    show_default=True,
    help="The key: the sheet with every box filled in (page for page), or the whole derivation worked by hand.",
)
@_selection("Ask", WORKSHEET_PARTS, layers="asked_layers")
@click.option(
    "--paper", type=click.Choice(PAPERS), default="a4", show_default=True, help="The paper it is printed on (LaTeX)."
)
@click.option("--title", help="The sheet's title (printed literally).")
@click.option("--precision", type=_Integer(1, 4), default=4, show_default=True, help="Decimals of every answer.")
@click.option("--color/--no-color", default=True, show_default=True, help="A colour per gate (--no-color for print).")
@click.option(
    "--tolerance",
    callback=_tolerance,
    help="How far from the key an answer may be and still be right.  [default: one unit in the last decimal]",
)
@click.option("--variants", type=_Integer(1, MAX_VARIANTS), help="Draw this many networks, a sheet each (default 1).")
@click.option(
    "--names",
    type=click.Path(dir_okay=False),
    help="A file of names, one a line: a sheet for each, headed with the name.",
)
@_seed
@_network_options
@click.pass_context
def worksheet(
    ctx: click.Context,
    /,
    file: str | None,
    output: str,
    blank: Blank,
    output_format: str | None,
    key: Key,
    steps: Indices | None,
    asked_layers: Indices | None,
    directions: tuple[str, ...] | None,
    gates: tuple[str, ...] | None,
    part: tuple[str, ...] | None,
    paper: Paper,
    title: str | None,
    precision: int,
    color: bool,
    tolerance: str | None,
    variants: int | None,
    names: str | None,
    seed: int | None,
    **options: Any,
) -> None:
    """Write an exercise sheet for FILE's network, or for networks drawn as `new` draws them (one, or
    --variants of them, each from its own seed derived from --seed): the sheet, with a box to fill in
    for every value it asks for, its key, and the key's numbers as JSON."""
    from .worksheet import drawn_variants, given_variant, output_names, read_names, worksheet_pieces

    quiz = output_format == "moodle" or (output_format is None and Path(output).suffix.lower() == ".xml")
    outputs = output_names(output)
    # a sheet's format is one of FORMATS (click's choice), a quiz none of them
    output_format, pdf = (None, False) if quiz else _output_format(output, cast(OutputFormat | None, output_format))
    if pdf:
        raise click.UsageError(f"-o {output}: a worksheet is written as .tex or .md files, not a PDF")
    output_format = output_format or "latex"
    generating = [
        _as_given(ctx, name)
        for name in ("variants", "names", "seed", *_NETWORK_OPTIONS)
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if file is not None and generating:
        raise click.UsageError(
            f"FILE gives the network; {', '.join(generating)} draw networks instead: give one or the other"
        )
    chosen: Sequence[Variant]
    if file is not None:
        chosen = [given_variant(_load(file, None, None, None))]
    else:
        given_names = None if names is None else read_names(names, output_format == "latex")
        if given_names is not None and variants is not None and variants != len(given_names):
            raise click.UsageError(f"--variants {variants}, but {names} has {len(given_names)} names")
        spec = _spec(options)
        if precision < spec.decimals:
            raise click.UsageError(
                f"--precision {precision} would round the numbers drawn to --decimals {spec.decimals}:"
                f" give --precision {spec.decimals} or more"
            )
        chosen = drawn_variants(spec, _seed_or_random(seed), variants, given_names)
    asked = Selection(steps, asked_layers, directions, gates, part)
    if quiz:
        from .moodle import category_name, moodle_xml, quiz_variants
        from .worksheet import worksheet_records

        records = worksheet_records(chosen, blank=blank, precision=precision, tolerance=tolerance, asked=asked)
        _write(moodle_xml(quiz_variants(records), category_name(Path(output).stem)), output)
        return
    style = Style(NumberFormat(precision=precision), color)
    from .output import write_files

    pieces = worksheet_pieces(
        chosen,
        blank=blank,
        style=style,
        title=title,
        output_format=output_format,
        tolerance=tolerance,
        key=key,
        asked=asked,
        paper=paper,
    )
    write_files(outputs, pieces)


@_command("mark")
@click.argument("answers", type=click.Path(dir_okay=False))
@click.argument("responses", type=click.Path(dir_okay=False))
@_output
def mark(answers: str, responses: str, output: str | None) -> None:
    """Mark a class: RESPONSES, a CSV of a row a student (student, variant, then a column a question,
    as `worksheet` writes its template, sheet-responses.csv), against ANSWERS, the worksheet's
    answers JSON. Writes a CSV of each student's score per question (1 or 0), total and out of;
    the questions most often missed go to stderr."""
    from .marking import mark as mark_class
    from .marking import most_missed, read_answers

    marks = mark_class(read_answers(answers), responses)
    _write(marks.scores, output)
    click.echo(most_missed(marks), err=True, nl=False)


@_command("moodle")
@click.argument("answers", type=click.Path(dir_okay=False))
@_output
@click.option(
    "--category",
    help="The question bank's category the variants go in.  [default: the sheet's name, week3 for week3-answers.json]",
)
def moodle(answers: str, output: str | None, category: str | None) -> None:
    """Write a Moodle quiz (Moodle XML) of ANSWERS, a worksheet's answers JSON: a Cloze question a
    variant, with its given numbers and a numerical blank, key and tolerance, for each value its sheet
    asks; a quiz of one random question from the category gives each student one variant."""
    from .moodle import category_name, default_category, moodle_xml, read_variants

    name = category_name(category if category is not None else default_category(answers))
    _write(moodle_xml(read_variants(answers), name), output)


@_command("golden")
@_file
@_output
@click.option(
    "--format",
    "golden_format",
    type=click.Choice(list(GOLDEN_FORMATS)),
    help="A C header, an npz archive or JSON.  [default: from -o's extension: .h, .npz, .json]",
)
@click.option(
    "--dtype",
    type=click.Choice(DTYPES),
    default="float32",
    show_default=True,
    help="float32: what torch computes in float32, every intermediate; float64: the trace's values.",
)
@click.option(
    "--first-steps",
    "steps",
    type=_Integer(1, 10**12),
    help="Keep only the first N steps of x (the network runs on them).",
)
@click.option("--first-layers", "layers", type=_Integer(1, 10**12), help="Keep only the first N layers.")
@click.option("--steps", "old_steps", type=_Integer(1, 10**12), hidden=True, help="Deprecated: --first-steps.")
@click.option("--layers", "old_layers", type=_Integer(1, 10**12), hidden=True, help="Deprecated: --first-layers.")
@click.option(
    "--max-values",
    type=_Integer(1, 10**12),
    default=MAX_VALUES,
    show_default=True,
    help="Refuse a golden file of more numbers, before computing it.",
)
@_source_options
@click.option(
    "--all-batch", is_flag=True, help="Every sequence of a batch of inputs, each quantity with a first axis of B."
)
@click.pass_context
def golden(
    ctx: click.Context,
    file: str,
    output: str | None,
    golden_format: str | None,
    dtype: str,
    steps: int | None,
    layers: int | None,
    old_steps: int | None,
    old_layers: int | None,
    max_values: int,
    inputs: str | None,
    prefix: str | None,
    cell: str | None,
    all_batch: bool,
) -> None:
    """Write golden vectors for a port of FILE's network: the weights, the inputs and every intermediate
    of every step, named by the trace's paths, with a tolerance and a range for each (needs torch)."""
    named = next((key for key, suffix in GOLDEN_FORMATS.items() if output and output.lower().endswith(suffix)), None)
    if golden_format is None and named is None:
        raise click.UsageError("give --format c, npz or json (or -o FILE.h, FILE.npz or FILE.json)")
    if golden_format is not None and named not in (None, golden_format):
        raise click.UsageError(f"-o {output} names a {named} file, but --format is {golden_format}: give one of them")
    golden_format = golden_format or named
    assert golden_format is not None
    if golden_format == "npz" and output is None:
        raise click.UsageError("an npz archive is binary: give -o FILE.npz")
    options: dict[str, Any] = {"dtype": dtype, "steps": steps, "layers": layers, "max_values": max_values}
    first = ("the first N steps", "the steps shown"), ("the first N layers", "the layers shown")
    _renamed(ctx, "golden", options, old_steps, ("--steps", "--first-steps", "steps"), first[0])
    _renamed(ctx, "golden", options, old_layers, ("--layers", "--first-layers", "layers"), first[1])
    if all_batch:
        batch = _batch()
        if batch.pop("batch_index") is not None:
            raise click.UsageError("--all-batch writes every sequence; --batch-index chooses one: give one of them")
        source, where = _source(file)
        vectors = golden_batch(load_every_sequence(source, **_reading(inputs, prefix, cell, where), **batch), **options)
    else:
        vectors = golden_vectors(_load(file, inputs, prefix, cell), **options)
    encoded = encode(vectors, golden_format, Path(output).name if output else "golden.h")
    if isinstance(encoded, bytes):
        from .output import write_file

        assert output is not None
        write_file(output, [encoded])
        return
    _write(encoded, output)
