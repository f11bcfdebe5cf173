"""`lstm-latex moodle`: a worksheet's answers as Moodle XML, parsed and checked question by question
against the answers JSON, against what Moodle's importer reads (question/format/xml/format.php and
the Cloze parser of question/type/multianswer), and against a real export kept in tests/moodle/."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lstm_latex.cli import main

KEPT = Path(__file__).parent / "moodle" / "seed-worksheet.xml"
# The worksheet KEPT is exported from: two variants of an LSTM(2, 2) over T = 2, forward, backward and
# a step of SGD.
WORKSHEET = ("--variants", "2", "--seed", "7", "--target", "--lr", "0.5")

# A number as Moodle's Cloze parser reads an answer or a tolerance (its NUMBER_REGEX), and a
# numerical blank {weight:NUMERICAL:=answer:tolerance}; any {weight:TYPE: opens a blank.
NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
BLANK = re.compile(r"\{([0-9]*):(?:NUMERICAL|NM):=(" + NUMBER + r"):(" + NUMBER + r")\}")
BLANK_START = re.compile(r"\{[0-9]*:[A-Z_]+:")


def make_worksheet(folder: Path, *args: str) -> Path:
    """The answers JSON of a worksheet written in ``folder`` as week3.tex."""
    result = CliRunner().invoke(main, ["worksheet", *args, "-o", str(folder / "week3.tex")])
    assert result.exit_code == 0, result.output
    return folder / "week3-answers.json"


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_worksheet(tmp_path_factory.mktemp("moodle"), *WORKSHEET)


def export(answers: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["moodle", str(answers), *args])


def quiz(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml.encode())
    assert root.tag == "quiz"
    return list(root)


def text(question: ET.Element, path: str) -> str:
    found = question.find(f"{path}/text")
    assert found is not None, path
    return found.text or ""


def html(question: ET.Element) -> ET.Element:
    """The question text, parsed: it is well-formed as well as HTML."""
    return ET.fromstring(f"<div>{text(question, 'questiontext')}</div>")


def blanks(question: ET.Element) -> list[tuple[str, str, str]]:
    """Each row of the asked values: its name, and the key and tolerance of its blank."""
    rows = []
    for row in html(question).iter("tr"):
        cells = ["".join(cell.itertext()) for cell in row.iter("td")]
        if len(cells) == 2 and (blank := BLANK.fullmatch(cells[1])):
            assert blank[1] == "1"  # each value one mark, as `mark` counts it
            rows.append((cells[0], blank[2], blank[3]))
    return rows


def table(question: ET.Element, name: str) -> list[list[float]]:
    """The numbers of the table after the paragraph ``name =`` in the question text."""
    children = list(html(question))
    at = next(k for k, child in enumerate(children) if child.tag == "p" and child.text == f"{name} =")
    return [[float(cell.text or "") for cell in row.iter("td")] for row in children[at + 1].iter("tr")]


def category_steps(path: str) -> list[str]:
    """A category's path as Moodle splits it: at a single /, a // being a / of a name."""
    return [step.replace("//", "/").strip() for step in re.split(r"(?<!/)/(?!/)", path)]


def test_each_variant_asks_every_value_with_its_key_and_tolerance(answers: Path) -> None:
    result = export(answers)
    assert result.exit_code == 0, result.output
    category, *questions = quiz(result.stdout)
    assert category.get("type") == "category"
    assert category_steps(text(category, "category")) == ["$course$", "top", "week3"]
    variants = json.loads(answers.read_text())["variants"]
    assert [q.get("type") for q in questions] == ["cloze", "cloze"]
    for question, variant in zip(questions, variants, strict=True):
        assert text(question, "name") == f"Variant {variant['variant']}"
        asked = [(q["name"], q["key"], q["tolerance"]) for q in variant["questions"]]
        assert len(asked) > 100
        assert blanks(question) == asked
        assert asked[-1][0] == "updated/bias_hh_l0[8]"  # the step of SGD is asked too, last
    assert blanks(questions[0]) != blanks(questions[1])  # two networks, two keys


def test_the_given_numbers_are_the_variants(answers: Path) -> None:
    """The question shows each variant's own network and inputs: a student drawn any variant can work it."""
    _, *questions = quiz(export(answers).stdout)
    for question, variant in zip(questions, json.loads(answers.read_text())["variants"], strict=True):
        weights = variant["weights"]
        for name, value in weights["state_dict"].items():
            assert table(question, name) == (value if isinstance(value[0], list) else [value])
        assert table(question, "x") == weights["x"]
        assert table(question, "target") == weights["target"]
        said = "".join(html(question).itertext())
        assert f"seed {variant['seed']}" in said
        assert "h0 = 0 and c0 = 0." in said
        assert "One step of SGD with the learning rate 0.5." in said
        assert "An answer within ±0.0001 of the key is right." in said


def test_what_moodles_importer_reads(answers: Path) -> None:
    """What Moodle's XML import needs of each question (docs.moodle.org/en/Moodle_XML_format and its
    importer): a category with a $course$ path first; each Cloze question a name, its text as HTML,
    and every {n:TYPE: in it a well-formed numerical blank with a tolerance of 0 or more."""
    category, *questions = quiz(export(answers).stdout)
    assert text(category, "category").startswith("$course$/")
    assert [child.tag for child in category] == ["category", "info"]
    for question in questions:
        assert [child.tag for child in question] == [
            "name",
            "questiontext",
            "generalfeedback",
            "penalty",
            "hidden",
        ]
        assert text(question, "name").strip()
        body = question.find("questiontext")
        assert body is not None
        assert body.get("format") == "html"
        source = text(question, "questiontext")
        found = BLANK.findall(source)
        assert len(BLANK_START.findall(source)) == len(found) == len(blanks(question))
        assert all(float(tolerance) >= 0 for _, _, tolerance in found)
        assert 0 <= float(question.findtext("penalty") or "") <= 1
        assert question.findtext("hidden") == "0"


def test_the_kept_export_is_what_the_command_writes(tmp_path: Path, update_golden: bool) -> None:
    """tests/moodle/seed-worksheet.xml: `lstm-latex worksheet` of WORKSHEET, then `lstm-latex moodle`,
    byte for byte (--update-golden rewrites it)."""
    exported = tmp_path / "seed-worksheet.xml"
    result = export(make_worksheet(tmp_path, *WORKSHEET), "--category", "seed worksheet", "-o", str(exported))
    assert result.exit_code == 0, result.output
    if update_golden:
        KEPT.write_bytes(exported.read_bytes())
    assert exported.read_bytes() == KEPT.read_bytes()
    assert len(quiz(KEPT.read_text(encoding="utf-8"))) == 3


def hand_made(folder: Path, answers: Path, edit: Any) -> Path:
    """A copy of ``answers`` with ``edit`` applied to its first variant."""
    data = json.loads(answers.read_text())
    edit(data["variants"][0])
    path = folder / "edited-answers.json"
    path.write_text(json.dumps(data))
    return path


def test_names_and_the_category_are_text_whatever_they_hold(answers: Path, tmp_path: Path) -> None:
    name = "a & b <c> {1:NUMERICAL:=9:0} ]]> #~"

    def rename(variant: dict[str, Any]) -> None:
        variant["questions"][0]["name"] = name

    category = "R&D <week 3> / {x} ]]>"
    result = export(hand_made(tmp_path, answers, rename), "--category", category)
    assert result.exit_code == 0, result.output
    head, first, _ = quiz(result.stdout)
    assert category_steps(text(head, "category")) == ["$course$", "top", category]
    key = json.loads(answers.read_text())["variants"][0]["questions"][0]
    assert blanks(first)[0] == (name, key["key"], key["tolerance"])
    source = text(first, "questiontext")
    assert len(BLANK_START.findall(source)) == len(blanks(first))  # the name opens no blank
    assert f"worksheet “{category}”:" in "".join(html(first).itertext())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda v: v["questions"][1].update(key="1e5"), "variant 1, question 2 (t1/i/input_affine[2]): its key '1e5'"),
        (lambda v: v["questions"][0].update(tolerance="-0.1"), "its tolerance '-0.1' is not a decimal number"),
        (lambda v: v["questions"][0].update(name="a\x00b"), "variant 1, question 1: a name of 1 to 200 printable"),
        (lambda v: v.update(questions=[]), "variant 1: no questions"),
        (lambda v: v["weights"].pop("x"), "variant 1: its weights need a state_dict and x"),
        (
            lambda v: v["weights"]["state_dict"]["bias_ih_l0"].__setitem__(0, "1"),
            "variant 1, bias_ih_l0: '1' is not a finite number",
        ),
        (lambda v: v["weights"].update(lr=10**400), "variant 1, lr: '10000000000000000000' is not a finite number"),
        (lambda v: v.pop("trace"), "not a worksheet's answers with questions (KeyError: 'trace')"),
    ],
)
def test_bad_answers_are_one_line_naming_the_variant_and_question(
    answers: Path, tmp_path: Path, edit: Any, message: str
) -> None:
    path = hand_made(tmp_path, answers, edit)
    result = export(path, "-o", str(tmp_path / "quiz.xml"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "quiz.xml").exists()


def test_only_a_regular_file_is_read_and_the_category_is_bounded(answers: Path) -> None:
    result = CliRunner().invoke(main, ["moodle", "/dev/zero"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: /dev/zero: ")
    result = export(answers, "--category", "x" * 201)
    assert result.exit_code == 1
    assert result.stderr == "Error: the category's name must be 1 to 200 printable characters: give --category NAME\n"


def test_a_students_name_is_not_in_the_quiz(tmp_path: Path) -> None:
    """The draw is random: a student may be given the variant of another, whose name it must not show."""
    (tmp_path / "names.txt").write_text("Anna Schmidt\nBen Okafor\n")
    answers = make_worksheet(tmp_path, "--names", str(tmp_path / "names.txt"), "--seed", "3")
    result = export(answers)
    assert result.exit_code == 0, result.output
    assert "Anna" not in result.stdout
    assert "Okafor" not in result.stdout
    assert [text(q, "name") for q in quiz(result.stdout)[1:]] == ["Variant 1", "Variant 2"]


def test_the_given_numbers_are_those_the_key_is_worked_from(tmp_path: Path) -> None:
    """A network given with more decimals than --precision is worked from its numbers rounded to
    --precision (hand arithmetic): the question gives those, as the trace of the answers has them."""
    network = tmp_path / "net.json"
    result = CliRunner().invoke(main, ["new", "--decimals", "4", "--seed", "5", "-o", str(network)])
    assert result.exit_code == 0, result.output
    answers = make_worksheet(tmp_path, str(network), "--precision", "2")
    (question,) = quiz(export(answers).stdout)[1:]
    steps = json.loads(answers.read_text())["variants"][0]["trace"]["layers"][0]["steps"]
    given = json.loads(network.read_text())["x"]
    assert table(question, "x") == [step["x"] for step in steps]
    assert table(question, "x") != given  # four decimals drawn, two worked with


@pytest.mark.parametrize(("cell", "states", "gates"), [("gru", "h0 = 0.", "r, z, n"), ("rnn_tanh", "h0 = 0.", None)])
def test_each_cell_says_its_own_states_and_gates(tmp_path: Path, cell: str, states: str, gates: str | None) -> None:
    answers = make_worksheet(tmp_path, "--cell", cell, "--seed", "4")
    (question,) = quiz(export(answers).stdout)[1:]
    said = "".join(html(question).itertext())
    assert states in said
    assert "c0" not in said
    if gates is None:  # one block of rows
        assert "Each parameter as torch's RNN holds it. Row t of x is x_t." in said
    else:
        assert f"the rows of the gates {gates} stacked" in said
    asked = json.loads(answers.read_text())["variants"][0]["questions"]
    assert blanks(question) == [(q["name"], q["key"], q["tolerance"]) for q in asked]


@pytest.mark.parametrize("format_given", [["--format", "moodle"], []])
def test_worksheet_writes_the_quiz_itself_with_format_moodle_or_an_xml_file(
    answers: Path, tmp_path: Path, format_given: list[str]
) -> None:
    quiz_file = tmp_path / "week3.xml"
    result = CliRunner().invoke(main, ["worksheet", *WORKSHEET, *format_given, "-o", str(quiz_file)])
    assert result.exit_code == 0, result.output
    assert [path.name for path in tmp_path.iterdir()] == ["week3.xml"]  # the quiz alone: Moodle marks it
    assert quiz_file.read_text(encoding="utf-8") == export(answers).stdout  # as from the sheet's answers
