"""Marking a class: the questions a worksheet asks (as many as its boxes), their template CSV, and
`lstm-latex mark` on right, wrong, within-tolerance and missing answers."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from lstm_latex.cli import main
from lstm_latex.generate import NetworkSpec
from lstm_latex.marking import questions
from lstm_latex.pipeline import derive
from lstm_latex.view import BLANKS, Blank, Sheet
from lstm_latex.view.exercise import page_answers
from lstm_latex.view.records import Answer
from lstm_latex.worksheet import drawn_variants, make_worksheet

SPECS = [
    NetworkSpec(target=True),
    NetworkSpec(cell="gru", target=True, bidirectional=True),
    NetworkSpec(cell="rnn_tanh", target=True, layers=2),
    NetworkSpec(hidden_size=3, proj_size=1, target=True, random_state=True),
    NetworkSpec(cell="rnn_relu", bias=False),
]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.cell}-{s.layers}-{s.bidirectional}-{s.proj_size}")
def test_a_question_for_every_box(spec: NetworkSpec, blank: Blank) -> None:
    made = make_worksheet(drawn_variants(spec, 11, None, None), blank=blank)
    asked = json.loads(made.answers)["variants"][0]["questions"]
    assert len(asked) == made.sheet.count("\\boxed")
    assert len({q["name"] for q in asked}) == len(asked)  # each its own column


def test_the_key_as_printed_and_its_tolerance() -> None:
    made = make_worksheet(drawn_variants(NetworkSpec(target=True), 3, None, None), blank="states")
    variant = json.loads(made.answers)["variants"][0]
    trace = variant["trace"]
    asked = {q["name"]: q for q in variant["questions"]}
    h = trace["layers"][0]["steps"][1]["h"]
    assert asked["t2/h[2]"] == {"name": "t2/h[2]", "key": f"{h[1]:.4f}", "tolerance": "0.0001"}
    assert asked["loss"]["key"] == f"{trace['loss']['value']:.4f}"
    assert asked["grad/output[2,1]"]["key"] == f"{trace['grad']['output'][1][0]:.4f}"
    assert "t1/i/activation[1]" not in asked  # a gate: not asked of "states"
    example = drawn_variants(NetworkSpec(target=True), 3, None, None)[0].example
    answers = page_answers(derive(example, hand=2), Sheet(blank="states"))
    assert {q.tolerance for q in questions(answers, 2, "0.05")} == {"0.05"}
    assert {q.tolerance for q in questions(answers, 2)} == {"0.01"}


def test_no_negative_zero() -> None:
    bias = Answer(np.array([-0.00001, 0.0]), "grad/bias_ih_l0", filled=True, row=2)
    asked = questions([Answer(np.array(1.5), "loss", filled=True), bias], 4)
    assert [(q.name, q.key) for q in asked] == [
        ("loss", "1.5000"),
        ("grad/bias_ih_l0[3]", "0.0000"),  # a block from row 3 of the array named
        ("grad/bias_ih_l0[4]", "0.0000"),
    ]


def worksheet(folder: Path, *args: str) -> dict[int, dict[str, str]]:
    """A worksheet written in ``folder``; each variant's key by question."""
    result = CliRunner().invoke(
        main, ["worksheet", "--target", "--blank", "states", *args, "-o", str(folder / "s.tex")]
    )
    assert result.exit_code == 0, result.output
    answers = json.loads((folder / "s-answers.json").read_text())
    return {v["variant"]: {q["name"]: q["key"] for q in v["questions"]} for v in answers["variants"]}


def mark(folder: Path, rows: list[list[str]]) -> Result:
    with open(folder / "r.csv", "w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return CliRunner().invoke(main, ["mark", str(folder / "s-answers.json"), str(folder / "r.csv")])


def test_the_template_is_written_with_the_worksheet(tmp_path: Path) -> None:
    keys = worksheet(tmp_path, "--variants", "3", "--seed", "8")
    rows = list(csv.reader(io.StringIO((tmp_path / "s-responses.csv").read_text())))
    assert rows[0] == ["student", "variant", *keys[1]]
    assert rows[1:] == [[f"Variant {n}", str(n), *[""] * len(keys[1])] for n in (1, 2, 3)]
    assert list(keys[1]) == list(keys[2]) == list(keys[3])  # one shape: one set of columns


def test_a_class_of_several_variants(tmp_path: Path) -> None:
    keys = worksheet(tmp_path, "--variants", "2", "--seed", "8", "--tolerance", "0.001")
    names = list(keys[1])
    h, c, loss = "t2/h[1]", "t2/c[2]", "loss"
    near = f"{float(keys[2][h]) + 0.0009:.4f}"  # within --tolerance 0.001
    far = f"{float(keys[2][c]) + 0.0011:.4f}"  # beyond it
    right = [keys[1][n] for n in names]
    second = [{h: near, c: far, loss: ""}.get(n, keys[2][n]) for n in names]
    result = mark(tmp_path, [["student", "variant", *names], ["Ann", "1", *right], ["Bob", "2", *second]])
    assert result.exit_code == 0, result.output
    scores = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(s["student"], s["score"], s["out of"]) for s in scores] == [
        ("Ann", str(len(names)), str(len(names))),
        ("Bob", str(len(names) - 2), str(len(names))),
    ]
    assert (scores[1][h], scores[1][c], scores[1][loss]) == ("1", "0", "0")  # near, far, missing
    assert result.stderr == f"1/2 missed {c}\n1/2 missed {loss}\n"


def test_the_default_tolerance_is_one_unit_in_the_last_decimal(tmp_path: Path) -> None:
    keys = worksheet(tmp_path, "--seed", "8", "--precision", "2")
    key = keys[1]["t1/h[1]"]
    off = [f"{float(key) + d:.2f}" for d in (0.01, 0.02)]
    result = mark(tmp_path, [["student", "variant", "t1/h[1]"], ["A", "1", off[0]], ["B", "1", off[1]]])
    scores = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [s["t1/h[1]"] for s in scores] == ["1", "0"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["student", "variant", "t9/h[1]"]], "row 1, column 3: 't9/h[1]' is no question of the answers"),
        ([["name", "variant"]], "row 1: the first columns must be 'student' and 'variant'"),
        ([["student", "variant", "t1/h[1]"], ["A", "3", "0.1"]], "row 2, column 2 (variant): '3' is no variant"),
        ([["student", "variant", "t1/h[1]"], ["A", "1", "0,5"]], "row 2, column 3 (t1/h[1]): '0,5' is not a number"),
        ([["student", "variant"], ["A", "1", "0.5"]], "row 2: 3 cells, but the header has 2 columns"),
    ],
)
def test_a_bad_csv_is_one_line_naming_row_and_column(tmp_path: Path, rows: list[list[str]], message: str) -> None:
    worksheet(tmp_path, "--seed", "8")
    result = mark(tmp_path, rows)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    worksheet(tmp_path, "--seed", "8")
    result = CliRunner().invoke(main, ["mark", str(tmp_path / "s-answers.json"), "/dev/zero"])
    assert result.exit_code == 1
    assert "not a regular file" in result.stderr


def test_a_bad_tolerance_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["worksheet", "--tolerance", "-1", "-o", str(tmp_path / "s.tex")])
    assert result.exit_code == 2
    assert "is not a tolerance" in result.stderr


# What each value a worksheet asks needs, by its name's last parts (the step's prefix left out):
# the values of its own step that its equation reads. A value needs those the page asks before it.
NEEDS = {
    "preactivation": ["{k}/input_affine", "{k}/hidden_affine"],
    "n/preactivation": ["n/input_affine", "reset_hidden"],
    "reset_hidden": ["r/activation", "n/hidden_affine"],
    "activation": ["{k}/preactivation"],
    "c": ["forget_term", "input_term", "f/activation", "i/activation", "g/activation"],
    "h_unprojected": ["o/activation", "tanh_c"],
    "tanh_c": ["c"],
    "h": ["tanh_c", "h_unprojected", "o/activation", "one_minus_z", "new_term", "keep_term", "h/activation"],
    "backward/dh": ["backward/dh_output", "backward/dh_next"],
    "backward/dc": ["backward/dh", "backward/dc_next", "backward/dh_unprojected"],
    "backward/dh_unprojected": ["backward/dh"],
    "backward/activation": ["backward/dh", "backward/dc"],
    "backward/r/activation": ["backward/n/preactivation", "backward/n/hidden_affine"],
    "backward/preactivation": ["backward/{k}/activation", "backward/dh", "backward/dc"],
    "backward/n/hidden_affine": ["backward/n/preactivation"],
    "backward/dh_prev_kept": ["backward/dh"],
    "backward/dh_prev_gates": ["backward/{g}/preactivation", "backward/n/hidden_affine"],
    "backward/dh_prev": ["backward/{g}/preactivation", "backward/dh_prev_kept", "backward/dh_prev_gates"],
    "backward/dx": ["backward/{g}/preactivation"],
    "backward/dc_prev": ["backward/dc"],
}


def _needs(name: str, gates: str) -> list[str]:
    """What the value named ``name`` (``t2/backward/r/activation``) needs, named in full."""
    step, own = re.fullmatch(r"((?:layer \d+/)?(?:reverse/)?t\d+)/(.*)", name).groups()  # type: ignore[union-attr]
    backward = own.startswith("backward/")
    local = own.removeprefix("backward/")
    k, _, part = local.rpartition("/")
    key = ("backward/" if backward else "") + local
    generic = ("backward/" if backward else "") + part
    found = NEEDS.get(key, NEEDS.get(generic, []))
    return [f"{step}/{need.format(k=k, g=g)}" for need in found for g in (gates if "{g}" in need else "_")]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.cell}-{s.layers}-{s.bidirectional}-{s.proj_size}")
def test_no_box_needs_a_value_from_a_later_box(spec: NetworkSpec, blank: Blank) -> None:
    variant = json.loads(make_worksheet(drawn_variants(spec, 11, None, None), blank=blank).answers)["variants"][0]
    names = [re.sub(r"\[.*\]$", "", q["name"]) for q in variant["questions"]]
    gates = {"lstm": "ifgo", "gru": "rzn"}.get(variant["trace"]["cell"], "h")
    first = {name: names.index(name) for name in names}
    for k, name in enumerate(names):
        if not re.match(r"(layer \d+/)?(reverse/)?t\d+/", name):
            continue  # the loss, the parameters' gradients and their update: of no step
        late = [need for need in _needs(name, gates) if first.get(need, -1) > k]
        assert not late, f"{name} needs {late}, asked after it"


def test_the_questions_are_the_keys_numbers_in_its_order() -> None:
    made = make_worksheet(drawn_variants(NetworkSpec(cell="gru", target=True, lr=0.5), 7, None, None))
    keys = [q["key"] for q in json.loads(made.answers)["variants"][0]["questions"]]
    printed = iter(re.findall(r"-?\d+\.\d{4}", made.key))
    assert all(any(number == key for number in printed) for key in keys)  # a subsequence of the key's numbers
