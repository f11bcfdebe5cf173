"""The Jinja environment: LaTeX-safe delimiters, the formatting filters, template lookup."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from .cells import CELLS, Step
from .environment import PRECOMPILED, TEMPLATES, render_template, template_environment
from .environment import precompile as precompile_into
from .errors import LstmLatexError, RenderError
from .hosts import SECTIONING
from .hosts import host as host_named
from .latex import NumberFormat, escape_latex, heading_latex
from .layout import HEADING_LEVELS, HeadingLevel, Headings, Layout, TextWidth, Typeset, layout_at, text_width
from .model import Array, Inputs, Network, Provenance, Trace
from .output_formats import FORMATS, LATEX, Format, OutputFormat, written_in
from .pipeline import MAX_STEPS, Derivation, check_size, of_trace
from .selection import EVERYTHING, Selection
from .slides import Deck
from .view import (
    WHOLE_KEY,
    LabelledDirection,
    Line,
    Sheet,
    Term,
    aligned_lines,
    backward_order,
    inline_items,
    labelled,
    step_view,
)
from .view import math as math_of
from .view.exercise import Exercise
from .view.parts import PARTS
from .view.prose import SENTENCES

if TYPE_CHECKING:
    from types import TracebackType

    from .backprop import Gradients
    from .check import CheckReport
    from .hand import HandPass

# The entry templates, one a document: document, snippet, beamer, markdown (in TEMPLATES). The
# parts they are made of are in partials/, and are not documents of their own.
PARTIALS = TEMPLATES / "partials"

# One colour a gate letter, the same in every cell that has it (see cells.GateKind): for Markdown,
# by a name KaTeX, MathJax and xcolor all know (see cells.NAMED_COLORS).
GATE_COLORS = {gate.name: gate.named_color for cell in CELLS.values() for gate in cell.gates}


@dataclass(frozen=True)
class Style:
    """How a derivation looks in any format: its numbers, and whether each gate has a colour."""

    numbers: NumberFormat = NumberFormat()
    color: bool = True


def render(
    derivation: Derivation | Trace[Step],
    template: str = "document",
    *,
    style: Style = Style(),
    title: str | None = None,
    template_dir: Path | None = None,
    check: CheckReport | None = None,
    progress: Callable[[], None] | None = None,
    max_steps: int = MAX_STEPS,
    output_format: OutputFormat | None = None,
    gradients: Gradients | None = None,
    heading_level: HeadingLevel | None = None,
    selection: Selection = EVERYTHING,
    hand: HandPass | None = None,
    sheet: Sheet = WHOLE_KEY,
    width: str | None = None,
    host: str | None = None,
    deck: Deck | None = None,
) -> str:
    """The text of ``derivation`` (lstm_latex.derive), from the entry template named ``template``: a built-in
    one (document, snippet, beamer, markdown), or a file of ``template_dir`` (``NAME.tex.j2``
    or ``NAME.md.j2``), which may extend a built-in one as ``default:document.tex.j2``.
    A ``.md.j2`` template writes Markdown: portable matrices and colours by name. ``output_format``
    refuses a template of the other format; None takes either. Nothing is computed here: the
    derivation holds every number the text prints.

    A trace (lstm_latex.forward) is taken too, with what derive would have added: ``gradients``,
    its backward pass (computed when the example has a target or grad_output and none is given),
    ``check``, the torch cross-check's report (None: not checked), and ``hand``, the hand
    arithmetic (lstm_latex.hand_pass) whose trace it is. A Derivation holds these itself.

    The derivation's backward pass follows the results; its check is stated in the results.
    ``heading_level`` puts the derivation's top headings at that level and the ones inside them
    below it (section, subsection, subsubsection, paragraph; none: bold titles, no sectioning
    command); None: the template's own, section for a document, subsection for a snippet.
    ``selection`` shows only some steps, layers, directions, gates or parts (forward and
    backward), and the document says what it leaves out; the results and the gradients' sums
    still hold every step. A selection of what the derivation does not have is a RenderError.
    ``width`` is the text width to fit, a preset (a4, twocolumn, a5, beamer) or a TeX length
    (``8.5cm``, ``345pt``): every chain, matrix and table is broken or elided to fit it; None: the
    template's own (its ``text_width``).
    ``host`` names the document the text goes into, its class and options (``memoir,11pt,a4paper``,
    see lstm_latex.hosts): its line width is the width to fit unless ``width`` says another, which
    may then be a part of it (``0.9\\textwidth``, ``\\linewidth``, ``\\columnwidth``), a length is
    measured at its body font, and the headings use only the sectioning commands it has.
    ``deck`` is the beamer deck slides (beamer, frames) are for, its theme and aspect ratio
    (``Deck("metropolis", "16:9")``, see lstm_latex.slides): it decides how wide (unless ``width``
    says) and how tall a frame is, and the beamer template writes it in its preamble; None: the
    default theme, of the template's aspect ratio (beamer 16:9, frames 4:3).
    ``progress`` is called once for each step the derivation shows.
    A derivation worked by hand shows its numbers printed to its decimals, its rule stated at the
    start and its largest difference from float64 in the results; its check is still of the exact
    values.
    Refuses (RenderError) a document of more than ``max_steps`` step blocks shown; 0 means no limit.
    ``sheet`` is the page of a worksheet the template prints (lstm_latex.worksheet): by default a key
    of every level.
    Any error of a template, built-in or the user's, is a RenderError naming its file and line.
    """
    if isinstance(derivation, Derivation):
        if check is not None or gradients is not None or hand is not None:
            raise RenderError("check=, gradients= and hand= are for a trace: a Derivation holds its own")
    else:
        derivation = of_trace(derivation, gradients=gradients, check=check, hand=hand)
    trace, gradients, check, hand = derivation.trace, derivation.gradients, derivation.check, derivation.hand
    check_size(trace.example, max_steps, selection)
    if heading_level is not None and heading_level not in HEADING_LEVELS:
        raise RenderError(f"no heading level {heading_level!r}: use one of {', '.join(HEADING_LEVELS)}")
    page = None if host is None else host_named(host)
    sectioning = SECTIONING if page is None else page.sectioning
    if heading_level not in (None, "none", *sectioning):
        raise RenderError(
            f"{page.name if page else 'the host'} has no \\{heading_level}: use one of {', '.join(sectioning)} or none"
        )
    # refused before anything is rendered
    line_width = TextWidth(page.line_width, page.font_size) if page else None
    fitted = line_width if width is None else text_width(width, page)
    entry = _entry(template, template_dir, output_format)
    if hand is not None:
        style = _worked_by_hand(hand, style)
    written = written_in(entry)
    env = _environment(style, template_dir, written)
    # This render's typesetting, which its filters and layout_for find here: a thread's render
    # never sees another's (the environment, cached, is shared by every render in the style).
    typeset = _TYPESET.set(Typeset(style.numbers, _paint(style.color, written), portable=written.portable))
    network = trace.example.network
    directions = [labelled(d, network.num_layers, network.bidirectional, progress, selection) for d in trace.directions]
    pass_name = "forward pass" if gradients is None else "forward and backward pass"
    try:
        return render_template(
            env.get_template(entry),
            trace=trace,
            network=network,
            cell=CELLS[network.cell],
            inputs=trace.example.inputs,
            directions=directions,
            plain=LabelledDirection(trace.directions[0], "", ""),
            gradients=gradients,
            backward=None if gradients is None else backward_order(directions, gradients),
            title=title or f"A worked {CELLS[network.cell].title} {pass_name}",
            title_given=bool(title),
            selection=selection,
            selection_note=selection.note(trace.example, checked=check is not None),
            heading_level=heading_level,
            width=fitted,
            sectioning=sectioning,
            deck=deck or Deck(),
            style=style,
            check=check,
            hand=hand,
            # the largest difference from float64 to two significant digits: the point is its size
            hand_difference=None if hand is None else NumberFormat(significant=2).number(hand.largest_difference),
            network_table=_network_table(network),
            initial_states="given with the example" if _states_given(trace.example.inputs) else "zero",
            matrix_columns=max(
                style.numbers.columns_shown(n)
                for n in (network.input_size, network.output_size, network.hidden_size, 1)
            ),
            sheet=sheet,
            # the format's own document, which a worksheet's page extends
            document=f"{written.document}{written.suffix}",
        )
    except LstmLatexError:
        raise  # said already: a title pdflatex cannot typeset
    except Exception as error:  # a user's template may raise anything: a syntax error, 1/0, recursion
        raise _template_error(error, template) from None
    finally:
        _TYPESET.reset(typeset)


def _worked_by_hand(hand: HandPass, style: Style) -> Style:
    """The style of a render of ``hand``: its numbers in fixed decimals, its own, never with a
    power of ten in front."""
    if style.numbers.significant is not None:
        raise RenderError(
            f"hand arithmetic is worked to {hand.decimals} decimals: it prints fixed decimals, not significant digits"
        )
    return dataclasses.replace(style, numbers=dataclasses.replace(style.numbers, precision=hand.decimals, scaled=False))


def _entry(template: str, template_dir: Path | None, output_format: OutputFormat | None) -> str:
    """The file of the entry template named ``template``: ``NAME.tex.j2`` or ``NAME.md.j2``, the
    user's before a built-in one. A partial, or a template of the other format, is refused."""
    names = [template] if template.endswith(".j2") else [f"{template}{f.suffix}" for f in FORMATS.values()]
    found = [name for name in names if _is_entry(name, template_dir)]
    if not found:
        stem = Path(template.removeprefix("default:")).name.split(".")[0]
        if any(path.name.split(".")[0] == stem for path in PARTIALS.glob("*.j2")):
            entries = ", ".join(sorted({path.name.split(".")[0] for path in TEMPLATES.glob("*.j2")}))
            raise RenderError(f"{template!r} is a part of the built-in templates, not a document: use one of {entries}")
        raise RenderError(f"no template named {template!r} (looked for {', '.join(names[:-1])} and {names[-1]})")
    if output_format is None:
        return found[0]
    for name in found:
        if written_in(name).name == output_format:
            return name
    written = written_in(found[0])
    raise RenderError(
        f"template {found[0]} writes {written.title}, not {FORMATS[output_format].title}:"
        f" pass --format {written.name} (output_format={written.name!r} in Python), or another template"
    )


def _is_entry(name: str, template_dir: Path | None) -> bool:
    """Whether ``name`` is a file at the top of the user's directory or of the built-in templates
    (as ``default:NAME``, only the built-in ones)."""
    file = name.removeprefix("default:")
    folders = [TEMPLATES] if file != name or template_dir is None else [template_dir, TEMPLATES]
    return "/" not in file and "\\" not in file and any((folder / file).is_file() for folder in folders)


def precompile(folder: Path = PRECOMPILED) -> list[str]:
    """Compile every built-in template into ``folder``, for a render to use instead of parsing them
    (`python -m lstm_latex.precompile`); returns their names."""
    environment = _environment(Style(), None, LATEX)  # every style's filters are called alike
    return precompile_into(environment, folder)


@lru_cache(maxsize=8)
def _environment(style: Style, template_dir: Path | None, written: Format) -> jinja2.Environment:
    """The environment of templates in ``style``: kept, with the templates it has compiled, for
    the next render in the same style. It holds nothing of a render: its filters typeset with the
    render's own Typeset (``_TYPESET``)."""
    env = template_environment(template_dir)  # a user's templates in a sandbox
    env.filters.update(
        num=style.numbers.number,
        mat=_matrix,
        math=_math,
        aligned=_aligned,
        items=_items,
        paint=_paint(style.color, written),
        tex=escape_latex,
        text=written.escape,
        heading=heading_latex,
    )
    # partials/base.j2 lays the page out at the text width asked for, else its entry template's.
    env.globals["layout_for"] = _layout_for
    env.globals["headings_for"] = Headings
    env.globals["step_view"] = step_view
    env.globals["exercise_for"] = Exercise
    env.globals["prose"] = SENTENCES
    env.globals["parts"] = PARTS
    env.globals["inf"] = math.inf
    if written.name == "html":  # what a web page carries and how it groups its text: only for a page
        from .html import PAGE

        env.globals["page"] = PAGE
    env.globals["origin_rows"] = partial(_origin_rows, text=written.escape)
    return env


def _network_table(network: Network) -> list[tuple[str, int | str]]:
    """The network's sizes as the document's table lists them (a projection's only when it has one)."""
    projection = [("projection size", network.proj_size)] if network.proj_size else []
    return [
        ("input size", network.input_size),
        ("hidden size", network.hidden_size),
        *projection,
        ("layers", network.num_layers),
        ("directions", network.num_directions),
        ("biases", "yes" if network.bias else "no"),
    ]


def _states_given(inputs: Inputs) -> bool:
    """Whether an initial state is not zero."""
    return bool(inputs.h0.any() or (inputs.c0 is not None and inputs.c0.any()))


def _origin_rows(
    provenance: Provenance, code: Callable[[str], str], text: Callable[[str], str]
) -> list[tuple[str, str]]:
    """The table of where each gate block of a Keras or ONNX file is: torch's block by its symbol,
    and its place in the file's arrays (or why it has none), written by the format's ``code`` macro."""
    return [
        (
            f"${origin.symbol[0]}_{{{origin.symbol[2:]}}}$ = "
            + code(f"{origin.parameter}[{origin.rows[0]}:{origin.rows[1]}]"),
            code(origin.array + origin.index) if origin.array else text(origin.index),
        )
        for origin in provenance.origins
    ]


# The Typeset of the render running in this thread (or task): set and reset by render().
_TYPESET: ContextVar[Typeset] = ContextVar("lstm_latex_typeset")


def _matrix(array: Array) -> str:
    return _TYPESET.get().matrix(array)


def _math(terms: Sequence[Term]) -> str:
    return math_of(terms, _TYPESET.get())


def _aligned(lines: Sequence[Line], reveal: str) -> str:
    return aligned_lines(lines, _TYPESET.get(), reveal)


def _items(lines: Sequence[Line], gap: str) -> str:
    return inline_items(lines, _TYPESET.get(), gap)


def _layout_for(width: str | TextWidth, font_size: float | None, rows: float = math.inf) -> Layout:
    return layout_at(_TYPESET.get(), width, font_size, rows)


def _paint(color: bool, written: Format) -> Callable[[str, str | None], str]:
    """Text in a gate's colour, or as it is without colour. LaTeX gets the gate's macro, which the
    preamble defines (partials/definitions.tex.j2); KaTeX and MathJax know no macros from a
    preamble, so a portable format gets the colour's name, which xcolor knows too (a notebook made a PDF),
    as the switch ``{\\color{name}{text}}``: MathJax 2 (Jupyter's HTML export) has no ``\\textcolor``,
    and the switch in its own group reads the same in MathJax 2 and 3, KaTeX, pandoc's MathML and LaTeX.
    Without colour the text is left plain, never in a macro: a snippet without colour prints
    plainly in a document whose other snippet defined the macros in colour."""

    def paint(text: str, gate: str | None) -> str:
        if not color or gate is None:
            return text
        if not written.portable:
            return rf"\lstmgate{gate}{{{text}}}"
        return rf"{{\color{{{GATE_COLORS[gate]}}}{{{text}}}}}"

    return paint


# The built-in partials a template of an earlier version may import, gone since the view makes
# records (docs/guide/templates.md, "Templates of an earlier version"), and what prints them now.
_STEP = "partials/view.tex.j2's step(d, s) prints a step of any cell, backward_step(d, s, g) its backward step"
_EXERCISE = "partials/exercise.tex.j2 prints a worksheet's questions, which lstm_latex/view/exercise.py makes"
REPLACED = {
    **{f"partials/{cell}.tex.j2": _STEP for cell in ("lstm", "gru", "rnn")},
    **{f"partials/exercise-{cell}.tex.j2": _EXERCISE for cell in ("lstm", "gru", "rnn")},
}


def _template_error(error: Exception, template: str) -> RenderError:
    """``error``, raised while rendering ``template``, as one line naming the template file and
    line it comes from."""
    if isinstance(error, jinja2.TemplateNotFound):  # a template it extends, imports or includes
        name = str(error.name).removeprefix("default:")
        message = f"no template named {error.name!r}"
        if name in REPLACED:
            message += f" any more: {REPLACED[name]} (the documentation's Templates of an earlier version)"
    elif isinstance(error, jinja2.TemplateError):
        message = str(error.message)
    else:
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(error, jinja2.TemplateSyntaxError):
        where: tuple[str, int] | None = (error.filename or str(error.name), error.lineno)
    else:
        where = _template_frame(error.__traceback__)
    return RenderError(
        f"template {where[0]}, line {where[1]}: {message}" if where else f"template {template!r}: {message}"
    )


def _template_frame(traceback: TracebackType | None) -> tuple[str, int] | None:
    """The file and line of the innermost template code in ``traceback``: Jinja replaces each frame
    of a compiled template by one that raises the error at the template's line."""
    found = None
    while traceback is not None:
        if "__jinja_exception__" in traceback.tb_frame.f_globals:  # such a frame (jinja2.debug)
            found = (traceback.tb_frame.f_code.co_filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found
