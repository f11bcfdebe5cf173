"""Marking a class: the values a worksheet asks for, each named as a column of a CSV of responses,
with the key as printed and a tolerance; and a CSV of responses marked against them.

A question's name is its place in the answers' trace (lstm_latex.serialize's trace format), the
keys joined by /, then the entry's 1-based index in brackets: ``t1/h[2]`` is entry 2 of h_t at
t = 1, ``t2/backward/o/preactivation[1]`` entry 1 of δ_o at t = 2, ``grad/weight_ih_l0[3,1]``
row 3, column 1 of ∂L/∂W_ih, ``loss`` the loss. A network of several layers or two directions puts
``layer 2/`` and ``reverse/`` before the step. Variants of one shape have the same names: the
response's variant column says whose key it is marked against.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import InputError
from .loaders import read_bounded
from .view.records import Answer

MAX_ANSWERS_BYTES = 200_000_000  # a class of 500 of the largest networks is 126 MB of answers
MAX_RESPONSES_BYTES = 50_000_000
STUDENT, VARIANT = "student", "variant"  # the first two columns of a CSV of responses


@dataclass(frozen=True)
class Question:
    """One number a worksheet asks for: its column's name, the key as printed, its tolerance."""

    name: str
    key: str
    tolerance: str

    def right(self, response: Decimal) -> bool:
        return abs(response - Decimal(self.key)) <= Decimal(self.tolerance)


def questions(answers: Sequence[Answer], precision: int, tolerance: str | None = None) -> list[Question]:
    """Each number of a worksheet page's ``answers`` (lstm_latex.view.exercise.page_answers), in
    the page's order, with the key printed to ``precision`` decimals; the tolerance is
    ``tolerance``, or one unit in the last of those decimals."""
    tol = tolerance if tolerance is not None else f"{Decimal(1).scaleb(-precision):f}"
    return [Question(name, _printed(value, precision), tol) for answer in answers for name, value in _entries(answer)]


def tolerance_text(text: str) -> str:
    """``text`` as a tolerance: a decimal number, 0 or more, of at most 20 characters. Raises InputError."""
    try:
        value = Decimal(text) if len(text) <= 20 else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise InputError(f"{text[:20]!r} is not a tolerance: give a decimal number, 0 or more (0.0005)")
    return f"{value:f}"


def _entries(answer: Answer) -> Iterator[tuple[str, float]]:
    """Each number of an answer with its name and 1-based index in the array it is named by (a
    gate's block of a parameter's gradient starts at its row)."""
    value = answer.value
    if value.ndim == 0:
        yield answer.name, float(value)
    elif value.ndim == 2:
        for r, row in enumerate(value, answer.row + 1):
            for c, number in enumerate(row, 1):
                yield f"{answer.name}[{r},{c}]", float(number)
    else:
        for k, number in enumerate(value, answer.row + 1):
            yield f"{answer.name}[{k}]", float(number)


def _printed(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}"
    return f"{0:.{precision}f}" if text.lstrip("-0.") == "" else text  # -0.0000 is 0.0000


def template(variants: Sequence[tuple[str, int, Sequence[Question]]]) -> str:
    """The CSV a class's responses are written in: the columns, and a row a variant (its heading,
    its number, the answers empty)."""
    names = list(dict.fromkeys(q.name for _, _, asked in variants for q in asked))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([STUDENT, VARIANT, *names])
    for heading, number, _ in variants:
        writer.writerow([heading, number, *[""] * len(names)])
    return out.getvalue()


@dataclass(frozen=True)
class Marks:
    """A class marked: the scores' CSV, and how many students missed each question."""

    scores: str
    missed: Counter[str]
    asked: Counter[str]


def read_answers(path: str) -> dict[int, list[Question]]:
    """Each variant's questions in a worksheet's answers JSON. Raises InputError."""
    import json

    data = read_bounded(path, MAX_ANSWERS_BYTES)
    try:
        variants = json.loads(data)["variants"]
        return {
            int(v["variant"]): [Question(q["name"], q["key"], q["tolerance"]) for q in v["questions"]] for v in variants
        }
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"not a worksheet's answers with questions ({type(error).__name__}: {error})", path) from None


def mark(answers: Mapping[int, Sequence[Question]], path: str) -> Marks:
    """The responses in the CSV ``path`` marked against ``answers``: a row a student (a score for
    each question of its variant: 1 right, 0 wrong or missing; then the total), and the count of
    misses per question. Raises InputError naming the row and column of a bad cell."""
    data = read_bounded(path, MAX_RESPONSES_BYTES)
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"row {line}: not UTF-8 text", path) from None
    except csv.Error as error:
        raise InputError(f"not a CSV file ({error})", path) from None
    if not rows:
        raise InputError("empty: a header of columns is needed", path)
    header = rows[0]
    if header[:2] != [STUDENT, VARIANT]:
        raise InputError(f"row 1: the first columns must be {STUDENT!r} and {VARIANT!r}", path)
    known = {q.name for asked in answers.values() for q in asked}
    for column, name in enumerate(header[2:], 3):
        if name not in known:
            raise InputError(f"row 1, column {column}: {name!r} is no question of the answers", path)
    names = list(dict.fromkeys(q.name for asked in answers.values() for q in asked))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([STUDENT, VARIANT, *names, "score", "out of"])
    missed: Counter[str] = Counter()
    asked_count: Counter[str] = Counter()
    for number, row in enumerate(rows[1:], 2):
        if not row or row[0].startswith("#") or not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise InputError(f"row {number}: {len(row)} cells, but the header has {len(header)} columns", path)
        cells = dict(zip(header, row, strict=False))
        variant_text = cells.get(VARIANT, "").strip()
        if not variant_text.isdigit() or int(variant_text) not in answers:
            raise InputError(f"row {number}, column 2 ({VARIANT}): {variant_text!r} is no variant of the answers", path)
        scores: dict[str, str] = {}
        for question in answers[int(variant_text)]:
            given = cells.get(question.name, "").strip()
            right = False
            if given:
                try:
                    right = question.right(Decimal(given.replace("−", "-")))
                except InvalidOperation:
                    column = header.index(question.name) + 1
                    raise InputError(
                        f"row {number}, column {column} ({question.name}): {given!r} is not a number", path
                    ) from None
            scores[question.name] = "1" if right else "0"
            asked_count[question.name] += 1
            if not right:
                missed[question.name] += 1
        total = sum(s == "1" for s in scores.values())
        writer.writerow([cells.get(STUDENT, ""), variant_text, *[scores.get(n, "") for n in names], total, len(scores)])
    return Marks(out.getvalue(), missed, asked_count)


def most_missed(marks: Marks, count: int = 10) -> str:
    """The questions most often missed, a line each: ``missed/asked  name``."""
    lines = [f"{n}/{marks.asked[name]} missed {name}" for name, n in marks.missed.most_common(count) if n]
    return "".join(line + "\n" for line in lines)
