"""`lstm-latex worksheet`: the sheet never holds an answer, the key holds every one, and the same
command writes the same bytes."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEED, joined
from networks import random_lstm

from lstm_latex.cli import main
from lstm_latex.generate import NetworkSpec, new_network, variant_seeds
from lstm_latex.latex import NumberFormat
from lstm_latex.model import Example
from lstm_latex.pipeline import derive
from lstm_latex.render import Style, render
from lstm_latex.selection import Indices, Selection
from lstm_latex.view import BLANKS, Blank
from lstm_latex.view.records import KEYS, Paper
from lstm_latex.worksheet import Worksheet, drawn_variants, make_worksheet

PRECISION = 3
# A printed number: fixed with PRECISION decimals, or in scientific notation (too small for them).
NUMBER = re.compile(rf"-?\d+(?:\.\d+)? \\times 10\^\{{-?\d+\}}|(?<![\d.])-?\d+\.\d{{{PRECISION}}}(?!\d)")
BOX = r"\boxed{"
FILLED = r"}\llap{$"  # a box's number, after the phantom that makes it as wide as any


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["worksheet", *args])


def exercise(
    cell: str, blank: Blank = "all", output_format: str = "latex", lr: float | None = None, **options: Any
) -> tuple[Worksheet, Example]:
    """The worksheet of a network drawn with ``options`` (and a target), with a learning rate ``lr``
    for a step of SGD when given."""
    spec = NetworkSpec(**{"cell": cell, "target": True, "lr": lr, **options})  # 2 inputs, 2 hidden, 2 steps unless told
    variants = drawn_variants(spec, 5, None, None)
    style = Style(NumberFormat(precision=PRECISION))
    made = make_worksheet(variants, blank=blank, style=style, output_format=output_format)  # type: ignore[arg-type]
    return made, variants[0].example


def numbers(text: str) -> list[str]:
    """The numbers a document displays or sets in its lines of questions, where every value given
    or asked for is (the text's examples, such as the rounding rule's, and the widths of the boxes,
    \\phantom{-0.000}, left out)."""
    displays = re.findall(r"\\begin\{(align\*|alignat\*)\}(.*?)\\end\{\1\}", text, flags=re.DOTALL)
    inline = re.findall(r"^\$(.*)\$$", text, flags=re.MULTILINE)  # a question: a line of its own
    return NUMBER.findall(re.sub(r"\\phantom\{[^}]*\}", "", "\n".join([*(body for _, body in displays), *inline])))


def given_numbers(example: Example) -> set[str]:
    """Every number the exercise gives, as printed: parameters, inputs, initial states, target."""
    inputs, loss = example.inputs, example.inputs.loss
    arrays = [*example.network.state_dict().values(), inputs.x, inputs.h0]
    arrays += [a for a in (inputs.c0, None if loss is None else loss.target) if a is not None]
    number = NumberFormat(precision=PRECISION).number
    return {number(float(v)) for array in arrays for v in np.ravel(array)}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_the_sheet_holds_no_answer_and_the_key_every_one(cell: str) -> None:
    boxes = []
    for blank in BLANKS:
        lstm, gru = cell == "lstm", cell == "gru"  # with a projection and a step of SGD; in both directions
        made, example = exercise(cell, blank, lr=0.5 if lstm else None, bidirectional=gru, proj_size=int(lstm))
        sheet_numbers, key_numbers = numbers(made.sheet), numbers(made.key)
        given = given_numbers(example)
        # The sheet prints the numbers given and nothing else: no computed value leaks into it.
        assert set(sheet_numbers) <= given, (blank, set(sheet_numbers) - given)
        # The key is the sheet with each box filled in by a number: as many numbers more as boxes.
        assert made.sheet.count(BOX) == len(key_numbers) - len(sheet_numbers) > 0, blank
        assert made.key.count(BOX) == made.sheet.count(BOX)
        assert made.key.count(FILLED) == made.key.count(BOX)
        assert FILLED not in made.sheet
        assert set(key_numbers) - given  # computed values, printed
        boxes.append(made.sheet.count(BOX))
    assert boxes[0] < boxes[1] < boxes[2]  # states, gates, all: each asks for more


def test_a_blank_is_its_answers_shape_and_the_colour_its_symbols() -> None:
    made, _ = exercise("lstm", "gates", hidden_size=3)
    box = r"\boxed{\rule[-1.1ex]{0pt}{3.3ex}\phantom{-0.000}}"
    column = rf"\begin{{bmatrix}} {box} \\[0.5ex] {box} \\[0.5ex] {box} \end{{bmatrix}}"
    assert r"$\lstmgatef{f_{1}} = \sigma\bigl(" in made.sheet
    assert rf"\bigr) = {column}$" in made.sheet  # f_1: three rows, uncoloured (its symbol is)
    cell_state = r"$c_{1} = \lstmgatef{f_{1}} \odot c_{0} + \lstmgatei{i_{1}} \odot \lstmgateg{g_{1}}"
    assert f"{cell_state} = {column}$" in made.sheet  # c_1: the same shape
    weight_gradient = rf"\begin{{bmatrix}} {box} & {box} \\[0.5ex] "  # ∂L/∂W_if: 3 by 2
    assert rf"$\partial L/\partial \lstmgatef{{W_{{if}}}} = {weight_gradient}" in made.sheet
    filled = r"\boxed{\rule[-1.1ex]{0pt}{3.3ex}\phantom{-0.000}\llap{$"
    assert made.key.count(filled) == made.sheet.count(box)  # the key: the same boxes, each with its number


def test_the_command_writes_sheet_key_and_answers_the_same_each_time(tmp_path: Path) -> None:
    args = ["--variants", "2", "--seed", "2026", "--target", "--cell", "gru", "--precision", "2"]
    written = []
    for attempt in ("a", "b"):
        (tmp_path / attempt).mkdir()
        result = run(*args, "-o", str(tmp_path / attempt / "class.tex"))
        assert result.exit_code == 0, result.output
        assert result.stdout == result.stderr == ""
        files = sorted((tmp_path / attempt).iterdir())
        assert [f.name for f in files] == [
            "class-answers.json",
            "class-answers.tex",
            "class-responses.csv",
            "class.tex",
        ]
        written.append([f.read_bytes() for f in files])
    assert written[0] == written[1]
    answers, key, _, sheet = (data.decode() for data in written[0])
    assert sheet.count(r"\clearpage") == 1  # a page each
    assert sheet.count(r"\begin{document}") == sheet.count(r"\end{document}") == 1
    for k in (1, 2):
        assert rf"\noindent\textbf{{Variant {k}}}\hfill Name:" in sheet
        assert rf"\noindent\textbf{{Variant {k}}}" in key
    variants = json.loads(answers)["variants"]
    seeds = variant_seeds(2026, 2)
    spec = NetworkSpec(cell="gru", target=True)
    assert [v["variant"] for v in variants] == [1, 2]
    assert [v["seed"] for v in variants] == seeds
    for variant, seed in zip(variants, seeds, strict=True):
        assert variant["weights"] == json.loads(new_network(spec, seed))  # as `new --seed` draws it
        trace = variant["trace"]
        assert trace["cell"] == "gru"
        for value in np.ravel(trace["output"]):  # the answers' values, as the key prints them
            assert value == round(value, 2)
            assert f"{value:.2f}".replace("-0.00", "0.00") in key
        assert trace["loss"]["value"] == round(trace["loss"]["value"], 2)
        assert trace["hand"]["decimals"] == 2
        for step in trace["layers"][0]["steps"]:  # hand arithmetic: h_t the sum of its printed terms
            terms = zip(step["new_term"], step["keep_term"], step["h"], strict=True)
            assert all(Decimal(str(new)) + Decimal(str(keep)) == Decimal(str(h)) for new, keep, h in terms)


@pytest.mark.parametrize(("loss", "factor"), [("half_sse", r"\tfrac{1}{2} "), ("sse", ""), ("mse", r"\tfrac{1}{4} ")])
def test_a_drawn_loss_and_learning_rate_are_the_exercise(loss: str, factor: str, tmp_path: Path) -> None:
    args = ["--seed", "3", "--cell", "rnn_tanh", "--target", "--loss", loss, "--lr", "0.5", "--precision", "3"]
    result = run(*args, "-o", str(tmp_path / "sheet.tex"))
    assert result.exit_code == 0, result.output
    sheet, key = (tmp_path / "sheet.tex").read_text(), (tmp_path / "sheet-answers.tex").read_text()
    assert rf"$L = {factor}\sum_t \lVert y_t - y^{{*}}_t \rVert^2 = \boxed{{" in sheet  # T = 2 steps, 2 outputs
    assert r"With the learning rate $\eta = 0.5$" in sheet
    step = r"\lstmgateh{W_{ih}} - \eta\, \partial L/\partial \lstmgateh{W_{ih}}"
    asked = rf"$\lstmgateh{{W_{{ih}}}} \leftarrow {step} = \begin{{"
    assert asked in sheet
    (variant,) = json.loads((tmp_path / "sheet-answers.json").read_text())["variants"]
    assert (variant["weights"]["loss"], variant["weights"]["lr"]) == (loss, 0.5)
    trace = variant["trace"]
    assert (trace["loss"]["kind"], trace["lr"]) == (loss, 0.5)
    updated = np.array(trace["updated_state_dict"]["weight_ih_l0"])
    gradient = np.array(trace["grad"]["state_dict"]["weight_ih_l0"])
    weight = np.array(variant["weights"]["state_dict"]["weight_ih_l0"])
    np.testing.assert_allclose(updated, weight - 0.5 * gradient, atol=1e-3)  # the step, to the key's decimals
    assert f"{updated[0, 0]:.3f}" in key


def test_markdown_sheets_and_keys_are_named_by_the_extension(tmp_path: Path) -> None:
    # Their math renders in KaTeX: test_markdown renders every worksheet's block with the others.
    result = run("--seed", "4", "--cell", "rnn_tanh", "-o", str(tmp_path / "sheet.md"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sheet-answers.json",
        "sheet-answers.md",
        "sheet-responses.csv",
        "sheet.md",
    ]
    sheet, key = (tmp_path / "sheet.md").read_text(), (tmp_path / "sheet-answers.md").read_text()
    assert sheet.startswith("Name: ")
    assert key.startswith("# Exercise: the tanh RNN forward pass: answers\n")
    assert BOX in sheet
    assert BOX not in key


def test_names_head_the_sheets_escaped_and_count_the_variants(tmp_path: Path) -> None:
    names = tmp_path / "students.txt"
    names.write_text("Ada & Co\n\n  Émile_2 \n")
    result = run("--names", str(names), "--seed", "1", "-o", str(tmp_path / "class.tex"))
    assert result.exit_code == 0, result.output
    sheet = (tmp_path / "class.tex").read_text()
    first, second = variant_seeds(1, 2)
    assert rf"\noindent\textbf{{Ada \& Co (variant 1, seed {first})}}\hfill \par" in sheet  # named: no line for one
    assert rf"\renewcommand*{{\lstmlatexowner}}{{Ada \& Co (variant 1, seed {first})}}" in sheet  # at every page's foot
    assert rf"\noindent\textbf{{Émile\_2 (variant 2, seed {second})}}\hfill \par" in sheet
    assert "Name:" not in sheet
    variants = json.loads((tmp_path / "class-answers.json").read_text())["variants"]
    assert [(v["variant"], v["name"], v["seed"]) for v in variants] == [(1, "Ada & Co", first), (2, "Émile_2", second)]


@pytest.mark.parametrize("extension", ["tex", "md"])
def test_two_students_of_one_name_have_headings_that_differ_as_their_networks(extension: str, tmp_path: Path) -> None:
    names = tmp_path / "students.txt"
    names.write_text("Anna Schmidt\nAnna Schmidt\n")
    result = run("--names", str(names), "--seed", "7", "-o", str(tmp_path / f"class.{extension}"))
    assert result.exit_code == 0, result.output
    variants = json.loads((tmp_path / "class-answers.json").read_text())["variants"]
    assert [v["seed"] for v in variants] == variant_seeds(7, 2)
    assert variants[0]["weights"] != variants[1]["weights"]
    headings = [f"Anna Schmidt (variant {v['variant']}, seed {v['seed']})" for v in variants]
    if extension == "md":  # Markdown escapes the parentheses
        headings = [heading.replace("(", r"\(").replace(")", r"\)") for heading in headings]
    once = 1 if extension == "md" else 2  # on paper, at the head of the sheet and at the foot of its pages
    for document in (f"class.{extension}", f"class-answers.{extension}"):  # the sheets and the keys
        text = (tmp_path / document).read_text()
        assert [text.count(heading) for heading in headings] == [once, once], document


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--names", "NAMES", "--variants", "3"], 2, "--variants 3, but"),
        ([str(SEED), "--variants", "2"], 2, "FILE gives the network; --variants draw networks instead"),
        ([str(SEED), "--no-bias", "--seed", "1"], 2, "--seed, --no-bias draw networks instead"),
        (["--proj-size", "1", "--cell", "rnn_tanh"], 2, "--proj-size needs an LSTM"),
        (["--precision", "5"], 2, "--precision"),
        (["--precision", "1", "--decimals", "2"], 2, "give --precision 2 or more"),
        (["--names", "BAD"], 1, "line 2: cannot typeset"),
        (["BIG"], 1, "a worksheet shows every number, and its hidden size is 9: at most 8"),
    ],
)
def test_bad_options_are_one_error_line_and_write_nothing(
    args: list[str], status: int, message: str, tmp_path: Path
) -> None:
    (tmp_path / "names.txt").write_text("Ada\nBob\n")
    (tmp_path / "bad.txt").write_text("Ada\n\u03c3\n")
    big = random_lstm(2, 9, steps=1)
    big["state_dict"] = {key: value.tolist() for key, value in big["state_dict"].items()}
    (tmp_path / "big.json").write_text(json.dumps({**big, "x": big["x"].tolist()}))
    replaced = {"NAMES": "names.txt", "BAD": "bad.txt", "BIG": "big.json"}
    args = [str(tmp_path / replaced[a]) if a in replaced else a for a in args]
    (tmp_path / "out").mkdir()
    result = run(*args, "-o", str(tmp_path / "out" / "sheet.tex"))
    assert result.exit_code == status, result.output
    assert message in result.stderr
    assert result.stderr.startswith(("Error: ", "Usage: "))
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []  # no file, and no temporary file left behind


def test_a_pdf_or_no_output_is_a_usage_error(tmp_path: Path) -> None:
    assert run(str(SEED), "-o", str(tmp_path / "sheet.pdf")).exit_code == 2
    assert run(str(SEED)).exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_a_given_file_is_one_sheet(tmp_path: Path) -> None:
    result = run(str(SEED), "--blank", "states", "-o", str(tmp_path / "sheet.tex"), "--title", "Week 3 & 4")
    assert result.exit_code == 0, result.output
    sheet = (tmp_path / "sheet.tex").read_text()
    assert r"{\Large\bfseries Week 3 \& 4}" in sheet
    assert "Variant" not in sheet
    (variant,) = json.loads((tmp_path / "sheet-answers.json").read_text())["variants"]
    assert variant["seed"] is None
    assert variant["weights"]["x"] == json.loads(SEED.read_text())["x"]
    key = (tmp_path / "sheet-answers.tex").read_text()
    difference = variant["trace"]["hand"]["largest_difference"]
    assert 0 < difference < 1e-3
    shown = NumberFormat(significant=2).number(difference)
    assert f"Key, each number within ${shown}$ of float64" in key


def test_sheets_and_keys_compile_without_errors_or_overfull_boxes(latex, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # An LSTM with a projection, a target and a step of SGD: its sheet, then its key, in one document.
    lstm, _ = exercise("lstm", lr=0.5, proj_size=1, random_state=True)
    # Two GRU variants of one step in both directions, and an RNN of two layers: in another.
    spec = NetworkSpec(cell="gru", input_size=3, seq_len=1, bidirectional=True, target=True)
    gru = make_worksheet(drawn_variants(spec, 9, 2, None), blank="gates")
    rnn, _ = exercise("rnn_relu", layers=2, bias=False, seq_len=1)
    for name, documents in (("lstm", [lstm.sheet, lstm.key]), ("gru", [gru.sheet, gru.key, rnn.sheet, rnn.key])):
        assert latex(joined(documents), name).overfull == [], name


def pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF, as pdftotext lays it out."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


TITLES = (
    "Input gate",
    "Forget gate",
    "Cell candidate",
    "Output gate",
    "Cell state",
    "Hidden state",
    "Step t",
    "The loss",
)


@pytest.mark.parametrize(("target", "most", "paper", "students"), [(False, 2, "a4", 5), (True, 4, "letter", 30)])
def test_a_class_of_30_prints_in_few_pages_and_the_keys_pages_are_the_sheets(  # type: ignore[no-untyped-def]
    latex, target: bool, most: int, paper: Paper, students: int
) -> None:
    # An LSTM(2, 2) over T = 2, forward only (at most 2 pages a student) or with a target (at most 4),
    # on A4 and on US letter, a little shorter.
    made = make_worksheet(drawn_variants(NetworkSpec(target=target), 7, students, None), paper=paper)
    assert made.sheet.startswith(f"\\documentclass[11pt,{paper}paper]{{article}}")
    sheet, key = (pages(latex(text, name).pdf) for text, name in ((made.sheet, "sheet"), (made.key, "key")))
    assert len(sheet) <= students * most  # a class of 30 with a target: 120 pages
    # Each page says whose it is and which of the variant's pages it is, counted from 1.
    footers = [re.search(r"Variant (\d+) +(\d+) / ", page.rstrip().splitlines()[-1]) for page in sheet]
    numbered = [(int(found[1]), int(found[2])) for found in footers if found]
    assert len(numbered) == len(sheet)
    for variant in range(1, students + 1):
        own = [page for number, page in numbered if number == variant]
        assert own == list(range(1, len(own) + 1)), variant
        assert len(own) <= most, variant
    # The key is the sheet filled in: the same pages, each with the same parts on it.
    assert len(key) == len(sheet)
    for k, (asked, filled) in enumerate(zip(sheet, key, strict=True)):
        assert [asked.count(title) for title in TITLES] == [filled.count(title) for title in TITLES], k + 1


def test_without_a_seed_one_is_drawn_printed_and_listed(tmp_path: Path) -> None:
    result = run("--cell", "rnn_relu", "--blank", "states", "-o", str(tmp_path / "sheet.tex"))
    assert result.exit_code == 0, result.output
    seed = re.fullmatch(r"seed: (\d+)\n", result.stderr)
    assert seed is not None
    (variant,) = json.loads((tmp_path / "sheet-answers.json").read_text())["variants"]
    assert variant["seed"] == int(seed[1])
    assert variant["weights"] == json.loads(new_network(NetworkSpec(cell="rnn_relu"), int(seed[1])))


def test_a_worked_key_is_the_derivation_by_hand_and_the_sheet_is_the_same() -> None:
    variants = drawn_variants(NetworkSpec(target=True), 5, 2, None)
    style = Style(NumberFormat(precision=PRECISION))
    filled, worked = (make_worksheet(variants, style=style, key=key) for key in KEYS)
    assert (worked.sheet, worked.answers, worked.responses) == (filled.sheet, filled.answers, filled.responses)
    for variant in variants:  # each variant's derivation, as `render --hand` writes it
        document = render(derive(variant.example, hand=PRECISION, check=None), "document", style=style)
        body = document[document.index(r"\section{The network}") : document.rindex(r"\end{document}")]
        assert body.strip() in worked.key
    assert worked.key.count(r"\begin{document}") == worked.key.count(r"\end{document}") == 1
    assert BOX not in worked.key


def asked_names(made: Worksheet) -> set[str]:
    """The values the first variant's sheet asks, by name without the entry's index."""
    questions = json.loads(made.answers)["variants"][0]["questions"]
    assert len(questions) == made.sheet.partition(r"\section")[2].count(BOX)  # a box each, and no other box
    return {re.sub(r"\[.*\]$", "", q["name"]) for q in questions}


@pytest.mark.parametrize(
    ("spec", "asked", "kept"),
    [
        (NetworkSpec(target=True, lr=0.5), Selection(parts=("forward",)), r"t\d/(?!backward)"),
        (NetworkSpec(target=True, lr=0.5), Selection(parts=("backward",)), r"(t\d/backward/|grad/|loss)"),
        (NetworkSpec(target=True, lr=0.5), Selection(parts=("sgd",)), r"updated/"),
        (NetworkSpec(target=True), Selection(steps=Indices.of(2)), r"t2/"),
        (
            NetworkSpec(target=True),
            Selection(gates=("f", "o")),
            r"(t\d/(backward/)?[fo]/|t\d/(backward/)?[a-z_]+$|loss|grad/)",
        ),
        (
            NetworkSpec(target=True, layers=2),
            Selection(layers=Indices.of(1)),
            r"(layer 2/|loss|grad/output|grad/[a-z_]+_l1)",
        ),
        (NetworkSpec(cell="gru", bidirectional=True), Selection(directions=("reverse",)), r"reverse/"),
    ],
    ids=["forward", "backward", "sgd", "a step", "two gates", "the top layer", "a direction"],
)
def test_a_worksheet_asks_only_what_is_chosen_and_gives_what_that_reads(
    spec: NetworkSpec, asked: Selection, kept: str
) -> None:
    variants = drawn_variants(spec, 4, None, None)
    whole, chosen = asked_names(make_worksheet(variants)), asked_names(made := make_worksheet(variants, asked=asked))
    assert chosen, asked  # something is asked
    assert chosen < whole  # and less than the whole exercise
    assert all(re.match(kept, name) for name in chosen), sorted(name for name in chosen if not re.match(kept, name))
    if asked.steps is not None:  # step 2 reads h_1 and c_1, not asked: given
        trace = json.loads(made.answers)["variants"][0]["trace"]
        h1 = trace["layers"][0]["steps"][0]["h"]
        reads = made.sheet[made.sheet.index("The step reads") :]
        assert rf"$h_{{1}} = \begin{{bmatrix*}}[r] {h1[0]:.4f} \\ {h1[1]:.4f} \end{{bmatrix*}}$" in reads


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--part", "sgd", "--target"], "Error: --part sgd: the network has no lr: there is no step of SGD to ask\n"),
        (
            ["--part", "backward"],
            "Error: --part backward: the network has no target or grad_output: there is no backward pass to ask\n",
        ),
        (["--part", "results"], "Error: --part results: a worksheet's parts are forward, backward, sgd\n"),
        (["--gates", "z"], "Error: --gates z: there is no gate z in this LSTM; its gates: i, f, g, o\n"),
        (["--layers", "1"], "Error: --layers 1: there is no layer 1; the network has 1 layer, numbered 0\n"),
    ],
)
def test_a_choice_the_network_does_not_have_is_one_error_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = run("--seed", "1", *args, "-o", str(tmp_path / "sheet.tex"))
    assert (result.exit_code, result.stderr) == (1, message)
    assert list(tmp_path.iterdir()) == []
