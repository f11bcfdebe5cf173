"""`lstm-latex golden`: golden vectors for a port, as a C header that a C step loop is checked
against, an npz archive and JSON, compared with torch."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, SEED
from networks import random_lstm

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.golden import GoldenVectors, Quantity, count_values, golden_c, golden_json, golden_vectors
from lstm_latex.model import Loss
from lstm_latex.serialize import network_to_json, trace_to_dict

CHECKS = SAMPLES / "golden"


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def torch_example(cell: str, *, seed: int = 0, steps: int = 6, **options: Any) -> tuple[Any, Any, lstm_latex.Example]:
    """A torch module with torch's random weights, its inputs, and the example lstm_latex reads from them."""
    import torch

    torch.manual_seed(seed)
    module = getattr(torch.nn, cell)(8, 16, **options)
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    state: dict[str, Any] = {
        "x": torch.randn(steps, 8),
        "h0": 0.5 * torch.randn(layers, options.get("proj_size") or 16),
    }
    if cell == "LSTM":
        state["c0"] = torch.randn(layers, 16)
    kind = {"RNN": "rnn_" + options.get("nonlinearity", "tanh")}.get(cell)  # a state_dict does not say
    return module, state, lstm_latex.load(module, cell=kind, **state)


@contextmanager
def native_kernels() -> Iterator[None]:
    """torch's own CPU kernels, not oneDNN's (torch's default for nn.LSTM on some CPUs, which rounds an ulp apart)."""
    import torch

    enabled = torch._C._get_mkldnn_enabled()
    torch._C._set_mkldnn_enabled(False)
    try:
        yield
    finally:
        torch._C._set_mkldnn_enabled(enabled)


def by_path(golden: GoldenVectors) -> dict[str, Any]:
    return {q.path: q for q in golden.quantities}


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "options"),
    [
        ("LSTM", {"num_layers": 2, "bidirectional": True}),
        ("LSTM", {"proj_size": 5}),
        ("GRU", {"num_layers": 2}),
        ("RNN", {"nonlinearity": "relu", "bidirectional": True}),
        ("RNN", {}),
    ],
)
def test_the_float32_values_are_torchs_own_outputs(cell: str, options: dict[str, Any]) -> None:
    import torch

    module, state, example = torch_example(cell, **options)
    found = by_path(golden_vectors(example))
    with torch.no_grad(), native_kernels():  # torch's native kernels: bit for bit
        given = (state["h0"], state["c0"]) if cell == "LSTM" else state["h0"]
        output, final = module.float()(state["x"], given)
    assert found["output"].value.dtype == np.float32
    assert np.array_equal(found["output"].value, output.numpy())
    h_n = final[0] if cell == "LSTM" else final
    assert np.array_equal(found["h_n"].value, h_n.numpy())
    if cell == "LSTM":
        assert np.array_equal(found["c_n"].value, final[1].numpy())
    # the last layer's forward h_t is the output's first half
    last = options.get("num_layers", 1) - 1
    width = found[f"{last}/forward/h"].value.shape[1]
    assert np.array_equal(found[f"{last}/forward/h"].value, output.numpy()[:, :width])


@pytest.mark.torch
def test_float32_is_computed_in_float32_not_cast_and_each_quantity_has_its_own_tolerance() -> None:
    _, _, example = torch_example("LSTM", steps=20, num_layers=2)
    found = by_path(golden_vectors(example))
    exact = by_path(golden_vectors(example, dtype="float64"))
    computed = [path for path in found if path.startswith(("0/", "1/"))]
    cast_differs = [
        path for path in computed if not np.array_equal(found[path].value, exact[path].value.astype(np.float32))
    ]
    assert len(cast_differs) > len(computed) // 2
    for path in computed:
        gap = np.abs(found[path].value.astype(np.float64) - exact[path].value).max()
        assert gap <= found[path].tolerance, path
        assert found[path].tolerance < 1e-5, path
    tolerances = {found[path].tolerance for path in computed if not path.endswith(("/x", "h_prev", "c_prev"))}
    assert len(tolerances) > 5  # not one figure for all
    assert found["0/forward/gates/i/preactivation"].tolerance > found["0/forward/gates/i/activation"].tolerance
    assert found["weights/weight_ih_l0"].tolerance == 0  # given, not computed


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_the_paths_are_the_traces_and_both_dtypes_hold_the_same(cell: str) -> None:
    _, _, example = torch_example(cell, steps=2, bidirectional=True)
    single = by_path(golden_vectors(example))
    double = by_path(golden_vectors(example, dtype="float64"))
    assert list(single) == list(double)
    trace = trace_to_dict(lstm_latex.forward(example))
    step = trace["layers"][1]["steps"][0]  # the reverse direction's first step run: t = 2
    names = {f"gates/{gate}/{part}" for gate, parts in step.pop("gates").items() for part in parts} | set(step) - {"t"}
    assert {path.removeprefix("0/reverse/") for path in double if path.startswith("0/reverse/")} == names
    assert double["0/reverse/h"].value.shape == (2, 16)
    step = lstm_latex.forward(example).directions[1].steps[0]
    assert np.array_equal(double["0/reverse/h"].value[1], step.h)  # row t - 1 is step t, in a reverse direction too


def _compile(source: Path, header: str, directory: Path, compiler: str = "gcc") -> Path:
    if shutil.which(compiler) is None:
        pytest.fail(f"{compiler} is not installed")
    (directory / "golden.h").write_text(header)
    binary = directory / source.stem
    standard = ["-std=c99"] if compiler == "gcc" else []
    command = [
        compiler,
        *standard,
        "-Wall",
        "-Wextra",
        "-Werror",
        "-I",
        str(directory),
        str(source),
        "-o",
        str(binary),
        "-lm",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return binary


@pytest.mark.cc
@pytest.mark.torch
@pytest.mark.parametrize(("cell", "check"), [("LSTM", "lstm_check.c"), ("GRU", "gru_check.c")])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_c_step_loop_in_float32_agrees_with_the_header_within_its_tolerances(
    cell: str, check: str, seed: int, tmp_path: Path
) -> None:
    _, _, example = torch_example(cell, seed=seed, steps=30, num_layers=2)
    header = "".join(golden_c(golden_vectors(example, layers=1)))
    result = subprocess.run([_compile(CHECKS / check, header, tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "30 steps, 0 values outside the tolerances\n"


@pytest.mark.cc
@pytest.mark.torch
def test_the_c_check_fails_a_wrong_port(tmp_path: Path) -> None:
    """The tolerances are tight enough to catch a port that leaves out b_hh."""
    _, _, example = torch_example("LSTM", steps=3)
    source = (CHECKS / "lstm_check.c").read_text().replace(" + weights_bias_hh_l0[r];", ";")
    (tmp_path / "wrong.c").write_text(source)
    header = "".join(golden_c(golden_vectors(example)))
    result = subprocess.run([_compile(tmp_path / "wrong.c", header, tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    failures = re.search(r"^3 steps, ([0-9]+) values outside the tolerances$", result.stdout, re.MULTILINE)
    assert failures is not None
    assert int(failures[1]) > 0
    assert result.stdout.startswith("t = 1, i[")


@pytest.mark.cc
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_header_compiles_as_c99_and_cpp_without_a_warning(dtype: str, tmp_path: Path) -> None:
    _, _, example = torch_example("LSTM", steps=2, num_layers=2, bidirectional=True, proj_size=3)
    target = Loss("mse", np.full((2, 6), 0.25), None, None)
    example = dataclasses.replace(example, inputs=dataclasses.replace(example.inputs, loss=target))
    golden = golden_vectors(example, dtype=dtype)
    assert sum(q.value.size for q in golden.quantities) == count_values(example)  # the count the limit reads
    header = "".join(golden_c(golden))
    ctype = "float" if dtype == "float32" else "double"
    assert f"static const {ctype} l1_reverse_gates_o_activation[2][16] = " in header
    assert f"static const {ctype} grad_l1_reverse_dh_unprojected[2][16] = " in header
    program = tmp_path / "main.cpp"
    program.write_text('#include "golden.h"\nint main() { return l0_forward_h[0][0] > 1 + loss ? 1 : 0; }\n')
    for compiler, source in (("gcc", program.with_suffix(".c")), ("g++", program)):
        source.write_text(program.read_text())
        assert subprocess.run([_compile(source, header, tmp_path, compiler)]).returncode == 0


@pytest.mark.torch
def test_the_npz_read_by_numpy_agrees_with_torch(tmp_path: Path) -> None:
    import torch

    module, state, example = torch_example("GRU", steps=4)
    weights = tmp_path / "gru.json"
    weights.write_text(network_to_json(example.network, example.inputs))
    result = run("golden", str(weights), "-o", str(tmp_path / "gru.npz"))
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "gru.npz", allow_pickle=False) as archive:
        arrays = dict(archive)
    summary = json.loads(str(arrays.pop("summary")))
    assert summary["dtype"] == "float32"
    assert summary["cell"] == "gru"
    assert summary["seq_len"] == 4
    with torch.no_grad(), native_kernels():
        output, h_n = module(state["x"], state["h0"])
    assert np.array_equal(arrays["output"], output.numpy())
    assert np.array_equal(arrays["h_n"], h_n.numpy())
    assert np.array_equal(arrays["weights/weight_hh_l0"], module.weight_hh_l0.detach().numpy())
    assert arrays["0/forward/gates/n/activation"].shape == (4, 16)
    assert set(summary["tolerances"]) == set(arrays)
    assert summary["ranges"]["x"]["max_abs"] == float(np.abs(arrays["x"]).max())


@pytest.mark.torch
@pytest.mark.parametrize(("dtype", "kind"), [("float32", np.float32), ("float64", np.float64)])
def test_json_and_c_round_trip_every_number(dtype: str, kind: type, tmp_path: Path) -> None:
    _, _, example = torch_example("LSTM", steps=3)
    golden = golden_vectors(example, dtype=dtype)
    result = run("golden", str(SEED), "--dtype", dtype, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert '\n  "0/forward/h": {"max_abs": ' in result.stdout  # a quantity a line
    assert document["format"] == "lstm-latex-golden"
    assert document["source_dtype"] == "float64"
    values = json.loads("".join(golden_json(golden)))["values"]
    header = "".join(golden_c(golden))
    for q in golden.quantities:
        assert np.array_equal(np.array(values[q.path], dtype=kind), q.value), q.path
    literal = (
        header.split("static const", 2)[1].split("{\n  {", 1)[1].split("}", 1)[0]
    )  # weights/weight_ih_l0's first row
    row = [kind(number.removesuffix("f")) for number in literal.split(", ")]
    assert np.array_equal(row, golden.quantities[0].value[0])


@pytest.mark.torch
def test_the_gradients_are_under_grad_and_are_autograds(tmp_path: Path) -> None:
    import torch

    document = json.loads((SAMPLES / "lstm_backward.json").read_text())
    golden = golden_vectors(lstm_latex.load(document), dtype="float64")
    found = by_path(golden)
    module = torch.nn.LSTM(len(document["x"][0]), len(document["state_dict"]["weight_hh_l0"][0])).double()
    given = {
        key: torch.tensor(value, dtype=torch.float64)
        for key, value in document.items()
        if key in ("x", "h0", "c0", "target")
    }
    module.load_state_dict(
        {key: torch.tensor(value, dtype=torch.float64) for key, value in document["state_dict"].items()}
    )
    x = given["x"].requires_grad_()
    output, _ = module(x, (given["h0"], given["c0"]))
    (0.5 * ((output - given["target"]) ** 2).sum()).backward()
    autograd = {"grad/weights/weight_hh_l0": module.weight_hh_l0.grad, "grad/x": x.grad}
    for path, gradient in autograd.items():
        assert isinstance(gradient, torch.Tensor)
        assert np.allclose(found[path].value, gradient.numpy(), rtol=0, atol=1e-12)
    assert found["grad/0/forward/dh"].value.shape == (len(document["x"]), module.hidden_size)
    assert float(found["loss"].value) > 0
    single = by_path(golden_vectors(lstm_latex.load(document)))
    assert list(single) == list(found)
    for path in ("grad/weights/weight_hh_l0", "grad/0/forward/dc", "grad/0/forward/gates/f/preactivation", "loss"):
        assert single[path].value.dtype == np.float32
        assert single[path].tolerance < 1e-6
        assert np.abs(single[path].value - found[path].value).max() <= single[path].tolerance


@pytest.mark.torch
def test_ranges_give_the_q_format_each_quantity_fits() -> None:
    document = json.loads(SEED.read_text()) | {"x": [[3.5, -0.25]]}
    found = by_path(golden_vectors(lstm_latex.load(document)))
    assert found["x"].max_abs == 3.5
    assert found["x"].int_bits == 2
    assert found["x"].q_format == "Q2.13"
    activation = found["0/forward/gates/f/activation"]
    assert 0 < activation.max_abs < 1
    assert activation.q_format == "Q0.15"
    assert found["h0"].max_abs == pytest.approx(0.5)
    assert found["h0"].int_bits == 0
    edges = {32767.4 / 2**15: "Q0.15", 32767.5 / 2**15: "Q1.14", 1.0: "Q1.14", 40000.0: None}  # Q0.15 ends at 1 - 2^-15
    for max_abs, q_format in edges.items():
        assert Quantity("x", np.zeros(1), 0.0, max_abs).q_format == q_format


@pytest.mark.torch
def test_steps_and_layers_keep_the_file_small() -> None:
    _, _, example = torch_example("LSTM", steps=10, num_layers=2)
    small = golden_vectors(example, steps=3, layers=1)
    found = by_path(small)
    assert found["x"].value.shape == (3, 8)
    assert found["output"].value.shape == (3, 16)
    assert not any(path.startswith("1/") for path in found)
    assert "weights/weight_ih_l1" not in found
    whole = by_path(golden_vectors(example))
    assert np.array_equal(found["0/forward/c"].value, whole["0/forward/c"].value[:3])


def test_a_file_too_large_is_refused_before_anything_is_computed(tmp_path: Path) -> None:
    output = tmp_path / "golden.h"
    output.write_text("old")
    result = run("golden", str(SEED), "-o", str(output), "--max-values", "100")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the golden file would hold ")
    assert (
        "more than the limit of 100: keep fewer with --first-steps or --first-layers, or raise --max-values"
        in result.stderr
    )
    assert result.stderr.count("\n") == 1
    assert output.read_text() == "old"


@pytest.mark.torch
def test_the_old_names_of_the_first_steps_and_layers_still_work_with_a_warning(tmp_path: Path) -> None:
    # --steps and --layers choose the steps and layers shown in render and worksheet: here they were the first N
    old = run("golden", str(SAMPLES / "lstm_backward.json"), "--steps", "1", "--layers", "1", "--format", "json")
    new = run(
        "golden", str(SAMPLES / "lstm_backward.json"), "--first-steps", "1", "--first-layers", "1", "--format", "json"
    )
    assert old.exit_code == new.exit_code == 0, old.output
    assert old.stdout == new.stdout
    assert old.stderr.splitlines() == [
        "Warning: golden --steps is deprecated: use --first-steps for the first N steps"
        " (--steps is the steps shown, as in render)",
        "Warning: golden --layers is deprecated: use --first-layers for the first N layers"
        " (--layers is the layers shown, as in render)",
    ]
    both = run("golden", str(SEED), "--steps", "1", "--first-steps", "1", "--format", "json")
    assert both.exit_code == 2
    assert "Error: --steps and --first-steps both give the first N steps: give --first-steps only" in both.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--first-steps", "2", "--format", "c"], "Error: the first 2 steps asked for, but x has 1 step(s)\n"),
        (
            ["--first-layers", "2", "--format", "c"],
            "Error: the first 2 layers asked for, but the network has 1 layer(s)\n",
        ),
        ([], "give --format c, npz or json (or -o FILE.h, FILE.npz or FILE.json)"),
        (["--format", "npz"], "an npz archive is binary: give -o FILE.npz"),
        (["--format", "npz", "-o", "golden.h"], "-o golden.h names a c file, but --format is npz: give one of them"),
    ],
)
def test_bad_options_are_one_line(args: list[str], message: str) -> None:
    result = run("golden", str(SEED), *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.torch
def test_the_samples_header_is_what_golden_writes_for_the_seed(tmp_path: Path) -> None:
    """The same text, and the same numbers but for float32's last digit (another CPU may round torch's
    float32 sums in another order)."""
    assert run("golden", str(SEED), "-o", str(tmp_path / "seed.h")).exit_code == 0
    number = r"-?[0-9]+\.?[0-9]*(?:e[-+][0-9]+)?"
    sample, written = ((CHECKS / "seed.h").read_text(), (tmp_path / "seed.h").read_text())
    assert re.sub(number, "N", sample) == re.sub(number, "N", written)
    found, expected = (np.array([float(n) for n in re.findall(number, text)]) for text in (written, sample))
    assert np.allclose(found, expected, rtol=1e-6, atol=1e-12)


def test_the_documentation_shows_the_c_check_in_full() -> None:
    assert (CHECKS / "lstm_check.c").read_text() in (ROOT / "docs" / "guide" / "trace.md").read_text()


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "options"),
    [
        ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 5}),
        ("GRU", {"num_layers": 2, "bidirectional": True}),
        ("RNN", {"nonlinearity": "relu"}),
    ],
)
@pytest.mark.parametrize("loss", ["target", "grad_output"])
def test_float32_gradients_are_autograds_through_the_step_loop_for_every_trace_name(
    cell: str, options: dict[str, Any], loss: str
) -> None:
    _, _, example = torch_example(cell, steps=5, **options)
    width = (2 if options.get("bidirectional") else 1) * (options.get("proj_size") or 16)
    arriving = np.random.default_rng(3).uniform(-1, 1, (5, width))
    given = Loss("half_sse", arriving, None, None) if loss == "target" else Loss("grad_output", None, arriving, None)
    example = dataclasses.replace(example, inputs=dataclasses.replace(example.inputs, loss=given))
    single = by_path(golden_vectors(example))
    double = by_path(golden_vectors(example, dtype="float64"))
    assert list(single) == list(double)
    gradients = [path for path in double if path.startswith("grad/")]
    assert len(gradients) > 10
    for path in gradients:  # a gradient of another name would be far from float64's
        assert single[path].tolerance <= 1e-5 * (1 + double[path].max_abs), path
        assert double[path].tolerance <= 1e-13 * (1 + double[path].max_abs), path


@pytest.mark.torch
def test_a_sequence_longer_than_a_document_is_written() -> None:
    example = lstm_latex.load(random_lstm(2, 2, steps=150))
    found = by_path(golden_vectors(example, steps=120))
    assert found["0/forward/h"].value.shape == (120, 2)


@pytest.mark.torch
def test_the_file_records_the_sources_dtype_and_not_torchs_version() -> None:
    import torch

    module, state, _ = torch_example("LSTM", steps=2)
    golden = golden_vectors(lstm_latex.load(module.half(), **state))
    assert golden.summary()["source_dtype"] == "float16"
    header = "".join(golden_c(golden))
    assert "from float16 weights." in header
    assert torch.__version__ not in header
    assert torch.__version__ not in "".join(golden_json(golden))


def test_without_torch_the_command_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("lstm_latex.check.torch_available", lambda: False)
    result = run("golden", str(SEED), "-o", str(tmp_path / "seed.h"))
    assert result.exit_code == 1
    assert result.stderr == "Error: golden vectors need torch: pip install 'lstm-latex[torch]'\n"
    assert not (tmp_path / "seed.h").exists()


@pytest.mark.torch
def test_all_batch_writes_every_sequence_along_a_first_axis(tmp_path: Path) -> None:
    import torch

    module, _, _ = torch_example("LSTM")
    torch.manual_seed(1)
    x, h0, c0 = torch.randn(3, 5, 8), torch.randn(1, 3, 16), torch.randn(1, 3, 16)
    np.savez(tmp_path / "inputs.npz", x=x.numpy(), h0=h0.numpy(), c0=c0.numpy())
    torch.save(module.state_dict(), tmp_path / "lstm.pt")
    batch = ("golden", str(tmp_path / "lstm.pt"), "--inputs", str(tmp_path / "inputs.npz"), "--all-batch")
    result = run(*batch, "-o", str(tmp_path / "batch.npz"))
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "batch.npz", allow_pickle=False) as archive:
        arrays = dict(archive)
    summary = json.loads(str(arrays.pop("summary")))
    assert summary["batch_size"] == 3
    size = sum(array.size for array in arrays.values())
    assert run(*batch, "--format", "c", "--max-values", str(size - 1)).stderr.startswith(
        f"Error: the golden file would hold {size:,} numbers"
    )
    assert arrays["x"].shape == (3, 5, 8)
    assert arrays["weights/weight_ih_l0"].shape == (64, 8)
    assert arrays["0/forward/gates/f/activation"].shape == (3, 5, 16)
    module.batch_first = True
    with torch.no_grad(), native_kernels():
        output, (h_n, c_n) = module(x, (h0, c0))
    for path, expected in (("output", output), ("h_n", h_n.transpose(0, 1)), ("c_n", c_n.transpose(0, 1))):
        gap = np.abs(arrays[path] - expected.numpy()).max()
        assert gap <= summary["tolerances"][path], path
    second = golden_vectors(lstm_latex.load(module, x=x[1], h0=h0[:, 1], c0=c0[:, 1]))
    assert np.array_equal(arrays["0/forward/c"][1], by_path(second)["0/forward/c"].value)
    usage = run(
        "golden",
        str(tmp_path / "lstm.pt"),
        "--inputs",
        str(tmp_path / "inputs.npz"),
        "--all-batch",
        "--batch-index",
        "0",
        "--format",
        "c",
    )
    assert usage.exit_code == 2
    assert "--all-batch writes every sequence; --batch-index chooses one: give one of them" in usage.stderr


@pytest.mark.torch
@pytest.mark.parametrize("scale", [1e39, 1e25])  # a weight beyond float32, or a product that overflows it
def test_a_network_that_overflows_float32_is_refused_in_float32_and_written_in_float64(
    scale: float, tmp_path: Path
) -> None:
    document = json.loads(SEED.read_text())
    document["state_dict"]["weight_ih_l0"][0][0] = scale
    document["x"] = [[scale, 0.1]]
    (tmp_path / "huge.json").write_text(json.dumps(document))
    result = run("golden", str(tmp_path / "huge.json"), "-o", str(tmp_path / "huge.h"))
    assert result.exit_code == 1
    assert result.stderr.endswith(" overflows float32: the numbers are too large for it (--dtype float64 holds them)\n")
    assert not (tmp_path / "huge.h").exists()
    result = run("golden", str(tmp_path / "huge.json"), "--dtype", "float64", "-o", str(tmp_path / "huge.h"))
    assert result.exit_code == 0, result.output
    assert "inf" not in (tmp_path / "huge.h").read_text()
