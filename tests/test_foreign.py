"""Keras and ONNX files read into torch's layout: every kind, direction and refused variant, against the
framework's own outputs; and hostile files refused with one Error line."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex.cli import main as cli
from lstm_latex.errors import InputError
from lstm_latex.serialize import trace_to_dict

X = np.array([[0.5, -0.3, 0.8], [0.1, 0.9, -0.7], [-0.4, 0.2, 0.6], [0.3, -0.8, 0.05]])  # (T, I) = (4, 3)
FLOAT32 = 2e-6  # the framework computes in float32


def _trace(path: Path, layer: str, inputs: dict[str, Any] | None = None) -> Any:
    example = lstm_latex.load(path, inputs=inputs or {"x": X.tolist()}, layer=layer)
    return lstm_latex.forward(example)


# --- Keras ---------------------------------------------------------------------------------------

GOOD: dict[str, tuple[str, dict[str, Any], str]] = {  # layer name -> (its constructor's arguments, what torch calls it)
    "lstm1": ("LSTM", {"units": 4}, "lstm"),
    "gru1": ("GRU", {"units": 3}, "gru"),
    "rnn1": ("SimpleRNN", {"units": 2, "activation": "relu"}, "rnn_relu"),
    "bi": ("LSTM", {"units": 2}, "lstm"),  # inside Bidirectional
    "bigru": ("GRU", {"units": 2, "use_bias": False}, "gru"),  # inside Bidirectional
}
REFUSED: dict[str, tuple[str, dict[str, Any], str]] = {
    "gru_before": ("GRU", {"units": 2, "reset_after": False}, "reset_after=False"),
    "hard": ("LSTM", {"units": 2, "recurrent_activation": "hard_sigmoid"}, "recurrent_activation='hard_sigmoid'"),
    "sig": ("SimpleRNN", {"units": 2, "activation": "sigmoid"}, "activation='sigmoid'"),
    "back": ("LSTM", {"units": 2, "go_backwards": True}, "go_backwards=True"),
    "summed": ("GRU", {"units": 2}, "merge_mode='sum'"),
}


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, np.ndarray]]:
    """One functional model of every layer, saved three ways, and each layer's own output on X."""
    pytest.importorskip("h5py", reason="reading Keras files needs h5py: pip install 'lstm-latex[keras]'")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's own deprecations under NumPy 2, and its advice on .h5
        return _keras_files(tmp_path_factory)


def _keras_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, np.ndarray]]:
    keras = pytest.importorskip("keras", reason="making Keras files needs keras: pip install 'lstm-latex[keras]'")
    keras.utils.set_random_seed(7)
    inputs = keras.Input((None, 3))
    outputs, layers = [], {}
    for name, (kind, options, _) in {**GOOD, **REFUSED}.items():
        layer = getattr(keras.layers, kind)(return_sequences=True, **options, name=name)
        if name.startswith("bi") or name == "summed":
            wrapped = keras.layers.Bidirectional(layer, name=name, merge_mode="sum" if name == "summed" else "concat")
            layer = wrapped
        layers[name] = layer
        outputs.append(layer(inputs))
    model = keras.Model(inputs, outputs)
    for layer in layers.values():  # biases that are not zero, so that each shows where it went
        layer.set_weights([w + 0.1 * np.arange(w.size).reshape(w.shape) % 0.7 for w in layer.get_weights()])
    folder = tmp_path_factory.mktemp("keras")
    files = {"keras": folder / "model.keras", "h5": folder / "model.h5", "weights": folder / "model.weights.h5"}
    model.save(files["keras"])
    model.save(files["h5"])
    model.save_weights(files["weights"])
    x = X[np.newaxis].astype(np.float32)
    expected = {name: keras.ops.convert_to_numpy(layers[name](x))[0] for name in GOOD}
    return files, expected


@pytest.mark.keras
@pytest.mark.parametrize("saved", ["keras", "h5", "weights"])
@pytest.mark.parametrize("name", list(GOOD))
def test_keras_layer_computes_what_keras_does(
    keras_files: tuple[dict[str, Path], dict[str, np.ndarray]], saved: str, name: str
) -> None:
    files, expected = keras_files
    trace = _trace(files[saved], name)
    if saved == "weights" and name == "rnn1":  # no configuration says relu: read as tanh, and said so
        assert trace.example.network.cell == "rnn_tanh"
        assert "a ReLU SimpleRNN reads wrongly" in trace.example.network.provenance.notes[0]
        return
    assert trace.example.network.cell == GOOD[name][2]
    assert trace.example.network.bidirectional == name.startswith("bi")
    np.testing.assert_allclose(trace.output, expected[name], atol=FLOAT32)
    source = trace_to_dict(trace)["source"]
    assert (source["framework"], source["layer"]) == ("Keras", name)


@pytest.mark.keras
def test_keras_mapping_names_the_columns(keras_files: tuple[dict[str, Path], dict[str, np.ndarray]]) -> None:
    """A GRU's r is Keras's second column block (z|r|h), its b_hr the bias's second row."""
    trace = _trace(keras_files[0]["keras"], "gru1")
    origins = {o.symbol: o for o in trace.example.network.provenance.origins}
    assert origins["W_ir"].index == "[:, 3:6].T"
    assert origins["W_iz"].index == "[:, 0:3].T"
    assert origins["b_hr"].index == "[1, 3:6]"
    lstm = _trace(keras_files[0]["keras"], "lstm1").example.network.provenance
    assert [o.index for o in lstm.origins if o.symbol == "b_hi"] == ["zero: Keras has one bias"]


@pytest.mark.keras
@pytest.mark.parametrize("name", list(REFUSED))
def test_keras_variant_torch_lacks_is_refused(
    keras_files: tuple[dict[str, Path], dict[str, np.ndarray]], name: str
) -> None:
    with pytest.raises(InputError, match=REFUSED[name][2].replace("(", r"\(")):
        lstm_latex.load(keras_files[0]["keras"], inputs={"x": X.tolist()}, layer=name)


@pytest.mark.keras
@pytest.mark.torch
def test_keras_check_runs_keras(keras_files: tuple[dict[str, Path], dict[str, np.ndarray]], tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path, inputs = keras_files[0]["keras"], tmp_path / "inputs.json"
    inputs.write_text('{"x": [[1, 2, 3], [0.5, 0, -1]], "h0": [[0.1, 0.2], [0.3, 0.4]], "c0": [[1, 0], [0, -1]]}')
    result = CliRunner().invoke(cli, ["check", str(path), "--layer", "bi", "--inputs", str(inputs)])
    assert result.exit_code == 0, result.output
    assert "Keras 3" in result.stdout
    assert "on the file's layer agrees" in result.stdout


@pytest.mark.keras
def test_keras_several_layers_need_layer(keras_files: tuple[dict[str, Path], dict[str, np.ndarray]]) -> None:
    result = CliRunner().invoke(cli, ["trace", str(keras_files[0]["keras"]), "--no-check"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {keras_files[0]['keras']}: 10 recurrent layers in the file: choose one")


# --- ONNX ----------------------------------------------------------------------------------------


def _onnx(path: Path, op: str, directions: int = 1, *, peephole: float = 0.0, **attributes: Any) -> Path:
    """A one-node model of ``op`` with hidden size 2, its weights drawn, stored as initializers."""
    onnx = pytest.importorskip("onnx", reason="ONNX files need onnx: pip install 'lstm-latex[onnx]'")
    from onnx import TensorProto, helper, numpy_helper

    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    rng = np.random.default_rng(len(attributes) + directions)
    weights = {
        "W": rng.normal(size=(directions, gates * 2, 3)),
        "R": rng.normal(size=(directions, gates * 2, 2)),
        "B": rng.normal(size=(directions, 4 * gates)),
    }
    names = ["X", "W", "R", "B", "", ""]
    if peephole:
        names += ["", "P"]
        weights["P"] = np.full((directions, 6), peephole)
    node = helper.make_node(op, names, ["Y", "Y_h"], name=f"{op.lower()}1", hidden_size=2, **attributes)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 1, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w.astype(np.float32), k) for k, w in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


ONNX_GOOD = [
    ("LSTM", 1, {}, "lstm"),
    ("LSTM", 2, {"direction": "bidirectional"}, "lstm"),
    ("GRU", 1, {"linear_before_reset": 1}, "gru"),
    ("GRU", 2, {"linear_before_reset": 1, "direction": "bidirectional"}, "gru"),
    ("RNN", 1, {}, "rnn_tanh"),
    ("RNN", 2, {"direction": "bidirectional", "activations": ["Relu", "Relu"]}, "rnn_relu"),
]


@pytest.mark.onnx
@pytest.mark.parametrize(("op", "directions", "attributes", "cell"), ONNX_GOOD)
def test_onnx_node_computes_what_onnxruntime_does(
    tmp_path: Path, op: str, directions: int, attributes: dict[str, Any], cell: str
) -> None:
    onnxruntime = pytest.importorskip("onnxruntime", reason="needs onnxruntime: pip install 'lstm-latex[onnx]'")
    path = _onnx(tmp_path / "m.onnx", op, directions, **attributes)
    trace = _trace(path, f"{op.lower()}1")
    assert trace.example.network.cell == cell
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(["Y"], {"X": X[:, np.newaxis].astype(np.float32)})  # (T, D, 1, H)
    np.testing.assert_allclose(trace.output, y[:, :, 0].reshape(len(X), -1), atol=FLOAT32)


@pytest.mark.onnx
@pytest.mark.parametrize(
    ("op", "options", "message"),
    [
        ("GRU", {}, "GRU node 'gru1' has linear_before_reset=0"),
        ("LSTM", {"direction": "reverse"}, "direction='reverse'"),
        ("LSTM", {"clip": 3.0}, "clip=3.0"),
        ("LSTM", {"input_forget": 1}, "input_forget=1"),
        ("LSTM", {"peephole": 0.5}, "peepholes"),
        ("LSTM", {"activations": ["Sigmoid", "Relu", "Tanh"]}, "activations=\\['Sigmoid', 'Relu', 'Tanh'\\]"),
        ("RNN", {"activations": ["Sigmoid"]}, "torch's RNN has Tanh or Relu"),
    ],
)
def test_onnx_variant_torch_lacks_is_refused(tmp_path: Path, op: str, options: dict[str, Any], message: str) -> None:
    path = _onnx(tmp_path / "m.onnx", op, **options)
    result = CliRunner().invoke(cli, ["export", str(path)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: {path}: ")
    assert re.search(message, result.stderr), result.stderr


@pytest.mark.onnx
def test_onnx_zero_peepholes_are_read(tmp_path: Path) -> None:
    trace = _trace(_onnx(tmp_path / "m.onnx", "LSTM", peephole=1e-300 * 0), "lstm1")
    assert trace.example.network.cell == "lstm"


@pytest.mark.onnx
def test_onnx_mapping_moves_the_rows(tmp_path: Path) -> None:
    """ONNX stacks an LSTM's gates i|o|f|c: torch's f is its third block, o its second; B's second half is Rb."""
    trace = _trace(_onnx(tmp_path / "m.onnx", "LSTM"), "lstm1")
    origins = {o.symbol: o for o in trace.example.network.provenance.origins}
    assert (origins["W_if"].array, origins["W_if"].index) == ("W", "[0, 4:6, :]")
    assert origins["W_ho"].index == "[0, 2:4, :]"
    assert origins["b_hg"].index == "[0, 14:16]"


@pytest.mark.onnx
def test_onnx_external_data_and_huge_tensors_are_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    path = _onnx(tmp_path / "m.onnx", "RNN")
    model = onnx.load(path)
    external = model.graph.initializer[0]
    external.ClearField("raw_data")
    external.data_location = onnx.TensorProto.EXTERNAL
    external.external_data.add(key="location", value="/etc/passwd")
    onnx.save(model, tmp_path / "external.onnx")
    with pytest.raises(InputError, match="W \\('W'\\) keeps its data in another file \\('/etc/passwd'\\)"):
        lstm_latex.load(tmp_path / "external.onnx", inputs={"x": X.tolist()})
    model = onnx.load(path)
    model.graph.initializer[1].dims[:] = [1, 2, 10**12]
    onnx.save(model, tmp_path / "huge.onnx")
    with pytest.raises(InputError, match="more than the limit of"):
        lstm_latex.load(tmp_path / "huge.onnx", inputs={"x": X.tolist()})


# --- hostile Keras files -------------------------------------------------------------------------


@pytest.mark.keras
def test_hostile_keras_files_are_refused(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("config.json", "{}")
    (tmp_path / "not.keras").write_bytes(archive.getvalue())
    with h5py.File(tmp_path / "empty.h5", "w") as empty:
        empty.attrs["layer_names"] = []
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("config.json", "{}")
        zipped.writestr("model.weights.h5", b"\0" * 10**6)
    (tmp_path / "bomb.keras").write_bytes(bomb.getvalue())
    expected = {
        "not.keras": "a zip archive without model.weights.h5: not a Keras archive",
        "empty.h5": "no recurrent layer (LSTM, GRU or simple RNN) in the file",
        "bomb.keras": "model.weights.h5 declares 1000000 bytes, beyond the limit of 32000",
    }
    for name, message in expected.items():
        result = CliRunner().invoke(cli, ["export", str(tmp_path / name), "--max-numbers", "1000"])
        assert result.exit_code == 1
        assert result.stderr == f"Error: {tmp_path / name}: {message}" + result.stderr.split(message, 1)[1]
        assert result.stderr.count("\n") == 1


@pytest.mark.keras
@pytest.mark.onnx
@pytest.mark.torch
@pytest.mark.parametrize("sample", ["encoder.keras", "lstm.onnx"])
def test_samples_agree_with_their_framework(sample: str) -> None:
    pytest.importorskip("torch")
    framework = "keras" if sample.endswith("keras") else "onnxruntime"
    if importlib.util.find_spec(framework) is None:  # not imported here: keras would pick its backend now
        pytest.skip(f"the check by the file's framework needs {framework}")
    folder = Path(__file__).parent.parent / "samples" / "models"
    result = CliRunner().invoke(cli, ["check", str(folder / sample), "--inputs", str(folder / "inputs.json")])
    assert result.exit_code == 0, result.output
    assert "on the file's layer agrees" in result.stdout.splitlines()[-1]


@pytest.mark.keras
@pytest.mark.parametrize("name", ["lstm1", "bi"])
def test_keras2_layout_is_read(
    keras_files: tuple[dict[str, Path], dict[str, np.ndarray]], tmp_path: Path, name: str
) -> None:
    """A whole model as Keras 2 saved it: weight_names such as bi/forward_lstm/lstm_cell/kernel:0."""
    h5py = pytest.importorskip("h5py")
    files, expected = keras_files
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": []}}
    inner = {"class_name": "LSTM", "config": {"name": name, "units": 4 if name == "lstm1" else 2}}
    config["config"]["layers"] = [  # type: ignore[index]
        inner if name == "lstm1" else {"class_name": "Bidirectional", "config": {"name": name, "layer": inner}}
    ]
    sides = ["forward_layer", "backward_layer"] if name == "bi" else [""]
    with h5py.File(files["weights"], "r") as source, h5py.File(tmp_path / "keras2.h5", "w") as saved:
        saved.attrs["model_config"] = json.dumps(config)
        weights = saved.create_group("model_weights")
        weights.attrs["layer_names"] = [name.encode()]
        group = weights.create_group(name)
        names = []
        for side in sides:
            folder = f"layers/{'bidirectional' if name == 'bi' else 'lstm'}/{side}/cell/vars".replace("//", "/")
            prefix = f"{name}/{side.replace('_layer', '_lstm')}/" if side else f"{name}/"
            for k, role in enumerate(["kernel", "recurrent_kernel", "bias"]):
                path = f"{prefix}lstm_cell/{role}:0"
                group[path] = source[f"{folder}/{k}"][()]
                names.append(path.encode())
        group.attrs["weight_names"] = names
    trace = _trace(tmp_path / "keras2.h5", name)
    np.testing.assert_allclose(trace.output, expected[name], atol=FLOAT32)


@pytest.mark.keras
def test_compressed_h5_dataset_is_bounded_before_it_is_read(tmp_path: Path) -> None:
    """A file of a few kilobytes that inflates to a million numbers: its declared shape is refused first."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "bomb.weights.h5", "w") as saved:
        cell = saved.create_group("layers/lstm/cell/vars")
        cell.attrs["name"] = "lstm_cell"
        cell.create_dataset("0", data=np.zeros((250, 4000), np.float32), compression="gzip")
        cell.create_dataset("1", data=np.zeros((1000, 4000), np.float32), compression="gzip")
    assert (tmp_path / "bomb.weights.h5").stat().st_size < 100_000
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "bomb.weights.h5"), "--max-numbers", "100000"])
    assert result.exit_code == 1
    assert "layer 'lstm' holds 5000000 numbers (/layers/lstm/cell/vars/1 (1000, 4000)), more than the limit" in (
        result.stderr
    )


@pytest.mark.onnx
@pytest.mark.keras
def test_document_says_where_each_block_is() -> None:
    """The Markdown names the file, the node, and W_if's rows in W (ONNX's i|o|f|c: the third block)."""
    pytest.importorskip("onnx")
    folder = Path(__file__).parent.parent / "samples" / "models"
    inputs = folder / "inputs.json"
    result = CliRunner().invoke(
        cli, ["render", str(folder / "lstm.onnx"), "--inputs", str(inputs), "--no-check", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    assert f"The weights are read from the ONNX file `{folder / 'lstm.onnx'}`, its LSTM node `lstm`." in result.stdout
    assert "- $W_{if}$ = `weight_ih_l0[2:4]`: `W[0, 4:6, :]`\n" in result.stdout


@pytest.mark.keras
@pytest.mark.latex
def test_document_of_a_keras_file_compiles(tmp_path: Path) -> None:
    """The part on where the weights come from, its table of array paths with underscores, in pdflatex."""
    folder = Path(__file__).parent.parent / "samples" / "models"
    out = tmp_path / "encoder.tex"
    args = ["render", str(folder / "encoder.keras"), "--inputs", str(folder / "inputs.json"), "--no-check"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out), "--compile"])
    assert result.exit_code == 0, result.output
    assert r"\texttt{/layers/bidirectional/backward\_layer/cell/vars/0[:, 2:4].\allowbreak{}T}" in out.read_text()
    assert out.with_suffix(".pdf").stat().st_size > 0


@pytest.mark.onnx
def test_framework_that_cannot_run_the_node_is_reported(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    from lstm_latex.check import framework_check

    onnx = pytest.importorskip("onnx")
    path = _onnx(tmp_path / "m.onnx", "RNN")
    model = onnx.load(path)
    model.opset_import[0].version = 999  # no runtime has it
    onnx.save(model, path)
    report = framework_check(_trace(path, "rnn1"))
    assert report is not None
    assert report.agrees
    assert report.line().startswith("onnxruntime: not run (it failed: ")


@pytest.mark.onnx
def test_onnx_constant_weights_and_stored_initial_state(tmp_path: Path) -> None:
    """W from a Constant node, initial_h from an initializer: the stored state is h0 unless the inputs give one."""
    onnxruntime = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper

    path = _onnx(tmp_path / "m.onnx", "GRU", linear_before_reset=1)
    model = onnx.load(path)
    w = model.graph.initializer[0]
    model.graph.initializer.remove(w)
    model.graph.node.insert(0, helper.make_node("Constant", [], ["W"], value=w))
    h0 = np.array([[[0.25, -0.5]]], np.float32)  # (D, batch, H)
    model.graph.initializer.append(numpy_helper.from_array(h0, "h_start"))
    model.graph.node[1].input[5:] = ["h_start"]
    onnx.save(model, path)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(["Y"], {"X": X[:, np.newaxis].astype(np.float32)})
    trace = _trace(path, "gru1")
    np.testing.assert_allclose(trace.example.inputs.h0, [[0.25, -0.5]])
    np.testing.assert_allclose(trace.output, y[:, 0, 0], atol=FLOAT32)
    given = _trace(path, "gru1", {"x": X.tolist(), "h0": [[0.0, 0.0]]})
    assert not given.example.inputs.h0.any()
