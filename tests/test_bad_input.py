"""Every bad input is refused as a user sees it: exit status 1, one ``Error: ...`` line naming what
is wrong and where, nothing on stdout, and no output file created or changed.

The corpus is tests/corpus/bad/: one file per mistake, and manifest.json with a fragment of the
message each must give. Inputs too large to keep in the repository, and torch files (binary, and
tied to the installed torch's format), are made here instead; they run in-process through click's
runner. The few tests that need a process of their own (a traceback, closed or full streams,
signals) are in test_hostile.py.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from results import assert_clean_failure

from lstm_latex.cli import main

CORPUS = Path(__file__).parent / "corpus" / "bad"
INPUTS = Path(__file__).parent / "corpus" / "inputs.json"
MANIFEST: dict[str, str] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
PRECIOUS = b"an earlier derivation\n"


def invoke(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, args, input=stdin)


def assert_refused_everywhere(path: Path, fragment: str, tmp_path: Path, *options: str) -> None:
    """render over an existing file and trace to a new one: both refuse alike, and write nothing."""
    existing = tmp_path / "existing.tex"
    existing.write_bytes(PRECIOUS)
    new = tmp_path / "out" / "new.tex"
    new.parent.mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for command, output in (("render", existing), ("trace", new)):
        result = invoke([command, str(path), *options, "-o", str(output)])
        assert_clean_failure(result, fragment)
        assert result.stderr.startswith(f"Error: {path}: "), result.stderr  # says which file
    assert not new.exists()
    assert existing.read_bytes() == PRECIOUS
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no temporary file left behind


def test_the_manifest_lists_every_corpus_file() -> None:
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "manifest.json")
    assert files == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file_is_refused_cleanly(name: str, tmp_path: Path) -> None:
    assert_refused_everywhere(CORPUS / name, MANIFEST[name], tmp_path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 300_000 + "]" * 300_000, "not valid JSON: nested 300000 levels deep"),
        ('{"x": ' * 200_000 + "1" + "}" * 200_000, "not valid JSON: nested 200000 levels deep"),
        ("[" * 500_000, "not valid JSON: nested 500000 levels deep"),  # and never closed
        ('{"x": [[0.5]], "state_dict": {"w": ' + "[" * 999 + "]" * 999 + "}}", "nested 1001 levels deep"),
        # An unterminated string of escaped quotes: a pre-scan that retried at every quote took
        # minutes for this (time growing with the square of the length); it must be linear.
        ('{"x": "' + '\\"' * 400_000, "not valid JSON: Unterminated string starting at (line 1, column 7)"),
    ],
)
def test_deep_nesting_and_long_strings_are_refused_at_once(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text)
    assert_refused_everywhere(path, fragment, tmp_path)


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps({"x": [[0.5]], "state_dict": {}, "cell": "[[[[" * 20 + '\\"' + "{" * 50}))
    assert_clean_failure(invoke(["render", str(path)]), "unknown cell '[[[[")


@pytest.mark.parametrize("name", ["empty.json", "truncated.json", "nan.json", "x-shape.json", "ragged-x.json"])
@pytest.mark.parametrize("command", ["render", "trace"])
def test_stdin_is_refused_like_a_file(name: str, command: str) -> None:
    result = invoke([command, "-"], stdin=(CORPUS / name).read_bytes())
    assert_clean_failure(result, MANIFEST[name])
    assert result.stderr.startswith("Error: <stdin>: ")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert_clean_failure(
        invoke(["render", str(missing)]), f"{missing}: cannot read the file (No such file or directory)"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "weights.json"
    os.mkfifo(fifo)  # no writer: reading it would wait for ever
    message = f"Error: {fifo}: cannot read the file: not a regular file (a FIFO)\n"
    assert invoke(["render", str(fifo)]).stderr == message
    inputs = invoke(["render", str(CORPUS.parent.parent.parent / "samples" / "seed.json"), "--inputs", str(fifo)])
    assert inputs.stderr == message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_unread() -> None:
    assert (
        invoke(["trace", "/dev/zero"]).stderr
        == "Error: /dev/zero: cannot read the file: not a regular file (a device)\n"
    )


def test_a_file_larger_than_the_budget_is_refused_unread(tmp_path: Path) -> None:
    size = (CORPUS / "x-shape.json").stat().st_size
    result = invoke(["render", str(CORPUS / "x-shape.json"), "--max-numbers", "2"])
    assert_clean_failure(
        result,
        f"x-shape.json: the file is {size} bytes, more than the limit of 64 (32 bytes a number, for --max-numbers 2):"
        f" pass --max-numbers {-(-size // 32)} (max_numbers= in Python) to read it anyway",
    )


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ('{"x": [' + ",".join(["0"] * 5000) + "]}", 5002),  # short numbers: the text is 2 bytes a value
        ('{"x": [' + ",".join(["[]"] * 5000) + "]}", 10002),  # empty lists: 3 bytes a value
    ],
)
def test_a_file_of_tiny_values_is_refused_before_it_is_parsed(text: str, values: int, tmp_path: Path) -> None:
    # Within the byte budget (32 bytes a number), but each value would cost the parser 30 bytes or more.
    path = tmp_path / "tiny.json"
    path.write_text(text)
    result = invoke(["render", str(path), "--max-numbers", "1000"])
    assert_clean_failure(
        result,
        f"tiny.json: the file holds up to {values} values, more than the limit of 1000 numbers:"
        f" pass --max-numbers {values} (max_numbers= in Python) to read it anyway",
    )


def test_stdin_is_read_no_further_than_the_budget() -> None:
    endless = b"[" + b"0, " * 10_000  # as good as endless: it is never read to its end
    result = invoke(["render", "-", "--max-numbers", "10"], stdin=endless)
    assert_clean_failure(result, "<stdin>: more than 320 bytes, more than the limit of 320 (32 bytes a number")
    assert "pass a larger --max-numbers" in result.stderr


def test_an_unwritable_output_is_refused(tmp_path: Path) -> None:
    seed = Path(__file__).parent.parent / "samples" / "seed.json"
    result = invoke(["render", str(seed), "-o", str(tmp_path / "no" / "such" / "dir.tex")])
    assert_clean_failure(result, "dir.tex: cannot write (No such file or directory)")


def test_an_inputs_file_must_hold_an_object(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text("[[0.5, 0.1]]")
    result = invoke(["render", str(CORPUS / "x-shape.json"), "--inputs", str(inputs)])
    assert_clean_failure(result, f'{inputs}: expected a JSON object with "x" (and optionally "h0", "c0"), found a list')


def test_a_file_name_is_one_line_in_a_message(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.json"
    path.write_text("{}")
    result = invoke(["render", str(path)])
    assert_clean_failure(result, "two\\nlines.json: missing key 'state_dict'")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["render"], "Missing argument 'FILE'"),
        (["render", "x.json", "--precision", "many"], "Invalid value for '--precision': 'many'"),
        (["render", "x.json", "--max-steps", "-1"], "Invalid value for '--max-steps': -1 is not in the range x>=0"),
        (["trace", "x.json", "--unknown"], "No such option '--unknown'"),
        (["draw"], "No such command 'draw'"),
        (["trace", "."], "Invalid value for 'FILE': File '.' is a directory"),
    ],
)
def test_usage_errors_exit_2_in_a_few_lines(args: list[str], fragment: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") <= 5, result.stderr
    assert f"Error: {fragment}" in result.stderr


# Torch files: made here, with the installed torch.


class Payload:
    """Unpickled, it creates the marker file: what a malicious checkpoint would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.marker, "w"))


def torch_module() -> Any:
    """torch, imported when a torch test runs: the other tests run without it."""
    import torch

    return torch


def lstm_state() -> dict[str, Any]:
    import torch

    torch.manual_seed(0)
    return dict(torch.nn.LSTM(2, 4).state_dict())


def saved(obj: object, path: Path) -> bytes:
    import torch

    torch.save(obj, path)
    return path.read_bytes()


def with_weight(make: Callable[[Any], Any]) -> Callable[[Path], bytes]:
    """A file of the LSTM's state_dict whose weight_ih_l0 is ``make(torch)``."""

    def content(path: Path) -> bytes:
        import torch

        with warnings.catch_warnings():  # torch's notes on its prototype and deprecated kinds of tensor
            warnings.simplefilter("ignore")
            weight = make(torch)
        return saved({**lstm_state(), "weight_ih_l0": weight}, path)

    return content


def self_containing(path: Path) -> bytes:
    checkpoint: dict[str, Any] = {"epoch": 3}
    checkpoint["state_dict"] = checkpoint
    return saved(checkpoint, path)


def deflated(path: Path) -> bytes:
    """torch's zip with an entry compressed: 4 MB of zeros in a few kilobytes (a zip bomb, small)."""
    import zipfile

    saved(lstm_state(), path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/99", bytes(4_000_000))
    return path.read_bytes()


UNREADABLE = "not a readable torch file: truncated, damaged, or not written by torch.save ("
REFUSED = "refused: loading it would run code from the file ("
TORCH_CASES: list[tuple[str, Callable[[Path], bytes], str]] = [
    ("truncated.pt", lambda p: saved(lstm_state(), p)[:-300], UNREADABLE),
    ("empty.pt", lambda p: b"", UNREADABLE),
    ("text.pt", lambda p: b"weight_ih_l0 = [[0.5, 0.1]]\n", UNREADABLE),
    ("truncated-zip.json", lambda p: saved(lstm_state(), p)[:-300], UNREADABLE),  # torch's format, any name
    ("module.pt", lambda p: saved(torch_module().nn.LSTM(2, 4), p), REFUSED + "torch.nn.modules.rnn.LSTM)"),
    ("tensor.pt", lambda p: saved(torch_module().zeros(16, 2), p), "holds a Tensor, not a state_dict"),
    (
        "shape.pt",
        lambda p: saved({**lstm_state(), "weight_hh_l0": torch_module().zeros(16, 3)}, p),
        "state_dict.weight_hh_l0 has shape (16, 3), expected (16, 4)",
    ),
    (
        "string-tensor.pt",
        lambda p: saved({**lstm_state(), "bias_ih_l0": "zeros"}, p),
        "state_dict.bias_ih_l0 is a string ('zeros'), expected a number or a list",
    ),
    (
        "complex.pt",
        lambda p: saved({**lstm_state(), "bias_ih_l0": torch_module().zeros(16, dtype=torch_module().cfloat)}, p),
        "state_dict.bias_ih_l0 is a tensor of torch.complex64, expected real numbers",
    ),
    # What torch's safe loader accepts but is no recurrent layer's weights.
    (
        "meta.pt",
        with_weight(lambda torch: torch.empty(16, 2, device="meta")),
        "state_dict.weight_ih_l0 is a meta tensor (a shape without values), expected real numbers",
    ),
    (
        "sparse-csr.pt",
        with_weight(lambda torch: torch.eye(16, 2).to_sparse_csr()),
        "state_dict.weight_ih_l0 is a sparse tensor (torch.sparse_csr), expected real numbers",
    ),
    (
        "sparse-coo.pt",
        with_weight(lambda torch: torch.eye(16, 2).to_sparse()),
        "state_dict.weight_ih_l0 is a sparse tensor (torch.sparse_coo), expected real numbers",
    ),
    (
        "quantized.pt",
        with_weight(lambda torch: torch.quantize_per_tensor(torch.zeros(16, 2), 0.1, 0, torch.qint8)),
        "state_dict.weight_ih_l0 is a quantized tensor (torch.qint8), expected real numbers",
    ),
    (
        "nested.pt",
        with_weight(lambda torch: torch.nested.as_nested_tensor([torch.zeros(2), torch.zeros(3)])),
        "state_dict.weight_ih_l0 is a nested tensor, expected real numbers",
    ),
    (
        "zero-size.pt",
        lambda p: saved({k: torch_module().zeros(0, 2) for k in ("weight_ih_l0", "weight_hh_l0")}, p),
        "state_dict.weight_ih_l0 has 0 rows; a lstm needs 4·hidden_size rows\n",  # no hint: 0 rows fit any cell
    ),
    ("self-containing.pt", self_containing, "the checkpoint's 'state_dict' holds the checkpoint itself"),
    (
        "two-state-dicts.pt",
        lambda p: saved({"state_dict": lstm_state(), "model_state_dict": lstm_state()}, p),
        "the checkpoint holds two state_dicts, 'state_dict' and 'model_state_dict': choose one with"
        " --prefix state_dict or --prefix model_state_dict (then a module's prefix, if any:"
        " --prefix model_state_dict.encoder.lstm)",
    ),
    (
        "gru-projection.pt",
        lambda p: saved({**torch_module().nn.GRU(2, 4).state_dict(), "weight_hr_l0": torch_module().zeros(2, 4)}, p),
        "state_dict: unexpected key 'weight_hr_l0' (a projection, which only an LSTM has; this is a GRU)",
    ),
    # Small files that claim gigabytes: refused before anything is made.
    (
        "expanded.pt",  # 80000 x 20000 views of one stored number
        with_weight(lambda torch: torch.zeros(1).expand(80_000, 20_000)),
        "the state_dict holds 1600000096 numbers (state_dict.weight_ih_l0 (80000, 20000)), more than the limit of"
        " 20000000: pass --max-numbers 1600000096 (max_numbers= in Python) to read it anyway",
    ),
    (
        "memoised-rows.pt",  # one row, pickled once and referred to 30000 times
        with_weight(lambda torch: [[0.5] * 30_000] * 30_000),
        "the state_dict holds 900000096 numbers (state_dict.weight_ih_l0 (30000, 30000))",
    ),
    ("deflated.pt", deflated, UNREADABLE + "its entry 'archive/data/99' is compressed)"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "make", "fragment"), TORCH_CASES, ids=[case[0] for case in TORCH_CASES])
def test_a_bad_torch_file_is_refused_cleanly(
    name: str, make: Callable[[Path], bytes], fragment: str, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    work = tmp_path / "work"
    work.mkdir()
    path = work / name
    path.write_bytes(make(path))
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, fragment, tmp_path / "out", "--inputs", str(INPUTS))


@pytest.mark.torch
def test_a_torch_file_whose_pickle_would_run_code_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "marker"
    path = tmp_path / "crafted.pt"
    torch.save({"weight_ih_l0": Payload(marker), "weight_hh_l0": torch.zeros(16, 4)}, path)
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, REFUSED, tmp_path / "out", "--inputs", str(INPUTS))
    assert not marker.exists()  # test_torch_io.py shows that an unsafe load of such a file runs it


@pytest.mark.torch
def test_a_torch_file_without_inputs_says_how_to_give_them(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "weights.pt"
    torch.save(lstm_state(), path)
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, "a state_dict holds no inputs: give them with --inputs FILE (", tmp_path / "out")


def test_a_null_c0_is_no_c0_for_a_gru() -> None:
    document = json.loads((CORPUS / "c0-for-gru.json").read_text())
    result = invoke(["trace", "-", "--no-check"], stdin=json.dumps({**document, "c0": None}).encode())
    assert result.exit_code == 0, result.stderr


# Files of other kinds: named by their content, whatever they are called. Made here (binary).


def npy(array: Any) -> bytes:
    import io

    import numpy as np

    stream = io.BytesIO()
    np.save(stream, array, allow_pickle=True)
    return stream.getvalue()


def zipped(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return stream.getvalue()


def safetensors(header: dict[str, Any], data: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


READS = (
    "which is not read here (lstm-latex reads JSON, torch's .pt/.pth and .safetensors state_dicts,"
    " Keras and ONNX models)"
)
KIND_CASES: list[tuple[str, Callable[[], bytes], str]] = [
    # HDF5 (Keras's) and ONNX files are read: a damaged one, or one without a recurrent layer, is said so
    ("weights.h5", lambda: b"\x89HDF\r\n\x1a\n" + bytes(200), "not a readable HDF5 file (truncated or damaged)"),
    ("model.onnx", lambda: b"\x08\x07\x12\x07pytorch\x1a\x032.0", "no recurrent node (LSTM, GRU or simple RNN) in"),
    ("weights.json.gz", lambda: gzip.compress(b"{}"), "a gzip-compressed file, which is read once it is decompressed"),
    ("notes.zip", lambda: zipped({"notes.txt": b"hello"}), f"a zip archive without torch's layout, {READS}"),
    ("model.keras", lambda: zipped({"config.json": b"{}", "model.weights.h5": b""}), "not a readable HDF5 file"),
    ("x.npy", lambda: npy([[0.5, 0.1]]), "a NumPy .npy file, which holds arrays without torch's parameter names"),
    ("inputs.npz", lambda: zipped({"x.npy": npy([[0.5]])}), "a NumPy .npz archive, which holds arrays without"),
    (
        "huge.safetensors",
        lambda: safetensors(
            {"weight_ih_l0": {"dtype": "F32", "shape": [100000, 100000], "data_offsets": [0, 4]}}, bytes(4)
        ),
        "the state_dict holds 10000000000 numbers (state_dict.weight_ih_l0 (100000, 100000)), more than the limit",
    ),
    (
        "shapeless.safetensors",
        lambda: safetensors({"weight_ih_l0": {"dtype": "F32", "shape": "big", "data_offsets": [0, 4]}}, bytes(4)),
        "not a readable safetensors file: the header's entry 'weight_ih_l0' has no valid shape",
    ),
    (
        "broken.safetensors",
        lambda: (9).to_bytes(8, "little") + b"{not json" + bytes(4),
        "not a readable safetensors file: its header is not JSON",
    ),
    (
        "short.safetensors",
        lambda: safetensors({"weight_ih_l0": {"dtype": "F32", "shape": [16, 2], "data_offsets": [0, 128]}}, bytes(4)),
        "not a readable safetensors file: ",
    ),
]


@pytest.mark.parametrize(("name", "make", "fragment"), KIND_CASES, ids=[case[0] for case in KIND_CASES])
def test_a_file_of_another_kind_is_named_by_its_content(
    name: str, make: Callable[[], bytes], fragment: str, tmp_path: Path
) -> None:
    # Refused by their kind's reader, an optional extra; the others on their header, before any library reads them.
    extra = {"short.safetensors": "safetensors", "weights.h5": "h5py", "model.keras": "h5py", "model.onnx": "onnx"}
    if name in extra:
        pytest.importorskip(extra[name], reason=f"{extra[name]} is an optional extra")
    work = tmp_path / "work"
    work.mkdir()
    path = work / name
    path.write_bytes(make())
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(path, fragment, tmp_path / "out", "--inputs", str(INPUTS))
    renamed = work / "weights.json"  # the content says what it is, not the name
    renamed.write_bytes(path.read_bytes())
    assert_clean_failure(invoke(["trace", str(renamed), "--inputs", str(INPUTS)]), fragment)


INPUTS_CASES: list[tuple[str, Callable[[], bytes], list[str], str]] = [
    ("objects.npy", lambda: npy(np_objects()), [], "x has dtype object, expected numbers"),
    ("four.npz", lambda: zipped({"x.npy": npy([[0.5, 0.1]]), "y.npy": npy([1.0])}), [], "unknown key 'y'"),
    (
        "long.npy",
        lambda: npy([[0.5, 0.1]] * 100),
        ["--max-numbers", "150"],
        "the file holds 200 numbers (x (100, 2)), more than the limit of 150",
    ),
    (
        "long.npz",
        lambda: zipped({"x.npy": npy([[0.5, 0.1]] * 100)}),
        ["--max-numbers", "150"],
        "the file holds 200 numbers (x (100, 2)), more than the limit of 150",
    ),
    ("damaged.npz", lambda: damaged_npz(), [], "not a readable NumPy file: truncated or damaged (Bad CRC-32 for file"),
    ("truncated.npy", lambda: npy([[0.5, 0.1]] * 100)[:-40], [], "not a readable NumPy file: truncated or damaged"),
    ("batch.npy", lambda: npy([[[0.5, 0.1]]] * 3), ["--batch-index", "3"], "--batch-index 3, but x holds a batch of 3"),
    ("step.npy", lambda: npy([[0.5, 0.1]]), ["--batch-index", "0"], "--batch-index 0 given, but x is one sequence"),
    ("weights.h5", lambda: b"\x89HDF\r\n\x1a\n" + bytes(200), [], "an HDF5 file: inputs are read from JSON, .npy,"),
]


def damaged_npz() -> bytes:
    """A .npz archive one of whose array's bytes is changed: its entry's checksum fails."""
    data = bytearray(zipped({"x.npy": npy([[0.5, 0.1]] * 20)}))
    data[data.index(b"\x93NUMPY") + 200] ^= 0xFF
    return bytes(data)


def np_objects() -> Any:
    import numpy as np

    return np.array([[0.5, "a"]], dtype=object)


@pytest.mark.parametrize(("name", "make", "options", "fragment"), INPUTS_CASES, ids=[case[0] for case in INPUTS_CASES])
def test_bad_inputs_files_are_refused_naming_the_inputs_file(
    name: str, make: Callable[[], bytes], options: list[str], fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    seed = CORPUS.parent.parent.parent / "samples" / "seed.json"
    result = invoke(["trace", str(seed), "--inputs", str(path), *options])
    assert_clean_failure(result, fragment)
    assert result.stderr.startswith(f"Error: {path}: "), result.stderr


@pytest.mark.torch
def test_a_torchscript_archive_is_refused_naming_what_to_do(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "work" / "scripted.pt"
    path.parent.mkdir()
    with warnings.catch_warnings():  # torch.jit's deprecation notes
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(torch.nn.LSTM(2, 4)), str(path))
    (tmp_path / "out").mkdir()
    assert_refused_everywhere(
        path, "a TorchScript archive, which is not read: it holds code", tmp_path / "out", "--inputs", str(INPUTS)
    )


@pytest.mark.torch
def test_a_torch_inputs_file_must_hold_tensors(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "inputs.pt"
    torch.save([torch.zeros(1, 2)], path)
    seed = CORPUS.parent.parent.parent / "samples" / "seed.json"
    assert_clean_failure(
        invoke(["trace", str(seed), "--inputs", str(path)]),
        f"{path}: holds a list, expected a tensor (x) or a dict of them (x, h0, c0, target)",
    )
