"""`lstm-latex new`: small networks for hand calculation, drawn the same from the same seed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.generate import NetworkSpec, new_network, variant_seeds


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["new", *args])


def arrays(document: dict[str, Any]) -> dict[str, Any]:
    """Every array of a weights document by its key, the state_dict's among them."""
    found = {key: np.array(value) for key, value in document["state_dict"].items()}
    found |= {key: np.array(document[key]) for key in ("x", "h0", "c0", "target") if key in document}
    return found


def test_the_same_seed_gives_the_same_bytes_and_the_generator_is_pcg64() -> None:
    args = ["--seed", "7", "--cell", "rnn_tanh", "--input-size", "1", "--hidden-size", "1", "--seq-len", "1"]
    first = run(*args)
    assert first.exit_code == 0, first.output
    assert first.stderr == ""  # a seed given is not printed
    assert run(*args).stdout == first.stdout
    # NumPy's PCG64 stream from seed 7, integers in [-10, 10], in the order of the file's arrays:
    # the same bytes on any machine and any NumPy that keeps its streams (NumPy's policy).
    generator = np.random.Generator(np.random.PCG64(7))
    drawn = [int(k) for k in generator.integers(-10, 10, size=5, endpoint=True)]
    texts = [f"{'-' if k < 0 else ''}{abs(k) // 10}.{abs(k) % 10}" for k in drawn]
    assert "0.0" not in texts  # else this seed redraws, and the text below would not follow
    assert first.stdout == (
        "{\n"
        '  "cell": "rnn_tanh",\n'
        '  "state_dict": {\n'
        f'    "weight_ih_l0": [[{texts[0]}]],\n'
        f'    "weight_hh_l0": [[{texts[1]}]],\n'
        f'    "bias_ih_l0": [{texts[2]}],\n'
        f'    "bias_hh_l0": [{texts[3]}]\n'
        "  },\n"
        f'  "x": [[{texts[4]}]]\n'
        "}\n"
    )


def test_numbers_have_the_decimals_asked_for_within_minus_one_and_one() -> None:
    text = new_network(
        NetworkSpec(input_size=3, hidden_size=3, seq_len=4, decimals=3, random_state=True, target=True), 1
    )
    numbers = re.findall(r"(?<!\w)-?\d+(?:\.\d+)?", text)  # every number, not the 0 of "_l0"
    assert len(numbers) > 100
    assert all(re.fullmatch(r"-?[01]\.\d{3}", n) for n in numbers), numbers
    values = np.array([float(n) for n in numbers])
    assert values.min() >= -1
    assert values.max() <= 1
    assert values.min() < -0.9
    assert values.max() > 0.9
    assert len(set(values.tolist())) > 50  # and at a thousandth's resolution


@pytest.mark.parametrize(
    ("cell", "options"),
    [
        ("lstm", {"proj_size": 1, "layers": 2, "bidirectional": True, "random_state": True, "target": True}),
        ("gru", {"layers": 2, "bias": False, "target": True}),
        ("rnn_relu", {"bidirectional": True, "random_state": True}),
    ],
)
def test_every_network_loads_as_its_options_say(cell: str, options: dict[str, Any]) -> None:
    spec = NetworkSpec(cell=cell, input_size=3, hidden_size=2, seq_len=3, **options)
    document = json.loads(new_network(spec, 11))
    example = lstm_latex.load(document)
    network = example.network
    assert (network.cell, network.input_size, network.hidden_size) == (cell, 3, 2)
    assert (network.proj_size, network.num_layers, network.bidirectional) == (
        spec.proj_size,
        spec.layers,
        spec.bidirectional,
    )
    assert network.bias == spec.bias
    assert example.inputs.x.shape == (3, 3)
    assert ("h0" in document) == spec.random_state
    assert ("c0" in document) == (spec.random_state and cell == "lstm")
    assert example.inputs.h0.any() == spec.random_state  # else zero, as torch's default
    if spec.target:
        assert example.inputs.loss is not None
        assert example.inputs.loss.target is not None
        assert example.inputs.loss.target.shape == (3, spec.output_width)
    else:
        assert "target" not in document


def test_no_row_is_all_zeros() -> None:
    # A row of one number is all zeros one time in 21 at one decimal: over 40 networks of 18 such
    # rows, without the redraw, about 34 would be (and none by chance is 4e-7).
    spec = NetworkSpec(cell="rnn_tanh", input_size=1, hidden_size=1, seq_len=8, random_state=True, target=True)
    for seed in range(40):
        for key, array in arrays(json.loads(new_network(spec, seed))).items():
            rows = array.reshape(-1, array.shape[-1]) if array.ndim > 1 else array[np.newaxis, :]
            assert rows.any(axis=1).all(), (seed, key)
    wide = arrays(json.loads(new_network(NetworkSpec(input_size=8, hidden_size=8, seq_len=8), 3)))
    assert (wide["weight_hh_l0"] == 0).any()  # single zeros are drawn: only whole rows are not


def test_a_missing_seed_is_drawn_and_printed_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "weights.json"
    result = run("-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    seed = re.fullmatch(r"seed: (\d+)\n", result.stderr)
    assert seed is not None
    assert run("--seed", seed[1]).stdout == out.read_text()
    assert CliRunner().invoke(main, ["render", str(out), "--no-check"]).exit_code == 0  # render takes it
    other = run()
    assert other.stderr != result.stderr  # a new seed each run (two equal in 2^64: never)


@pytest.mark.parametrize(
    "args",
    [
        ["--input-size", "0"],
        ["--hidden-size", "9"],
        ["--seq-len", "100000"],
        ["--steps", "9"],
        ["--steps", "2", "--seq-len", "2"],
        ["--num-layers", "5"],
        ["--layers", "2", "--num-layers", "2"],
        ["--decimals", "0"],
        ["--decimals", "5"],
        ["--seed", "-1"],
        ["--cell", "transformer"],
        ["--proj-size", "2", "--hidden-size", "2"],
        ["--proj-size", "1", "--cell", "gru"],
        ["--num-layers", "2", "--bidirectional", "--hidden-size", "5"],
        ["--lr", "0.1"],
        ["--loss", "sse"],
        ["--target", "--lr", "0"],
        ["--target", "--lr", "inf"],
        ["--target", "--lr", "nan"],
        ["--target", "--loss", "l1"],
    ],
)
def test_options_out_of_range_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "weights.json"
    result = run(*args, "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse"])
def test_the_loss_and_learning_rate_are_written_beside_the_target(loss: str) -> None:
    result = run("--seed", "7", "--target", "--loss", loss, "--lr", "0.25")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["loss"], document["lr"]) == (loss, 0.25)
    default = json.loads(run("--seed", "7", "--target").stdout)
    assert default["loss"] == "half_sse"
    assert "lr" not in default
    assert {key: value for key, value in document.items() if key != "lr"} == {**default, "loss": loss}  # same numbers
    drawn_loss = lstm_latex.load(document).inputs.loss
    assert drawn_loss is not None
    assert (drawn_loss.kind, drawn_loss.lr) == (loss, 0.25)


@pytest.mark.parametrize("option", [["--lr", "0.1"], ["--loss", "mse"]])
def test_a_loss_or_learning_rate_without_a_target_is_refused(option: list[str]) -> None:
    result = run("--seed", "7", *option)
    assert result.exit_code == 2
    assert f"Error: {option[0]} needs --target: without one there is nothing to differentiate\n" in result.stderr


def test_variant_seeds_are_derived_from_the_seed_and_differ() -> None:
    seeds = variant_seeds(2026, 30)
    assert seeds == variant_seeds(2026, 30)
    assert seeds[:3] == variant_seeds(2026, 3)  # a class of 30 starts as one of 3
    assert len(set(seeds)) == 30
    assert variant_seeds(2027, 3) != seeds[:3]
    assert all(0 <= seed < 2**64 for seed in seeds)


@pytest.mark.parametrize(
    ("old", "new", "what", "meaning"),
    [
        ("--steps", "--seq-len", "the sequence length", "the steps shown"),
        ("--layers", "--num-layers", "the number of layers", "the layers shown"),
    ],
)
def test_a_renamed_option_still_draws_with_a_warning(old: str, new: str, what: str, meaning: str) -> None:
    drawn = run("--seed", "7", old, "2")
    assert drawn.exit_code == 0, drawn.output
    assert (
        drawn.stderr == f"Warning: new {old} is deprecated: use {new} for {what} ({old} is {meaning}, as in render)\n"
    )
    named = run("--seed", "7", new, "2")
    assert (named.stderr, named.stdout) == ("", drawn.stdout)
    assert f"{old} " not in run("--help").stdout
    network = json.loads(named.stdout)
    assert len(network["x"]) == 2 if new == "--seq-len" else "weight_ih_l1" in network["state_dict"]
