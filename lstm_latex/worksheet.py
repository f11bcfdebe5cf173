"""Worksheets: a network's exercise with every quantity it asks for a box of its shape to fill in,
the same document filled in (the key), and the key's numbers as JSON for marking scripts; one
sheet a variant, each on a page of its own.

The templates are worksheet.tex.j2 and worksheet.md.j2; what each cell's exercise asks for is in
templates/partials/exercise-<cell>.tex.j2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from .cells import CELLS
from .errors import InputError, RenderError
from .generate import NetworkSpec, new_network, variant_seeds
from .latex import escape_latex
from .loaders import load, open_regular
from .model import Example
from .pipeline import Derivation, derive
from .render import OutputFormat, Style, render

# What a sheet leaves blank, each level with the ones before it: the states (c_t, h_t; ∂L/∂h_t,
# ∂L/∂c_t), then the gates (the activations, the δ's, the parameters' gradients), then every
# computed vector (the affine parts, the preactivations, the products and sums between).
Blank = Literal["states", "gates", "all"]
BLANKS: tuple[Blank, ...] = get_args(Blank)

MAX_VARIANTS = 500
MAX_NAME = 200  # characters of a name in --names
ANSWERS = "-answers"  # sheet.tex's key is sheet-answers.tex, its numbers sheet-answers.json


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
        return self.name or f"Variant {self.number}"


@dataclass(frozen=True)
class Worksheet:
    """The three texts `lstm-latex worksheet` writes."""

    sheet: str  # the exercise, every variant
    key: str  # the same filled in
    answers: str  # JSON: every variant's weights and trace, the values as the key prints them


def make_worksheet(
    variants: Sequence[Variant],
    *,
    blank: Blank = "all",
    style: Style | None = None,
    title: str | None = None,
    output_format: OutputFormat = "latex",
) -> Worksheet:
    """The sheet, the key and the answers of ``variants``, each worked by hand arithmetic to the
    style's decimals (lstm_latex.hand): every number of the key follows from the printed numbers
    before it. Raises InputError for a network too large to show whole (every number of the
    exercise is printed, none elided)."""
    style = style or Style()
    if blank not in BLANKS:
        raise InputError(f"no --blank {blank!r}: use one of {', '.join(BLANKS)}")
    sheets: list[str] = []
    keys: list[str] = []
    records: list[dict[str, Any]] = []
    for k, variant in enumerate(variants):
        require_whole(variant.example, style.numbers.max_size)
        derivation = derive(variant.example, hand=style.numbers.precision)
        network = variant.example.network
        pass_name = "forward pass" if derivation.gradients is None else "forward and backward pass"
        context = {
            "asked": BLANKS[: BLANKS.index(blank) + 1],
            "variant": variant.heading if len(variants) > 1 or variant.name else None,
            "named": variant.name is not None,
            "first": k == 0,
            "last": k == len(variants) - 1,
        }
        for answers, texts in ((False, sheets), (True, keys)):
            texts.append(
                render(
                    derivation,
                    "worksheet",
                    style=style,
                    title=title or f"Exercise: the {CELLS[network.cell].title} {pass_name}",
                    output_format=output_format,
                    context={**context, "answers": answers},
                )
            )
        records.append(_record(variant, derivation))
    from .serialize import encode_json

    answers_json = encode_json({"variants": records}) + "\n"
    return Worksheet("".join(sheets), "".join(keys), answers_json)


def given_variant(example: Example) -> Variant:
    """The one variant of a network given in a file."""
    from .serialize import network_to_json

    return Variant(1, example, json.loads(network_to_json(example.network, example.inputs)))


def drawn_variants(spec: NetworkSpec, seed: int, count: int | None, names: Sequence[str] | None) -> list[Variant]:
    """Networks drawn as `lstm-latex new` draws them: one from ``seed`` itself, or (with a
    ``count`` or ``names``) one a variant, each from its own seed derived from ``seed``."""
    if count is None and names is None:
        seeds = [seed]
    else:
        seeds = variant_seeds(seed, len(names) if names is not None else count or 1)
    variants = []
    for k, variant_seed in enumerate(seeds):
        text = new_network(spec, variant_seed)
        weights = json.loads(text)
        example = load(weights, where=f"variant {k + 1} (seed {variant_seed})")
        variants.append(Variant(k + 1, example, weights, variant_seed, None if names is None else names[k]))
    return variants


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


def _record(variant: Variant, derivation: Derivation) -> dict[str, Any]:
    from .serialize import trace_to_dict  # the check's constants come with it: only when writing answers

    record: dict[str, Any] = {"variant": variant.number}
    if variant.name is not None:
        record["name"] = variant.name
    record["seed"] = variant.seed
    record["weights"] = variant.weights
    # The hand values, each the decimal the key prints (to --precision decimals).
    record["trace"] = trace_to_dict(derivation.trace, None, derivation.gradients, derivation.hand)
    return record


def output_names(output: str) -> tuple[str, str, str]:
    """The sheet's file, its key's and its answers': sheet.tex, sheet-answers.tex, sheet-answers.json."""
    path = Path(output)
    key = path.with_name(path.stem + ANSWERS + path.suffix)
    return output, str(key), str(path.with_name(path.stem + ANSWERS + ".json"))


def read_names(path: str, latex: bool) -> list[str]:
    """The names in a file, one a line (blank lines skipped), each at most MAX_NAME characters and,
    for LaTeX, one pdflatex can typeset. Raises InputError naming the line."""
    try:
        with open_regular(Path(path)) as (stream, _):
            data = stream.read(MAX_VARIANTS * (MAX_NAME + 2) + 1)
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror})", path) from None
    except InputError as error:
        raise error.within(path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None
    names = []
    for number, line in enumerate(text.splitlines(), 1):
        name = line.strip()
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise InputError(f"line {number}: a name of {len(name)} characters, more than {MAX_NAME}", path)
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
