"""Worksheets: a network's exercise with every quantity it asks for a box of its shape to fill in,
the same document filled in (the key), and the key's numbers as JSON for marking scripts; one
sheet a variant, each on a page of its own.

The templates are worksheet.tex.j2 and worksheet.md.j2; what each cell's exercise asks for is
the view's (lstm_latex/view/exercise.py), which partials/exercise.tex.j2 prints.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, overload

from .cells import CELLS
from .errors import InputError, RenderError
from .generate import NetworkSpec, new_network, variant_seeds
from .latex import NumberFormat, escape_latex
from .loaders import load, read_bounded
from .marking import Question, questions, template
from .model import Example
from .output_formats import OutputFormat
from .pipeline import Derivation, derive
from .render import Style, render
from .selection import EVERYTHING, Selection
from .view import BLANKS, Blank, Sheet
from .view.exercise import page_answers
from .view.records import KEYS, MAX_VARIANTS, PAPERS, WORKSHEET_PARTS, Key, Paper

MAX_NAME = 200  # characters of a name in --names
MAX_NAMES_BYTES = 1_000_000  # a file of --names: MAX_VARIANTS names of MAX_NAME characters, and room to spare
ANSWERS = "-answers"  # sheet.tex's key is sheet-answers.tex, its numbers sheet-answers.json
RESPONSES = "-responses.csv"  # and the columns of a class's responses sheet-responses.csv


@dataclass(frozen=True)
class Variant:
    """One student's network: its number, the example, and where it came from."""

    number: int  # 1-based
    example: Example
    weights: Mapping[str, Any]  # the example in the JSON format, as the answers list it
    seed: int | None = None  # the seed `lstm-latex new` drew it from; None for a given file
    name: str | None = None  # the student's name, which heads the sheet instead of the number

    @property
    def heading(self) -> str:
        """What heads the variant's sheet and key: its number, or a name with the number and the seed,
        so that two students of one name, whose networks differ, have sheets that differ."""
        if self.name is None:
            return f"Variant {self.number}"
        seed = "" if self.seed is None else f", seed {self.seed}"
        return f"{self.name} (variant {self.number}{seed})"


@dataclass(frozen=True)
class Worksheet:
    """The four texts `lstm-latex worksheet` writes."""

    sheet: str  # the exercise, every variant
    key: str  # the same filled in
    answers: str  # JSON: every variant's weights and trace, the values as the key prints them
    responses: str  # CSV: the columns of a class's responses, a row a variant (lstm_latex.marking)


def make_worksheet(
    variants: Sequence[Variant],
    *,
    blank: Blank = "all",
    style: Style | None = None,
    title: str | None = None,
    output_format: OutputFormat = "latex",
    tolerance: str | None = None,
    key: Key = "filled",
    asked: Selection = EVERYTHING,
    paper: Paper = "a4",
) -> Worksheet:
    """The sheet, the key and the answers of ``variants``, each worked by hand arithmetic to the
    style's decimals (lstm_latex.hand): every number of the key follows from the printed numbers
    before it. Raises InputError for a network too large to show whole (every number of the
    exercise is printed, none elided)."""
    pieces = list(
        worksheet_pieces(
            variants,
            blank=blank,
            style=style,
            title=title,
            output_format=output_format,
            tolerance=tolerance,
            key=key,
            asked=asked,
            paper=paper,
        )
    )
    return Worksheet(*("".join(texts) for texts in zip(*pieces, strict=True)))


def worksheet_pieces(
    variants: Sequence[Variant],
    *,
    blank: Blank = "all",
    style: Style | None = None,
    title: str | None = None,
    output_format: OutputFormat = "latex",
    tolerance: str | None = None,
    key: Key = "filled",
    asked: Selection = EVERYTHING,
    paper: Paper = "a4",
) -> Iterator[tuple[str, str, str, str]]:
    """make_worksheet's four texts a variant at a time: its sheet, its key (``key``: "filled" or
    "worked"), its answers and its row of the responses' CSV (with the document's start before the
    first and its end after the last), made as they are asked for, so that a class of any size is
    written in the memory of one variant. ``asked`` chooses what the sheet asks (its parts among
    WORKSHEET_PARTS, steps, layers, directions and gates; check_asked); ``paper``, "a4" or
    "letter", what it is printed on."""
    style = style or Style()
    if blank not in BLANKS:
        raise InputError(f"no --blank {blank!r}: use one of {', '.join(BLANKS)}")
    if not variants:
        raise InputError("a worksheet needs one variant at least")
    if key not in KEYS:
        raise InputError(f"no --key {key!r}: use one of {', '.join(KEYS)}")
    if paper not in PAPERS:
        raise InputError(f"no --paper {paper!r}: use one of {', '.join(PAPERS)}")
    from .serialize import encode_json_item

    for k, variant in enumerate(variants):
        require_whole(variant.example, style.numbers.max_size)
        check_asked(asked, variant.example)
        # A worked key is what `render --hand` writes: checked against torch when it is installed.
        derivation = derive(variant.example, hand=style.numbers.precision, check=None if key == "worked" else False)
        network = variant.example.network
        pass_name = "forward pass" if derivation.gradients is None else "forward and backward pass"
        first, last = k == 0, k == len(variants) - 1
        page = Sheet(
            blank=blank,
            variant=variant.heading if len(variants) > 1 or variant.name else None,
            named=variant.name is not None,
            first=first,
            last=last,
            asked=asked,
            paper=paper,
        )
        sheet, key_text = (
            render(
                derivation,
                "worksheet",
                style=style,
                title=title or f"Exercise: the {CELLS[network.cell].title} {pass_name}",
                output_format=output_format,
                sheet=dataclasses.replace(page, answers=answers, worked=answers and key == "worked"),
            )
            for answers in (False, True)
        )
        record = _record(variant, derivation, page, style.numbers.precision, tolerance)
        responses = template([(variant.heading, variant.number, [Question(**q) for q in record["questions"]])])
        yield (
            sheet,
            key_text,
            encode_json_item("variants", record, first=first, last=last),
            responses if first else responses.partition("\n")[2],  # the columns' header once
        )


def check_asked(asked: Selection, example: Example) -> None:
    """Raise InputError, naming the option, for a part, step, layer, direction or gate that
    ``example`` does not have, or a selection that asks nothing."""
    try:
        replace(asked, parts=None).check(example)
    except RenderError as error:
        raise InputError(str(error)) from None
    inputs = example.inputs
    has = {
        "forward": True,
        "backward": inputs.loss is not None,
        "sgd": inputs.loss is not None and inputs.loss.lr is not None,
    }
    for part in asked.parts or ():
        if part not in has:
            raise InputError(f"--part {part}: a worksheet's parts are {', '.join(WORKSHEET_PARTS)}")
        if not has[part]:
            missing, what = ("target or grad_output", "backward pass") if part == "backward" else ("lr", "step of SGD")
            raise InputError(f"--part {part}: the network has no {missing}: there is no {what} to ask")


def given_variant(example: Example) -> Variant:
    """The one variant of a network given in a file."""
    from .serialize import network_to_json

    return Variant(1, example, json.loads(network_to_json(example.network, example.inputs)))


def drawn_variants(spec: NetworkSpec, seed: int, count: int | None, names: Sequence[str] | None) -> Sequence[Variant]:
    """Networks drawn as `lstm-latex new` draws them: one from ``seed`` itself, or (with a
    ``count`` or ``names``) one a variant, each from its own seed derived from ``seed``. Each is
    drawn when it is asked for and not kept, so that a class takes the memory of one network."""
    if count is None and names is None:
        seeds = [seed]
    else:
        seeds = variant_seeds(seed, len(names) if names is not None else count or 1)
    return _Drawn(spec, seeds, names)


class _Drawn(Sequence[Variant]):
    """The variants of ``seeds``, each drawn, loaded and named as it is indexed."""

    def __init__(self, spec: NetworkSpec, seeds: Sequence[int], names: Sequence[str] | None) -> None:
        self.spec, self.seeds, self.names = spec, seeds, names

    def __len__(self) -> int:
        return len(self.seeds)

    @overload
    def __getitem__(self, index: int) -> Variant: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Variant]: ...
    def __getitem__(self, index: int | slice) -> Variant | Sequence[Variant]:
        if isinstance(index, slice):
            return [self[k] for k in range(len(self))[index]]
        k = range(len(self))[index]  # an IndexError past the end, as a list's
        weights = json.loads(new_network(self.spec, self.seeds[k]))
        example = load(weights, where=f"variant {k + 1} (seed {self.seeds[k]})")
        return Variant(k + 1, example, weights, self.seeds[k], None if self.names is None else self.names[k])


def require_whole(example: Example, max_size: int) -> None:
    """Refuse a network whose matrices a page would elide: a worksheet prints every number."""
    network, seq_len = example.network, example.inputs.x.shape[0]
    sizes = {
        "input size": network.input_size,
        "hidden size": network.hidden_size,
        "steps T": seq_len,
        "output width (directions x output size)": network.num_directions * network.output_size,
    }
    for what, size in sizes.items():
        if size > max_size:
            raise InputError(
                f"a worksheet shows every number, and its {what} is {size}: at most {max_size}", example.source
            )


def worksheet_records(
    variants: Sequence[Variant],
    *,
    blank: Blank = "all",
    precision: int = 4,
    tolerance: str | None = None,
    asked: Selection = EVERYTHING,
) -> Iterator[dict[str, Any]]:
    """What the answers JSON holds of each variant (its network, its trace as the key prints it,
    and the questions its sheet asks), a variant at a time, without the sheets: for a quiz."""
    for variant in variants:
        require_whole(variant.example, NumberFormat(precision=precision).max_size)
        check_asked(asked, variant.example)
        derivation = derive(variant.example, hand=precision)
        yield _record(variant, derivation, Sheet(blank=blank, asked=asked), precision, tolerance)


def _record(
    variant: Variant, derivation: Derivation, page: Sheet, precision: int, tolerance: str | None
) -> dict[str, Any]:
    """A variant in the answers: its number (name, seed), its network, its trace as the key prints
    it, and the questions its ``page`` asks, each with its key and tolerance."""
    from .serialize import trace_to_dict  # the check's constants come with it: only when writing answers

    record: dict[str, Any] = {"variant": variant.number}
    if variant.name is not None:
        record["name"] = variant.name
    record["seed"] = variant.seed
    record["weights"] = variant.weights
    # The hand values, each the decimal the key prints (to --precision decimals).
    record["trace"] = trace_to_dict(derivation.trace, None, derivation.gradients, derivation.hand)
    marked = questions(page_answers(derivation, page), precision, tolerance)
    record["questions"] = [dataclasses.asdict(question) for question in marked]
    return record


def output_names(output: str) -> tuple[str, str, str, str]:
    """The sheet's file, its key's, its answers' and its responses' template: sheet.tex,
    sheet-answers.tex, sheet-answers.json, sheet-responses.csv.
    Raises InputError for a name that cannot give three files: empty, -, or a .json sheet (whose key
    would be the answers' file)."""
    if not output:
        raise InputError("-o: the file name is empty")
    if output == "-":
        raise InputError(
            "-o -: a worksheet is three files (the sheet, its key and its answers), not stdout: give a file name"
        )
    path = Path(output)
    key = str(path.with_name(path.stem + ANSWERS + path.suffix))
    answers = str(path.with_name(path.stem + ANSWERS + ".json"))
    if key.lower() == answers.lower():
        raise InputError(f"-o {output}: its key would be {key}, the answers' file: name the sheet .tex or .md")
    return output, key, answers, str(path.with_name(path.stem + RESPONSES))


def read_names(path: str, latex: bool) -> list[str]:
    """The names in a file of UTF-8 text, one a line (lines end in \\n or \\r\\n; blank lines skipped),
    each at most MAX_NAME characters, with a printable character, and, for LaTeX, one pdflatex can
    typeset. The file is read whole, at most MAX_NAMES_BYTES. Raises InputError naming the line."""
    data = read_bounded(path, MAX_NAMES_BYTES, "a file of names")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"line {bad_line}: not UTF-8 text", path) from None
    names = []
    # Only \n ends a line: str.splitlines would split a name at a form feed or U+2028 as well.
    for number, line in enumerate(text.split("\n"), 1):
        name = line.strip()
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise InputError(f"line {number}: a name of {len(name)} characters, more than {MAX_NAME}", path)
        if not any(ch.isprintable() and not ch.isspace() for ch in name):
            raise InputError(f"line {number}: the name has no printable character", path)
        if latex:
            try:
                escape_latex(name)
            except RenderError as error:
                raise InputError(f"line {number}: {error}", path) from None
        names.append(name)
        if len(names) > MAX_VARIANTS:
            raise InputError(f"more than {MAX_VARIANTS} names", path)
    if not names:
        raise InputError("no names in the file", path)
    return names
