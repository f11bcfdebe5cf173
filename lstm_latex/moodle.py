"""A worksheet's questions as a Moodle quiz: Moodle XML, made from the worksheet's answers JSON.

Moodle's "random question" draws one question of a category for each student. A variant is
therefore one question: an embedded-answers (Cloze) question holding the variant's given numbers
and a numerical blank for every value the sheet asks, ``{1:NUMERICAL:=key:tolerance}`` (each blank
a numerical subquestion worth one mark, its tolerance absolute, no units). All the variants go in
one category, and a quiz of one random question from it gives each student one whole variant, its
numbers and its answers together; a category of a numerical question per value would give a
student the values of several variants at once.

The format is Moodle's "Moodle XML format" (docs.moodle.org/en/Moodle_XML_format): a ``quiz`` of
``question`` elements, the first of type ``category`` (the path where the rest are put), the others
of type ``cloze``: a name, the question text as HTML, the general feedback, the penalty. Text is
escaped twice: once for the HTML of the question (and its braces, which would open a blank), once
for the XML around it.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .cells import CELLS
from .errors import InputError
from .latex import round_decimal
from .loaders import read_bounded
from .marking import MAX_ANSWERS_BYTES, Question

MAX_CATEGORY = 200  # characters: Moodle keeps a category's name in 255
MAX_NAME = 200  # characters of a question's name in the answers
# A key or a tolerance as the answers write it: decimals with a point, no exponent (Moodle's Cloze
# reads these, and more).
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# A table's cells ruled and padded by its own attributes: a theme's CSS (Bootstrap's, Moodle's Boost)
# collapses the spacing between cells, and numbers would run together.
_TABLE = '<table border="1" cellpadding="4">'
_GIVEN_INPUTS = ("x", "h0", "c0", "target", "grad_output")  # the inputs a network's JSON may give
_LOSSES = {  # each of model.LOSSES in words, for the question text
    "half_sse": "L = ½ Σ (y − target)², the sum over every step and entry",
    "sse": "L = Σ (y − target)², the sum over every step and entry",
    "mse": "L = the mean of (y − target)² over every step and entry",
}


@dataclass(frozen=True)
class QuizVariant:
    """One variant of a worksheet, as its Moodle question shows it."""

    number: int
    seed: int | None
    cell: str  # lstm, gru, rnn_tanh, rnn_relu
    backward: bool  # the sheet asks the backward pass too
    decimals: int  # of every answer, as the key prints them
    givens: Sequence[Given]  # the parameters, then the inputs
    zero_states: Sequence[str]  # h0 (and c0) when not given: zero
    loss: str | None  # one of _LOSSES, with a target
    lr: str | None  # the learning rate of a step of SGD, every digit
    questions: Sequence[Question]


@dataclass(frozen=True)
class Given:
    """A parameter or an input: its name, and its rows of numbers as the key's arithmetic starts from them."""

    name: str
    rows: Sequence[Sequence[str]]  # a vector is one row; a matrix's rows as torch's layout has them


def read_variants(path: str) -> list[QuizVariant]:
    """The variants of a worksheet's answers JSON (``lstm-latex worksheet``'s NAME-answers.json), each
    checked as far as its Moodle question needs. Raises InputError naming the variant and question."""
    data = read_bounded(path, MAX_ANSWERS_BYTES)
    try:
        records = json.loads(data)["variants"]
        if not isinstance(records, list) or not records:
            raise ValueError("no variants")
        return [_variant(record) for record in records]
    except InputError as error:
        raise error.within(path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"not a worksheet's answers with questions ({type(error).__name__}: {error})", path) from None


def quiz_variants(records: Iterable[Mapping[str, Any]]) -> list[QuizVariant]:
    """The variants of a worksheet's answers as ``worksheet_records`` makes them, for the quiz."""
    return [_variant(record) for record in records]


def _variant(record: Mapping[str, Any]) -> QuizVariant:
    number = record["variant"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise InputError(f"variant {str(number)[:20]!r} is not a variant's number (1, 2, ...)")
    seed = record.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise InputError(f"variant {number}: seed {str(seed)[:20]!r} is not a whole number")
    trace, weights = record["trace"], record["weights"]
    if trace["cell"] not in CELLS:
        raise InputError(f"variant {number}: no cell {str(trace['cell'])[:20]!r}")
    cell = CELLS[trace["cell"]]
    asked = [_question(number, k, q) for k, q in enumerate(record["questions"], 1)]
    if not asked:
        raise InputError(f"variant {number}: no questions")
    decimals = trace["hand"]["decimals"]
    if not isinstance(decimals, int) or not 0 <= decimals <= 12:
        raise InputError(f"variant {number}: {str(decimals)[:20]!r} decimals, not 0 to 12")
    state = weights.get("state_dict")
    if not isinstance(state, Mapping) or "x" not in weights:
        raise InputError(f"variant {number}: its weights need a state_dict and x")
    inputs = {name: weights[name] for name in _GIVEN_INPUTS if name in weights}
    givens = [_given(number, name, value, decimals) for name, value in {**state, **inputs}.items()]
    zeros = [name for name in ("h0", "c0") if name not in weights and (name == "h0" or cell.has_cell_state)]
    loss = weights.get("loss")
    if loss is not None and loss not in _LOSSES:
        raise InputError(f"variant {number}: no loss {str(loss)[:20]!r}")
    lr = weights.get("lr")
    if lr is not None:
        lr = _number(number, "lr", lr, None)
    return QuizVariant(number, seed, cell.name, "grad" in trace, decimals, givens, zeros, loss, lr, asked)


def _question(variant: int, index: int, fields: Mapping[str, Any]) -> Question:
    name, key, tolerance = fields["name"], fields["key"], fields["tolerance"]
    where = f"variant {variant}, question {index}"
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not name.isprintable():
        raise InputError(f"{where}: a name of 1 to {MAX_NAME} printable characters is needed")
    if not _decimal(key):
        raise InputError(f"{where} ({name}): its key {str(key)[:40]!r} is not a decimal number (-1.2345)")
    if not _decimal(tolerance) or tolerance.startswith("-"):
        raise InputError(f"{where} ({name}): its tolerance {str(tolerance)[:40]!r} is not a decimal number, 0 or more")
    return Question(name, key, tolerance)


def _decimal(text: Any) -> bool:
    return isinstance(text, str) and len(text) <= 40 and _DECIMAL.fullmatch(text) is not None


def category_name(text: str) -> str:
    """``text`` as the name of the quiz's category: 1 to MAX_CATEGORY printable characters. Raises InputError."""
    name = text.strip()
    if not name or len(name) > MAX_CATEGORY or not name.isprintable():
        raise InputError(f"the category's name must be 1 to {MAX_CATEGORY} printable characters: give --category NAME")
    return name


def default_category(answers: str) -> str:
    """The category a worksheet's answers go in unless named: the sheet's name (week3 for week3-answers.json)."""
    stem = Path(answers).name.removesuffix(".json").removesuffix("-answers")
    return stem or "worksheet"


def moodle_xml(variants: Sequence[QuizVariant], category: str) -> str:
    """Moodle XML of ``variants``: the category ``$course$/top/<category>``, then a Cloze question a
    variant, named "Variant N", each blank a value its sheet asks (in the answers' order), with the key
    as printed and its tolerance. The HTML is in CDATA sections, as Moodle writes it."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        '  <question type="category">',
        f"    <category><text>{escape(f'$course$/top/{_category_path(category)}')}</text></category>",
        f'    <info format="html"><text>{_cdata(f"<p>{_html(_intro(category, len(variants)))}</p>")}</text></info>',
        "  </question>",
    ]
    for variant in variants:
        lines += [
            '  <question type="cloze">',
            f"    <name><text>Variant {variant.number}</text></name>",
            f'    <questiontext format="html"><text>{_cdata(_question_html(variant, category))}</text></questiontext>',
            '    <generalfeedback format="html"><text></text></generalfeedback>',
            "    <penalty>0.3333333</penalty>",
            "    <hidden>0</hidden>",
            "  </question>",
        ]
    return "\n".join([*lines, "</quiz>", ""])


def _cdata(html_text: str) -> str:
    """``html_text`` as XML character data; a ]]> in it (_html escapes every > of a text) split in two sections."""
    return "<![CDATA[" + html_text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _category_path(name: str) -> str:
    """A category's name as one step of Moodle's path: a / doubled (a single one separates steps), and
    a space before or after a / at either end, which Moodle trims."""
    path = name.replace("/", "//")
    return (" " if path.startswith("/") else "") + path + (" " if path.endswith("/") else "")


def _intro(category: str, count: int) -> str:
    return (
        f"{count} variant{'s' if count > 1 else ''} of the worksheet “{category}”, a Cloze question each."
        " A quiz of one random question from this category gives each student one whole variant."
    )


def _html(text: str) -> str:
    """``text`` made literal in the question's HTML, its braces too: Moodle reads {1:NUMERICAL:...} as a blank."""
    return html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")


def _question_html(variant: QuizVariant, category: str) -> str:
    cell = CELLS[variant.cell].title
    passes = "forward and backward pass" if variant.backward else "forward pass"
    tolerances = sorted({q.tolerance for q in variant.questions})
    seed = "" if variant.seed is None else f" (seed {variant.seed})"
    within = f" An answer within ±{tolerances[0]} of the key is right." if len(tolerances) == 1 else ""
    parts = [
        f"<p>{_html(f'Variant {variant.number}{seed} of the worksheet “{category}”: the {cell} {passes}.')}"
        f" {_html(f'On the printed sheet of variant {variant.number}, each value asked here has its box.')}</p>",
        "<p>"
        + _html(
            f"Work as the key does: each value rounded to {variant.decimals} decimals as soon as it is"
            " computed (half away from zero), and computed from the rounded values before it."
        )
        + _html(within)
        + "</p>",
        "<p><b>Given</b></p>",
        *_givens_html(variant),
        "<p><b>Asked</b> "
        + _html(
            "(each value is named by its place in the worksheet's answers: t1/h[2] is entry 2 of h_t at t = 1,"
            " t2/backward/o/preactivation[1] entry 1 of δ_o at t = 2, grad/weight_ih_l0[3,1] row 3, column 1"
            " of ∂L/∂W_ih)"
        )
        + "</p>",
        _TABLE,
        *(
            f"<tr><td>{_html(q.name)}</td><td>{{1:NUMERICAL:={q.key}:{q.tolerance}}}</td></tr>"
            for q in variant.questions
        ),
        "</table>",
    ]
    return "\n".join(parts)


def _givens_html(variant: QuizVariant) -> list[str]:
    """The network's parameters and inputs, a table each; the zero states, the loss and the learning
    rate as sentences."""
    cell = CELLS[variant.cell]
    stacked = (
        f": the rows of the gates {', '.join(cell.gate_names)} stacked in that order" if len(cell.gates) > 1 else ""
    )
    layout = f"Each parameter as torch's {cell.torch_class} holds it{stacked}. Row t of x is x_t."
    parts = [f"<p>{_html(layout)}</p>"]
    for given in variant.givens:
        body = "".join("<tr>" + "".join(f"<td>{n}</td>" for n in row) + "</tr>" for row in given.rows)
        parts.append(f"<p>{_html(given.name)} =</p>\n{_TABLE}{body}</table>")
    if variant.zero_states:
        parts.append(f"<p>{_html(' and '.join(f'{name} = 0' for name in variant.zero_states))}.</p>")
    if variant.loss is not None:
        parts.append(f"<p>{_html(f'The loss: {_LOSSES[variant.loss]}.')}</p>")
    if variant.lr is not None:
        parts.append(f"<p>{_html(f'One step of SGD with the learning rate {variant.lr}.')}</p>")
    return parts


def _given(variant: int, name: Any, value: Any, decimals: int) -> Given:
    """A scalar, a vector or a matrix of the weights, its numbers rounded as the key's hand arithmetic
    rounds them first."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not name.isprintable():
        raise InputError(f"variant {variant}: a given's name of 1 to {MAX_NAME} printable characters is needed")
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        rows = value
    else:
        rows = [value if isinstance(value, list) else [value]]
    return Given(name, [[_number(variant, name, entry, decimals) for entry in row] for row in rows])


def _number(variant: int, name: str, value: Any, decimals: int | None) -> str:
    """A given number rounded to ``decimals`` (latex.round_decimal, as the hand arithmetic), its
    trailing zeros dropped (0.7, not 0.7000); with None, every digit of a setting (the learning rate)."""
    try:
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise InputError(f"variant {variant}, {name}: {str(value)[:20]!r} is not a finite number")
    exact = Decimal(repr(number)) if decimals is None else round_decimal(number, decimals)
    return "0" if exact == 0 else f"{exact.normalize():f}"
