"""The public API as docs/guide/api.md shows it, type-checked with the tests (mypy --strict)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES, SEED

import lstm_latex


def test_the_documented_example_is_typed_down_to_a_gate() -> None:
    example = lstm_latex.load(SEED)
    trace = lstm_latex.forward(example).of(lstm_latex.LstmStep)
    activation = trace.directions[0].steps[0].i.activation  # mypy knows: an LstmStep's input gate
    assert activation.shape == (4,)
    assert ((activation > 0) & (activation < 1)).all()


def test_a_trace_of_another_cell_is_refused_by_of() -> None:
    trace = lstm_latex.forward(lstm_latex.load(SAMPLES / "gru.json"))
    with pytest.raises(TypeError, match="the trace holds GruStep records, not LstmStep"):
        trace.of(lstm_latex.LstmStep)
    step = trace.of(lstm_latex.GruStep).directions[0].steps[0]
    np.testing.assert_array_equal(step.h, step.new_term + step.keep_term)


def test_records_are_frozen() -> None:
    step = lstm_latex.forward(lstm_latex.load(SEED)).of(lstm_latex.LstmStep).directions[0].steps[0]
    with pytest.raises(AttributeError):
        step.h = np.zeros(4)  # type: ignore[misc]


def test_derive_runs_every_pass_and_render_prints_it_unchanged() -> None:
    example = lstm_latex.load(SAMPLES / "lstm_backward.json")
    derivation = lstm_latex.derive(example, hand=2)
    assert derivation.hand is not None
    assert derivation.check is None
    assert derivation.trace is derivation.hand.trace
    assert derivation.gradients is derivation.hand.gradients
    worked = lstm_latex.hand_pass(example, 2)
    assert lstm_latex.render(derivation, "snippet") == lstm_latex.render(worked.trace, "snippet", hand=worked)


def test_a_derivation_is_rendered_with_its_own_passes_only() -> None:
    derivation = lstm_latex.derive(lstm_latex.load(SAMPLES / "lstm_backward.json"))
    with pytest.raises(lstm_latex.RenderError, match="a Derivation holds its own"):
        lstm_latex.render(derivation, gradients=derivation.gradients)


# What a user holds in Python: arrays where the file has lists, a bare state_dict, a batch.

SEED_DOCUMENT = json.loads(SEED.read_text())


def seed_arrays(dtype: type = np.float64) -> dict[str, Any]:
    return {key: np.array(value, dtype=dtype) for key, value in SEED_DOCUMENT["state_dict"].items()}


def same_example(left: lstm_latex.Example, right: lstm_latex.Example) -> None:
    for name, array in left.network.state_dict().items():
        np.testing.assert_array_equal(array, right.network.state_dict()[name])
    for key in ("x", "h0", "c0"):
        np.testing.assert_array_equal(getattr(left.inputs, key), getattr(right.inputs, key))


def test_a_bare_state_dict_of_arrays_with_x_gives_the_json_files_example() -> None:
    from_file = lstm_latex.load(SEED)
    x, h0, c0 = (np.array(SEED_DOCUMENT[key]) for key in ("x", "h0", "c0"))
    same_example(lstm_latex.load(seed_arrays(), x=x, h0=h0, c0=c0), from_file)
    same_example(lstm_latex.load(seed_arrays(), inputs={"x": x, "h0": h0, "c0": c0}), from_file)
    same_example(lstm_latex.load({"state_dict": seed_arrays(), "x": x, "h0": h0, "c0": c0}), from_file)
    assert lstm_latex.load(seed_arrays(), x=x).network.dtype is None  # float64: nothing to say


def test_the_dtype_of_arrays_is_recorded_in_the_trace_and_the_document() -> None:
    from lstm_latex.serialize import trace_to_dict

    example = lstm_latex.load(seed_arrays(np.float16), x=np.array(SEED_DOCUMENT["x"]))
    assert example.network.dtype == "float16"
    np.testing.assert_array_equal(  # read exactly: the float16 values, not the decimals of the JSON file
        example.network.directions[0].weight_ih, seed_arrays(np.float16)["weight_ih_l0"].astype(np.float64)
    )
    trace = lstm_latex.forward(example)
    assert trace_to_dict(trace)["dtype"] == "float16"
    sentence = "The parameters are stored as float16 and computed here in float64, which holds each of them exactly."
    assert sentence in lstm_latex.render(trace)
    assert "stored as" not in lstm_latex.render(lstm_latex.forward(lstm_latex.load(SEED)))
    assert "dtype" not in trace_to_dict(lstm_latex.forward(lstm_latex.load(SEED)))


def test_a_batch_of_one_is_squeezed_and_said_so() -> None:
    from lstm_latex.serialize import trace_to_dict

    x = np.array(SEED_DOCUMENT["x"])  # (T, I)
    for batched, batch_first in ((x[np.newaxis], None), (x[:, np.newaxis], False)):
        example = lstm_latex.load(seed_arrays(), x=batched, batch_first=batch_first)
        np.testing.assert_array_equal(example.inputs.x, x)
        trace = lstm_latex.forward(example)
        layout = "(B, T, I)" if batch_first is None else "(T, B, I)"
        assert f"The input was given as a batch of one, of shape {layout}." in lstm_latex.render(trace)
        assert trace_to_dict(trace)["batch"] == {"index": 0, "size": 1, "batch_first": batch_first is None}


def test_a_larger_batch_takes_an_index_and_cuts_its_states_and_target() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 2))  # (B, T, I)
    h0, c0 = rng.normal(size=(1, 3, 4)), rng.normal(size=(1, 3, 4))  # (L·D, B, H), as torch has them
    target = rng.normal(size=(3, 5, 4)).tolist()  # lists are cut alike
    example = lstm_latex.load(seed_arrays(), x=x, h0=h0, c0=c0, target=target, batch_index=2)
    np.testing.assert_array_equal(example.inputs.x, x[2])
    np.testing.assert_array_equal(example.inputs.h0, h0[:, 2])
    np.testing.assert_array_equal(example.inputs.c0, c0[:, 2])
    assert example.inputs.loss is not None
    np.testing.assert_array_equal(example.inputs.loss.target, np.array(target)[2])
    assert example.notes[-1] == "The input is sequence 2 of a batch of 3, of shape (B, T, I)."
    time_major = lstm_latex.load(seed_arrays(), x=x.transpose(1, 0, 2), batch_first=False, batch_index=2)
    np.testing.assert_array_equal(time_major.inputs.x, x[2])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"x": np.zeros((3, 5, 2))}, "<inputs>: x has shape (3, 5, 2), a batch of 3 sequences read as (B, T, I)"),
        ({"x": np.zeros((3, 5, 2)), "batch_index": 3}, "<inputs>: --batch-index 3, but x holds a batch of 3:"),
        ({"x": np.zeros((5, 2)), "batch_index": 0}, "<inputs>: --batch-index 0 given, but x is one sequence"),
        (
            {"x": np.zeros((3, 5, 2)), "h0": np.zeros((1, 2, 4)), "batch_index": 0},
            "<inputs>: h0 has shape (1, 2, 4), a batch of 2; x's is of 3 ((L·D, B, H), as torch has it)",
        ),
        ({"x": np.zeros((5, 2)), "batch_index": -1}, "batch_index= is -1, expected an integer >= 0"),
        ({"x": np.zeros((5, 2)), "max_numbers": 0}, "max_numbers= is 0, expected an integer >= 1"),
        ({"x": np.zeros((5, 2)), "max_numbers": 2.5}, "max_numbers= is a float, expected an integer >= 1"),
        ({"x": np.zeros((5, 2)), "prefix": 3}, "prefix= is an int, expected a string"),
        ({"x": np.zeros((5, 2)), "cell": ["lstm"]}, "cell= is a list, expected a string"),
        ({"x": np.zeros((5, 2)), "batch_first": 1}, "batch_first= is an int, expected True or False"),
        ({"x": np.zeros((5, 2)), "inputs": {"x": [[0.0, 0.0]]}}, "inputs= and x=, h0=, c0=, target= exclude each"),
        ({"x": "[[0, 0]]"}, "<inputs>: x is a string ('[[0, 0]]'), expected a number or a list"),
        ({"x": np.ma.masked_array(np.zeros((5, 2)))}, "<inputs>: x is a masked array, expected plain numbers"),
        ({"x": np.array([["a", "b"]])}, "<inputs>: x has dtype <U1, expected numbers"),
        ({"inputs": 3}, "inputs= is an int, expected a file's path, a dict, or x as an array or tensor"),
        ({"inputs": {1: [[0.0, 0.0]]}}, "<inputs>: the inputs has a key that is not a string (an int)"),
    ],
)
def test_a_wrong_argument_is_an_input_error_naming_it(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(lstm_latex.InputError) as error:
        lstm_latex.load(seed_arrays(), **arguments)
    assert str(error.value).startswith(message), str(error.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (3, "the source is an int, expected a file's path, its bytes, a dict (the JSON format's, or a state_dict)"),
        (None, "the source is null, expected a file's path"),
        ({1: 2}, "<dict>: the document has a key that is not a string (an int): its keys are names"),
        ({"state_dict": {0: [[1.0]]}, "x": [[1.0]]}, "<dict>: state_dict has a key that is not a string (an int)"),
        (
            {**SEED_DOCUMENT, "state_dict": {**seed_arrays(), "weight_hh_l0": np.ma.masked_array(np.zeros((16, 4)))}},
            "<dict>: state_dict.weight_hh_l0 is a masked array, expected plain numbers",
        ),
    ],
)
def test_a_wrong_source_is_an_input_error_naming_it(source: Any, message: str) -> None:
    with pytest.raises(lstm_latex.InputError) as error:
        lstm_latex.load(source)
    assert str(error.value).startswith(message), str(error.value)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_a_matrix_is_read_as_the_array_it_holds() -> None:
    state = {key: np.matrix(value) if value.ndim == 2 else value for key, value in seed_arrays().items()}
    same_example(lstm_latex.load({**SEED_DOCUMENT, "state_dict": state}), lstm_latex.load(SEED))


def test_the_budget_holds_for_dicts_of_lists_before_anything_is_converted() -> None:
    row = [0.0] * 1000
    state = {"weight_ih_l0": [[0.0, 0.0]] * 4000, "weight_hh_l0": [row] * 4000}  # 4 million numbers, one row
    with pytest.raises(lstm_latex.InputError) as error:
        lstm_latex.load({"state_dict": state, "x": [[0.0, 0.0]]}, max_numbers=1000)
    assert str(error.value) == (
        "<dict>: the state_dict holds 4008000 numbers (state_dict.weight_hh_l0 (4000, 1000)), more than the limit"
        " of 1000: pass --max-numbers 4008000 (max_numbers= in Python) to read it anyway"
    )
    with pytest.raises(lstm_latex.InputError, match="the inputs holds 2000 numbers"):
        lstm_latex.load(seed_arrays(), x=[[0.0, 0.0]] * 1000, max_numbers=1000)


def test_a_memory_mapped_array_is_counted_before_it_is_read(tmp_path: Path) -> None:
    # 400 MB declared, nothing written: reading it (as float64, 800 MB) would be the failure
    mapped = np.lib.format.open_memmap(tmp_path / "huge.npy", mode="w+", dtype=np.float32, shape=(100_000, 1000))
    state = {**seed_arrays(), "weight_hh_l0": mapped}
    with pytest.raises(lstm_latex.InputError, match=r"holds 100000064 numbers \(state_dict.weight_hh_l0"):
        lstm_latex.load(state, x=np.zeros((1, 2)), max_numbers=1000)
    with pytest.raises(lstm_latex.InputError, match=r"the inputs holds 100000000 numbers \(x \(100000, 1000\)\)"):
        lstm_latex.load(seed_arrays(), x=mapped, max_numbers=1000)


def test_an_example_holds_copies_of_the_arrays_it_was_given() -> None:
    state, x = seed_arrays(), np.array(SEED_DOCUMENT["x"])
    example = lstm_latex.load(state, x=x)
    state["weight_ih_l0"][0, 0] = x[0, 0] = 99.0
    assert example.network.directions[0].weight_ih[0, 0] == SEED_DOCUMENT["state_dict"]["weight_ih_l0"][0][0]
    assert example.inputs.x[0, 0] == SEED_DOCUMENT["x"][0][0]


def test_the_hand_arithmetic_keeps_what_is_said_of_the_source() -> None:
    example = lstm_latex.load(seed_arrays(np.float32), x=np.array(SEED_DOCUMENT["x"])[np.newaxis])
    worked = lstm_latex.hand_pass(example, 2)
    assert worked.trace.example.notes == example.notes
    assert len(example.notes) == 2  # the dtype and the batch of one


@pytest.mark.torch
def test_tensors_and_arrays_inside_lists_are_read_as_the_numbers_they_hold() -> None:
    import torch

    x = np.array(SEED_DOCUMENT["x"])  # (T, I)
    from_file = lstm_latex.load(SEED)
    h0, c0 = (np.array(SEED_DOCUMENT[key]) for key in ("h0", "c0"))
    rows_of_tensors = [torch.tensor(row, dtype=torch.float64) for row in x]
    same_example(lstm_latex.load(seed_arrays(), x=rows_of_tensors, h0=list(h0), c0=c0), from_file)
    scalars = [[torch.tensor(v, dtype=torch.float64), np.float64(0.0) + v] for v, _ in x]
    np.testing.assert_array_equal(lstm_latex.load(seed_arrays(), x=scalars).inputs.x, np.stack([x[:, 0], x[:, 0]], 1))
    state = {**SEED_DOCUMENT["state_dict"], "weight_ih_l0": list(seed_arrays()["weight_ih_l0"])}
    same_example(lstm_latex.load({**SEED_DOCUMENT, "state_dict": state}), from_file)
    with pytest.raises(lstm_latex.InputError, match=r"x\[0\] is nested too deeply \(at most 3 dimensions\)"):
        lstm_latex.load(seed_arrays(), x=[torch.zeros(1, 1, 2)])
