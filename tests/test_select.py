"""Choosing what a document shows: steps, layers, directions, gates and parts. The computation
and the check cover everything; the document shows the selection and says what it left out."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from networks import random_lstm

import lstm_latex
from lstm_latex import Indices, Selection
from lstm_latex.cells import CELLS
from lstm_latex.cli import main
from lstm_latex.selection import PARTS

T = 5


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with its NumPy arrays made lists, as a JSON file holds them."""
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=lambda array: np.asarray(array).tolist()))
    return loaded


@cache
def stacked() -> lstm_latex.Trace[lstm_latex.Step]:
    """A 2-layer bidirectional LSTM(2, 2) over T steps, with a target: forward and backward pass."""
    document = random_lstm(2, 2, steps=T, num_layers=2, bidirectional=True)
    document["target"] = np.zeros((T, 4))
    return lstm_latex.forward(lstm_latex.load(document))


@cache
def whole(template: str = "markdown") -> str:
    return lstm_latex.render(stacked(), template)


def shown(template: str = "markdown", **options: str) -> str:
    return lstm_latex.render(stacked(), template, selection=Selection.parse(**options))


def headings(markdown: str) -> list[str]:
    return re.findall(r"^#+ (.*)$", markdown, flags=re.MULTILINE)


def section(markdown: str, title: str) -> str:
    """The text of the ## section ``title``, up to the next ## heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, flags=re.MULTILINE | re.DOTALL)
    assert match, title
    return match[1]


def test_steps_are_chosen_by_t_forward_and_backward_in_the_order_they_ran() -> None:
    text = shown(steps="1,3-4")
    forward = [h for h in headings(text) if h.startswith("Step")]
    assert forward == [f"Step $t = {t}$" for t in (1, 3, 4, 4, 3, 1, 1, 3, 4, 4, 3, 1)]  # layer 0, then 1
    backward = [h for h in headings(text) if h.endswith("backward")]
    assert backward[:3] == [f"Layer 1, forward direction: step $t = {t}$, backward" for t in (4, 3, 1)]
    assert backward[3:6] == [f"Layer 1, reverse direction: step $t = {t}$, backward" for t in (1, 3, 4)]
    assert len(backward) == 12
    assert text.count("The other 2 steps of this direction are left out here.") == 4
    assert text.count("The other 2 backward steps of this direction are left out here.") == 4
    # what is shown is the whole document's, number for number; the sums over the steps hold every step
    for title in ("Results", "The gradients of the parameters", "The gradients of the inputs"):
        assert section(text, title) == section(whole(), title)
    for block in re.findall(r"^\$\$\n.*?^\$\$$", text, flags=re.MULTILINE | re.DOTALL):
        assert block in whole()


def test_layers_and_directions_choose_the_steps_parameters_and_backward_steps() -> None:
    text = shown(layers="1", directions="reverse")
    parts = [h for h in headings(text) if "direction" in h]
    assert set(parts) == {
        "Layer 1, reverse direction",
        *(f"Layer 1, reverse direction: step $t = {t}$, backward" for t in range(1, T + 1)),
    }
    assert parts.count("Layer 1, reverse direction") == 3  # parameters, steps, gradients of the parameters
    for name in ("Layer 0, forward direction", "Layer 0, reverse direction", "Layer 1, forward direction"):
        assert f"**{name}**" in section(text, "Results")  # the results keep every layer and direction
    assert section(text, "Results") == section(whole(), "Results")


def test_gates_choose_the_gates_parts_everywhere_and_keep_the_state_updates() -> None:
    text = shown(gates="f,o")
    for title in ("Forget gate", "Output gate"):
        assert text.count(f"**{title}**") == whole().count(f"**{title}**") > 0
    for title in ("Input gate", "Cell candidate"):
        assert f"**{title}**" not in text
    for title in ("Cell state", "Hidden state"):
        assert text.count(f"**{title}**") == whole().count(f"**{title}**")
    assert section(text, "The network") == section(whole(), "The network")  # the equations stay whole


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh"])
def test_every_cells_gates_can_be_chosen(cell: str) -> None:
    document = as_json(random_lstm(2, 2, steps=2))
    gates = CELLS[cell].gates
    document["cell"] = cell
    document["state_dict"] = {k: v[: len(gates) * 2] for k, v in document["state_dict"].items()}
    document["target"] = [[0.0, 0.0]] * 2
    trace = lstm_latex.forward(lstm_latex.load(document))
    last = gates[-1]
    text = lstm_latex.render(trace, "markdown", selection=Selection(gates=(last.name,)))
    for gate in gates:
        assert (f"**{gate.title.capitalize()}**" in text) == (gate is last)
    with pytest.raises(lstm_latex.RenderError) as error:
        lstm_latex.render(trace, selection=Selection(gates=("x",)))
    assert str(error.value) == (
        f"--gates x: there is no gate x in this {CELLS[cell].title}; its gates: {', '.join(CELLS[cell].gate_names)}"
    )


@pytest.mark.parametrize(
    ("parts", "present", "absent"),
    [
        ("equations", ["The network", "**Equations**"], ["- hidden size: ", "Parameters", "Results"]),
        ("network", ["The network", "- hidden size: "], ["**Equations**", "Step $t = 1$"]),
        ("parameters,results", ["Parameters", "Results"], ["The network", "Step $t = 1$", "The backward pass"]),
        ("steps", ["Step $t = 1$"], ["Parameters", "Results", "The backward pass", "The network"]),
        ("backward", ["The backward pass", "step $t = 1$, backward"], ["Results", "## Parameters"]),
    ],
)
def test_parts_choose_the_documents_sections(parts: str, present: list[str], absent: list[str]) -> None:
    text = shown(parts=parts)
    for piece in present:
        assert piece in text
    for piece in absent:
        assert piece not in text


SELECTED = "Shown here: steps 1, 3\u20134 of T = 5; layer 1 of 2; the reverse direction; gates f, o of i, f, g, o."


@pytest.mark.parametrize("template", ["document", "snippet", "beamer", "frames", "markdown", "markdown-snippet"])
def test_every_format_says_what_it_leaves_out_before_the_network(template: str) -> None:
    text = shown(template, steps="1,3-4", layers="1", directions="reverse", gates="f,o")
    note = f"{SELECTED} The rest was computed too; the results and the gradients' sums hold every step."
    assert text.count(note) == 1
    assert text.index(note) < text.index("The network}" if "markdown" not in template else "The network\n")


def test_the_note_says_what_the_check_covers_and_which_parts_are_shown() -> None:
    example = stacked().example
    assert Selection.parse(steps="2", parts="steps").note(example, checked=True) == (
        "Shown here: step 2 of T = 5; the part steps. The rest was computed too, and checked against PyTorch."
    )
    assert Selection.parse(steps="2-5", parts="steps,results").note(example, checked=False) == (
        "Shown here: steps 2\u20135 of T = 5; the parts steps, results."
        " The rest was computed too; the results hold every step."
    )
    assert Selection(first_steps=2).note(example, checked=False) == (
        "Shown here: the first 2 of the T = 5 steps each direction ran."
        " The rest was computed too; the results and the gradients' sums hold every step."
    )


def test_a_selection_of_everything_is_the_whole_document() -> None:
    everything = Selection.parse(steps=f"1-{T}", layers="0,1", directions="forward,reverse", gates="i,f,g,o")
    assert lstm_latex.render(stacked(), "markdown", selection=everything) == whole()
    assert lstm_latex.render(stacked(), "markdown", selection=Selection(parts=PARTS)) == whole()


def test_indices_are_kept_as_ranges_and_written_merged() -> None:
    indices = Indices.parse("4-5, 1,2, 3-3")
    assert str(indices) == "1\u20135"
    assert len(indices) == 5
    assert [i for i in range(7) if i in indices] == [1, 2, 3, 4, 5]
    huge = Indices.parse("1-999999999999")
    assert len(huge) == 999999999999  # kept as one range, not a trillion numbers
    assert huge.outside(range(1, 201)) == (1, 999999999999)  # the range as written
    assert str(Indices.of(1, 3, 4)) == "1, 3\u20134"


def weights(tmp_path: Path, steps: int = 9, **shape: Any) -> str:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(as_json(random_lstm(2, 2, steps=steps, num_layers=2, **shape))))
    return str(path)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--steps", "12", "--steps 12: there is no step t = 12; the sequence has T = 9 steps, t = 1 to 9"),
        ("--steps", "0,3", "--steps 0: there is no step t = 0; the sequence has T = 9 steps, t = 1 to 9"),
        ("--steps", "8-10", "--steps 8-10: the range is not within the sequence, which has T = 9 steps, t = 1 to 9"),
        ("--layers", "2", "--layers 2: there is no layer 2; the network has 2 layers, numbered 0 and 1"),
        (
            "--directions",
            "reverse",
            "--directions reverse: the network is unidirectional; its only direction is forward",
        ),
        ("--directions", "up", "--directions up: there is no direction up; the directions are forward and reverse"),
        ("--gates", "x", "--gates x: there is no gate x in this LSTM; its gates: i, f, g, o"),
        (
            "--part",
            "steps,backward",
            "--part backward: there is no part backward without a target or grad_output;"
            " the parts are network, equations, parameters, steps, results",
        ),
    ],
)
def test_a_selection_the_file_does_not_have_is_one_error_line(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = CliRunner().invoke(main, ["render", weights(tmp_path), option, value, "--no-check"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--steps", "1-", "'1-' is neither a number nor a range such as 3-4"),
        ("--steps", "3-1", "the range 3-1 runs backwards: write 1-3"),
        ("--layers", "a", "'a' is neither a number nor a range such as 3-4"),
        ("--steps", "", "'' is neither a number nor a range such as 3-4"),
        ("--steps", "\u0661", "'\u0661' is neither a number nor a range such as 3-4"),
        ("--gates", "f,,o", "'f,,o' has an empty name: separate names by one comma, as f,o"),
    ],
)
def test_a_selection_written_wrong_is_a_usage_error(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = CliRunner().invoke(main, ["render", weights(tmp_path), option, value, "--no-check"])
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: Invalid value for '{option}': {message}\n")


def test_the_step_limit_counts_the_steps_shown(tmp_path: Path) -> None:
    path = weights(tmp_path, steps=200, bidirectional=True)
    refused = CliRunner().invoke(main, ["render", path, "--steps", "1-30", "--no-check"])
    assert refused.stderr == (
        "Error: the document would have 120 step blocks (30 of T = 200 steps x 2 layer(s) x 2 direction(s)),"
        " more than the limit of 100: pass --max-steps 120 (max_steps= in Python) to render it anyway\n"
    )
    result = CliRunner().invoke(main, ["render", path, "--steps", "1-3", "--layers", "1", "--no-check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(r"\section{Step ") == 0
    assert len(re.findall(r"\\subsection\{Step \\texorpdfstring\{\$t = \d+\$\}", result.stdout)) == 6
    assert len(result.stdout) < 100_000  # a few pages, not hundreds


def test_the_check_covers_the_whole_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lstm_latex import check

    checked: list[lstm_latex.Trace[lstm_latex.Step]] = []
    monkeypatch.setattr(check, "check_trace", lambda trace, mode, gradients=None: checked.append(trace))
    result = CliRunner().invoke(main, ["render", weights(tmp_path), "--steps", "2", "--layers", "0", "--gates", "i"])
    assert result.exit_code == 0, result.output
    assert [len(d.steps) for d in checked[0].directions] == [9, 9]


def test_a_selected_document_compiles(latex) -> None:  # type: ignore[no-untyped-def]
    text = shown("document", steps="1,3-4", layers="1", directions="reverse", gates="f,o")
    run = latex(text)
    assert "Shown here: steps 1, 3\u20134 of T = 5" in run.text
    assert run.overfull == []


@pytest.mark.parametrize(
    ("options", "note"),
    [
        # the network and the results show every gate and step, whichever are chosen
        ({"parts": "network", "gates": "f"}, "Shown here: the part network. The rest was computed too."),
        ({"parts": "results", "steps": "1"}, "Shown here: the part results. The rest was computed too."),
        ({"parts": "parameters", "steps": "1", "layers": "0"}, "Shown here: layer 0 of 2; the part parameters."),
        ({"parts": "steps", "gates": "f"}, "Shown here: gate f of i, f, g, o; the part steps."),
    ],
)
def test_the_note_names_only_what_the_parts_shown_leave_out(options: dict[str, str], note: str) -> None:
    assert note in shown(**options)
