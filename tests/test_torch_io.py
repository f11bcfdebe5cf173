"""Reading .pt/.pth files: the names torch gives, checkpoints, module prefixes, and refusing code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lstm_latex
from lstm_latex.cells import CELLS
from lstm_latex.model import Array

torch = pytest.importorskip("torch")  # every test here compares with torch
pytestmark = pytest.mark.torch

from torch_models import SEED_DOCUMENT, save, seed_inputs, seed_lstm, seed_model  # noqa: E402  (imports torch)

SEED_X = torch.tensor(SEED_DOCUMENT["x"], dtype=torch.float64)
SEED_STATE = (
    torch.tensor(SEED_DOCUMENT["h0"], dtype=torch.float64),
    torch.tensor(SEED_DOCUMENT["c0"], dtype=torch.float64),
)


def expected_output() -> Array:
    """What the saved module itself computes (in float64, from its float32 weights)."""
    with torch.no_grad():
        output, _ = seed_lstm().double()(SEED_X, SEED_STATE)
    array: Array = output.numpy()
    return array


def load(path: Path, tmp_path: Path, prefix: str | None = None, cell: str | None = None) -> lstm_latex.Example:
    return lstm_latex.load(path, inputs=seed_inputs(tmp_path), prefix=prefix, cell=cell)


def test_an_lstm_state_dict_gives_what_the_module_computes(tmp_path: Path) -> None:
    path = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    trace = lstm_latex.forward(load(path, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    assert trace.example.network.cell == "lstm"
    assert trace.example.source == str(path)


def test_the_inputs_can_be_a_dict(tmp_path: Path) -> None:
    path = save(seed_lstm().state_dict(), tmp_path / "lstm.pth")
    example = lstm_latex.load(path, inputs={"x": SEED_DOCUMENT["x"]})
    np.testing.assert_array_equal(example.inputs.x, [[0.5, 0.1]])
    np.testing.assert_array_equal(example.inputs.h0, np.zeros((1, 4)))


def test_lstmcell_names_are_one_layer(tmp_path: Path) -> None:
    cell = torch.nn.LSTMCell(2, 4)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in seed_lstm().state_dict().items()})
    path = save(cell.state_dict(), tmp_path / "cell.pt")
    assert sorted(torch.load(path, weights_only=True)) == ["bias_hh", "bias_ih", "weight_hh", "weight_ih"]
    trace = lstm_latex.forward(load(path, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)


def test_the_only_recurrent_module_of_a_model_is_found_by_itself(tmp_path: Path) -> None:
    path = save(seed_model().state_dict(), tmp_path / "model.pt")
    assert "head.weight" in torch.load(path, weights_only=True)
    trace = lstm_latex.forward(load(path, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("prefix", ["encoder.lstm", "encoder.lstm."])
def test_prefix_selects_a_module(tmp_path: Path, prefix: str) -> None:
    path = save(seed_model().state_dict(), tmp_path / "model.pt")
    trace = lstm_latex.forward(load(path, tmp_path, prefix=prefix))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)


def test_several_modules_need_a_prefix_and_the_error_lists_them(tmp_path: Path) -> None:
    state = {f"encoder.{k}": v for k, v in seed_lstm().state_dict().items()}
    state |= {f"decoder.rnn.{k}": v for k, v in torch.nn.LSTM(4, 3).state_dict().items()}
    path = save(state, tmp_path / "two.pt")
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path)
    assert str(error.value) == (
        f"{path}: 2 recurrent modules in the state_dict: choose one with --prefix: decoder.rnn, encoder"
    )
    assert lstm_latex.forward(load(path, tmp_path, prefix="encoder")).output.shape == (1, 4)
    with pytest.raises(lstm_latex.InputError, match=r"no recurrent module at --prefix 'enc' \(found: decoder.rnn,"):
        load(path, tmp_path, prefix="enc")


@pytest.mark.parametrize("key", ["state_dict", "model_state_dict"])
def test_training_checkpoints_are_unwrapped(tmp_path: Path, key: str) -> None:
    model = seed_model()
    parameters = list(model.parameters())
    # As torch.optim.SGD(parameters, lr=0.1, momentum=0.9).state_dict() is after a step (written out:
    # making an optimizer imports much more of torch, for seconds).
    optimizer = {
        "state": {k: {"momentum_buffer": torch.ones_like(p)} for k, p in enumerate(parameters)},
        "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": list(range(len(parameters)))}],
    }
    checkpoint = {"epoch": 3, key: model.state_dict(), "optimizer_state_dict": optimizer, "loss": 0.25}
    path = save(checkpoint, tmp_path / "checkpoint.pt")
    trace = lstm_latex.forward(load(path, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("chosen", ["state_dict", "model_state_dict"])
def test_a_checkpoint_with_two_state_dicts_is_read_where_prefix_says(tmp_path: Path, chosen: str) -> None:
    other = torch.nn.LSTM(2, 4)  # a different model under the other key
    checkpoint = {"state_dict": other.state_dict(), "model_state_dict": other.state_dict()}
    checkpoint[chosen] = seed_model().state_dict()
    path = save(checkpoint, tmp_path / "checkpoint.pt")
    trace = lstm_latex.forward(load(path, tmp_path, prefix=f"{chosen}.encoder.lstm"))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    with pytest.raises(lstm_latex.InputError, match="choose one with --prefix state_dict or --prefix model_state_dict"):
        load(path, tmp_path)


def test_a_pickled_module_is_refused_with_what_to_save_instead(tmp_path: Path) -> None:
    path = save(seed_model(), tmp_path / "whole.pt")
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path)
    message = str(error.value)
    assert message.startswith(f"{path}: refused: loading it would run code from the file (torch_models.Model)")
    assert message.endswith("save model.state_dict() instead")


class Payload:
    """Unpickled, it creates the marker file: what a malicious checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))


def crafted(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "marker"
    path = save({"weight_ih_l0": Payload(marker), "weight_hh_l0": torch.zeros(16, 4)}, tmp_path / "crafted.pt")
    return path, marker


def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    path, marker = crafted(tmp_path)
    with pytest.raises(
        lstm_latex.InputError, match=r"refused: loading it would run code from the file \((io|builtins)"
    ):
        load(path, tmp_path)
    assert not marker.exists()


def test_the_crafted_pickle_would_run_code_if_loaded_unsafely(tmp_path: Path) -> None:
    """Proves the payload of the test above is real: that test fails if loading were made unsafe."""
    path, marker = crafted(tmp_path)
    loaded = torch.load(path, weights_only=False)
    loaded["weight_ih_l0"].close()  # the file the payload opened
    assert marker.exists()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (lambda data: data[: len(data) // 2], "PytorchStreamReader failed reading zip archive"),
        (lambda data: b"", "EOFError"),
        (lambda data: b"hello, not a torch file", "not a readable torch file"),
    ],
)
def test_a_damaged_file_is_one_clean_error(tmp_path: Path, content, detail: str) -> None:  # type: ignore[no-untyped-def]
    good = save(seed_lstm().state_dict(), tmp_path / "good.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(content(good.read_bytes()))
    with pytest.raises(lstm_latex.InputError) as error:
        load(bad, tmp_path)
    message = str(error.value)
    assert message.startswith(f"{bad}: not a readable torch file: truncated, damaged, or not written by torch.save (")
    assert detail in message
    assert "\n" not in message


def test_a_tensor_is_not_a_state_dict(tmp_path: Path) -> None:
    path = save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(lstm_latex.InputError, match=r"holds a Tensor, not a state_dict .*save model.state_dict\(\)"):
        load(path, tmp_path)


def test_a_state_dict_without_inputs_says_how_to_give_them(tmp_path: Path) -> None:
    path = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    with pytest.raises(lstm_latex.InputError) as error:
        lstm_latex.load(path)
    assert str(error.value) == (
        f"{path}: a state_dict holds no inputs: give them with --inputs FILE (inputs= or x= in Python): JSON"
        ' with "x" of shape (T, 2) and optionally "h0" and "c0", a .npy or .npz file, or a .pt file of a tensor'
        " or a dict of them"
    )


def test_keys_and_shapes_are_checked_as_for_json(tmp_path: Path) -> None:
    state = seed_lstm().state_dict()
    state["weight_hh_l0"] = torch.zeros(16, 3)
    path = save(state, tmp_path / "bad.pt")
    with pytest.raises(lstm_latex.InputError, match=r"state_dict.weight_hh_l0 has shape \(16, 3\), expected \(16, 4\)"):
        load(path, tmp_path)


def test_the_cell_type_is_inferred_and_a_contradiction_is_refused(tmp_path: Path) -> None:
    path = save(torch.nn.LSTM(3, 5, proj_size=2).state_dict(), tmp_path / "projected.pt")
    example = lstm_latex.load(path, inputs={"x": [[1.0, 2.0, 3.0]]})
    assert (example.network.cell, example.network.hidden_size, example.network.proj_size) == ("lstm", 5, 2)
    gates3 = {"weight_ih_l0": torch.zeros(15, 3), "weight_hh_l0": torch.zeros(15, 5)}
    path = save(gates3, tmp_path / "three-gates.pt")
    with pytest.raises(lstm_latex.InputError, match="has 15 rows; a lstm needs 4·hidden_size rows"):
        lstm_latex.load(path, inputs={"x": [[1.0, 2.0, 3.0]]}, cell="lstm")


def test_a_json_file_takes_its_inputs_from_an_inputs_file(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"x": [[1.0, 2.0], [3.0, 4.0]]}))
    example = lstm_latex.load(Path(__file__).parent.parent / "samples" / "seed.json", inputs=inputs)
    np.testing.assert_array_equal(example.inputs.x, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(example.inputs.h0, np.zeros((1, 4)))  # replaced, not merged
    inputs.write_text(json.dumps({"x": [[1.0, 2.0]], "state_dict": {}}))
    with pytest.raises(
        lstm_latex.InputError,
        match=r"unknown key 'state_dict' \(an inputs file holds x, h0, c0, target, loss, grad_output, lr\)",
    ):
        lstm_latex.load(Path(__file__).parent.parent / "samples" / "seed.json", inputs=inputs)


def test_shapes_that_fit_several_cells_ask_for_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a second four-gate cell type: the shapes of an LSTM then no longer say which one it is
    monkeypatch.setitem(CELLS, "lstm_twin", CELLS["lstm"])
    path = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path)
    assert str(error.value) == (
        f"{path}: the shapes fit lstm and lstm_twin alike (a state_dict does not record which): choose with --cell"
    )
    assert load(path, tmp_path, cell="lstm").network.cell == "lstm"


def test_cell_must_not_contradict_a_json_file() -> None:
    document = {**SEED_DOCUMENT, "cell": "lstm"}
    assert lstm_latex.load(document, cell="lstm").network.cell == "lstm"
    with pytest.raises(lstm_latex.InputError, match=r"<dict>: the file says cell 'lstm', --cell says 'gru'"):
        lstm_latex.load(document, cell="gru")


def test_a_torch_file_is_recognised_by_its_content_on_stdin_and_under_any_name(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lstm_latex.cli import main

    legacy = tmp_path / "weights.bin"  # torch.save's legacy format: a pickle, no zip
    torch.save(seed_lstm().state_dict(), legacy, _use_new_zipfile_serialization=False)
    inputs = seed_inputs(tmp_path)
    trace = lstm_latex.forward(lstm_latex.load(legacy, inputs=inputs))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    zipped = save(seed_lstm().state_dict(), tmp_path / "weights.pt")
    result = CliRunner().invoke(main, ["trace", "-", "--inputs", str(inputs), "--no-check"], input=zipped.read_bytes())
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(json.loads(result.stdout)["output"], expected_output(), rtol=0, atol=1e-15)


def test_integers_float64_cannot_hold_are_refused(tmp_path: Path) -> None:
    state = {k: v.to(torch.int64) for k, v in seed_lstm().state_dict().items()}
    state["bias_ih_l0"][3] = 2**53 + 1
    path = save(state, tmp_path / "integers.pt")
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path)
    assert str(error.value) == (
        f"{path}: state_dict.bias_ih_l0 holds integers beyond 2**53, which float64 cannot hold exactly:"
        " convert the tensor to float64 to accept the nearest values"
    )


# What a torch user holds in Python: modules, Parameters, state_dicts, tensors anywhere.


def test_a_module_and_what_it_holds_give_the_json_files_example() -> None:
    x, (h0, c0) = SEED_X, SEED_STATE
    from_file = lstm_latex.load(SEED_DOCUMENT)
    for example in (
        lstm_latex.load(seed_lstm(), x=x, h0=h0, c0=c0),
        lstm_latex.load(seed_model(), prefix="encoder.lstm", x=x, h0=h0, c0=c0),
        lstm_latex.load(seed_model(), x=x, h0=h0, c0=c0),  # the only recurrent module
        lstm_latex.load(seed_lstm().state_dict(), x=x, h0=h0, c0=c0),
        lstm_latex.load(dict(seed_lstm().named_parameters()), x=x, h0=h0, c0=c0),  # nn.Parameters
        lstm_latex.load({"state_dict": seed_lstm().state_dict(), "x": x, "h0": h0, "c0": c0}),
        lstm_latex.load(
            {"epoch": 3, "model_state_dict": seed_model().state_dict()}, inputs={"x": x, "h0": h0, "c0": c0}
        ),
    ):
        np.testing.assert_allclose(lstm_latex.forward(example).output, expected_output(), rtol=0, atol=1e-15)
        assert example.network.dtype == "float32"
        for name, array in from_file.network.state_dict().items():  # the float32 values, within float32's rounding
            np.testing.assert_allclose(example.network.state_dict()[name], array, rtol=1e-7)


def test_a_module_gives_its_own_batch_first() -> None:
    module = torch.nn.LSTM(2, 4, batch_first=True)
    x = torch.randn(3, 5, 2)  # (B, T, I)
    with torch.no_grad():
        output, _ = module.double()(x.double())
    example = lstm_latex.load(module, x=x, batch_index=1)
    assert example.inputs.batch == lstm_latex.model.Batch(1, 3, True)
    np.testing.assert_allclose(lstm_latex.forward(example).output, output[1].numpy(), rtol=0, atol=1e-15)
    time_major = lstm_latex.load(seed_model(), x=x, batch_index=1)  # nn.LSTM's default: (T, B, I)
    np.testing.assert_array_equal(time_major.inputs.x, x[:, 1].double().numpy())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_and_bfloat16_are_read_exactly_and_said(dtype: Any, tmp_path: Path) -> None:
    module = seed_lstm().to(dtype)
    path = save(module.state_dict(), tmp_path / "half.pt")
    example = load(path, tmp_path)
    name = str(dtype).removeprefix("torch.")
    assert example.network.dtype == name
    with torch.no_grad():  # what the stored values compute, in float64
        output, _ = module.double()(SEED_X, SEED_STATE)
    np.testing.assert_allclose(lstm_latex.forward(example).output, output.numpy(), rtol=0, atol=1e-15)
    from click.testing import CliRunner

    from lstm_latex.cli import main

    result = CliRunner().invoke(main, ["trace", str(path), "--inputs", str(seed_inputs(tmp_path)), "--no-check"])
    assert json.loads(result.stdout)["dtype"] == name


def test_the_prefix_is_the_path_from_the_files_top(tmp_path: Path) -> None:
    path = save({"epoch": 3, "model_state_dict": seed_model().state_dict()}, tmp_path / "checkpoint.pt")
    for prefix in ("model_state_dict", "model_state_dict.encoder.lstm", "encoder.lstm", None):
        trace = lstm_latex.forward(load(path, tmp_path, prefix=prefix))
        np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    wrapped = save({"model": {"net": seed_model().state_dict()}, "optimizer": {}}, tmp_path / "wrapped.pt")
    trace = lstm_latex.forward(load(wrapped, tmp_path, prefix="model.net.encoder.lstm"))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path, prefix="model_state_dict.encoder")
    assert str(error.value) == (
        f"{path}: no recurrent module at --prefix 'model_state_dict.encoder' (found: model_state_dict.encoder.lstm)"
    )


def test_tensors_count_against_the_budget_before_they_are_converted() -> None:
    huge = torch.zeros(1).expand(80_000, 20_000)  # 1.6 billion numbers claimed by one
    with pytest.raises(lstm_latex.InputError, match=r"the inputs holds 1600000000 numbers \(x \(80000, 20000\)\)"):
        lstm_latex.load(seed_lstm(), x=huge)
    with pytest.raises(lstm_latex.InputError, match=r"the state_dict holds 1600000\d+ numbers"):
        lstm_latex.load({**seed_lstm().state_dict(), "weight_ih_l0": huge}, x=SEED_X)


def test_a_module_without_a_recurrent_one_is_refused_by_name() -> None:
    with pytest.raises(lstm_latex.InputError) as error:
        lstm_latex.load(seed_model(), prefix="head", x=SEED_X)
    assert str(error.value) == "<Model>: no recurrent module at --prefix 'head' (found: encoder.lstm)"


# Files as they come: inputs as NumPy and torch files, safetensors, TorchScript.


def test_inputs_from_npy_npz_and_pt_files(tmp_path: Path) -> None:
    weights = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    x, h0, c0 = (np.array(SEED_DOCUMENT[key]) for key in ("x", "h0", "c0"))
    np.savez(tmp_path / "inputs.npz", x=x, h0=h0, c0=c0)
    torch.save({"x": SEED_X, "h0": SEED_STATE[0], "c0": SEED_STATE[1]}, tmp_path / "inputs.pt")
    for name in ("inputs.npz", "inputs.pt"):
        trace = lstm_latex.forward(lstm_latex.load(weights, inputs=tmp_path / name))
        np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    np.save(tmp_path / "x.npy", x[np.newaxis])  # a batch of one
    torch.save(SEED_X, tmp_path / "x.pt")
    for name in ("x.npy", "x.pt"):
        example = lstm_latex.load(weights, inputs=tmp_path / name)
        np.testing.assert_array_equal(example.inputs.x, x)
        np.testing.assert_array_equal(example.inputs.h0, np.zeros((1, 4)))


def test_trace_all_batch_writes_every_sequence_as_torch_computes_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lstm_latex.cli import main

    weights = save(seed_lstm().state_dict(), tmp_path / "lstm.pt")
    x = torch.randn(4, 3, 2, dtype=torch.float64)  # (T, B, I): nn.LSTM's own layout
    np.save(tmp_path / "batch.npy", x.numpy())
    with torch.no_grad():
        output, _ = seed_lstm().double()(x)  # (T, B, H)
    args = ["trace", str(weights), "--inputs", str(tmp_path / "batch.npy"), "--time-major", "--no-check"]
    result = CliRunner().invoke(main, [*args, "--all-batch"])
    assert result.exit_code == 0, result.output
    traces = json.loads(result.stdout)
    assert [trace["batch"] for trace in traces] == [{"index": k, "size": 3, "batch_first": False} for k in range(3)]
    for k, trace in enumerate(traces):
        np.testing.assert_allclose(trace["output"], output[:, k].numpy(), rtol=0, atol=1e-15)
    one = CliRunner().invoke(main, [*args, "--batch-index", "2"])
    assert json.loads(one.stdout) == traces[2]


def test_a_safetensors_state_dict_is_read_as_torch_saves_it(tmp_path: Path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch", reason="safetensors is an optional extra")
    path = tmp_path / "lstm.safetensors"
    safetensors_torch.save_file(seed_lstm().state_dict(), str(path))
    trace = lstm_latex.forward(load(path, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)
    assert trace.example.network.dtype == "float32"
    bfloat16 = tmp_path / "bf16.safetensors"  # a dtype NumPy has not: read through torch
    module = seed_lstm().to(torch.bfloat16)
    safetensors_torch.save_file(module.state_dict(), str(bfloat16))
    with torch.no_grad():
        output, _ = module.double()(SEED_X, SEED_STATE)
    example = load(bfloat16, tmp_path)
    assert example.network.dtype == "bfloat16"
    np.testing.assert_allclose(lstm_latex.forward(example).output, output.numpy(), rtol=0, atol=1e-15)


@pytest.mark.filterwarnings("ignore:`torch.jit.[a-z]*` is deprecated:DeprecationWarning")
def test_a_torchscript_archive_is_named_and_nothing_of_it_runs(tmp_path: Path) -> None:
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(seed_lstm()), str(path))
    with pytest.raises(lstm_latex.InputError) as error:
        load(path, tmp_path)
    assert str(error.value) == (
        f"{path}: a TorchScript archive, which is not read: it holds code, and nothing from a file is run. Save its"
        " state_dict with torch.save(torch.jit.load(FILE).state_dict(), 'weights.pt') where you trust the file,"
        " and give weights.pt"
    )
    weights = save(torch.jit.load(str(path)).state_dict(), tmp_path / "weights.pt")  # as the message says
    trace = lstm_latex.forward(load(weights, tmp_path))
    np.testing.assert_allclose(trace.output, expected_output(), rtol=0, atol=1e-15)


def test_an_example_holds_copies_of_the_tensors_it_was_given() -> None:
    module, x = seed_lstm().double(), SEED_X.clone()
    example = lstm_latex.load(module, x=x)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.fill_(99.0)
    x[0, 0] = 99.0
    assert example.network.directions[0].weight_ih[0, 0] == float(seed_lstm().state_dict()["weight_ih_l0"][0, 0])
    assert example.inputs.x[0, 0] == SEED_DOCUMENT["x"][0][0]
