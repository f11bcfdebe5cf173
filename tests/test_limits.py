"""A document too large to be read is refused at once, naming the option that allows it; the
golden vectors have no such limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.pipeline import MAX_STEPS


def lstm_document(seq_len: int, layers: int = 1, directions: int = 1, seed: int = 0) -> dict[str, Any]:
    """An LSTM(2, 3) with random weights and a random input of ``seq_len`` steps."""
    rng = np.random.default_rng(seed)
    state = {}
    for layer in range(layers):
        for suffix in [f"_l{layer}", f"_l{layer}_reverse"][:directions]:
            state["weight_ih" + suffix] = rng.normal(size=(12, 2 if layer == 0 else 3 * directions)).tolist()
            state["weight_hh" + suffix] = rng.normal(size=(12, 3)).tolist()
            state["bias_ih" + suffix] = rng.normal(size=12).tolist()
            state["bias_hh" + suffix] = rng.normal(size=12).tolist()
    return {"state_dict": state, "x": rng.normal(size=(seq_len, 2)).tolist()}


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(document))
    return path


def cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("seq_len", "layers", "directions", "blocks"),
    [(MAX_STEPS + 1, 1, 1, MAX_STEPS + 1), (26, 2, 2, 104), (51, 1, 2, 102)],
)
def test_too_many_step_blocks_are_refused_naming_the_option(
    tmp_path: Path, seq_len: int, layers: int, directions: int, blocks: int
) -> None:
    path = write(tmp_path, lstm_document(seq_len, layers, directions))
    result = cli("render", str(path), "-o", str(tmp_path / "out.tex"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the document would have {blocks} step blocks (T = {seq_len} x {layers} layer(s)"
        f" x {directions} direction(s)), more than the limit of {MAX_STEPS}:"
        f" pass --max-steps {blocks} (max_steps= in Python) to render it anyway\n"
    )
    assert not (tmp_path / "out.tex").exists()
    allowed = cli("render", str(path), "--max-steps", str(blocks), "--template", "snippet", "--no-check")
    assert allowed.exit_code == 0, allowed.output
    assert allowed.stdout.count("{Step ") == blocks


def test_the_limit_itself_is_allowed_and_zero_lifts_it(tmp_path: Path) -> None:
    at_limit = write(tmp_path, lstm_document(MAX_STEPS))
    assert cli("render", str(at_limit), "--no-check").exit_code == 0
    over = write(tmp_path, lstm_document(MAX_STEPS + 1))
    assert cli("render", str(over), "--max-steps", "0", "--no-check").exit_code == 0


def test_a_huge_input_is_refused_before_the_forward_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lstm_latex import pipeline

    def no_forward_pass(*args: object) -> None:
        raise AssertionError("the forward pass ran")

    monkeypatch.setattr(pipeline, "forward", no_forward_pass)
    result = cli("render", str(write(tmp_path, lstm_document(20_000))))
    assert result.exit_code == 1
    assert "--max-steps 20000" in result.stderr


def test_the_python_api_has_the_same_limit() -> None:
    trace = lstm_latex.forward(lstm_latex.load(lstm_document(MAX_STEPS + 1)))
    with pytest.raises(lstm_latex.RenderError, match=r"more than the limit of 100: pass --max-steps 101"):
        lstm_latex.render(trace)
    assert lstm_latex.render(trace, max_steps=MAX_STEPS + 1).endswith("\\end{document}\n")


@pytest.mark.torch
def test_trace_has_no_limit_and_stays_exact_for_ten_times_the_limit(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    steps = 10 * MAX_STEPS
    document = lstm_document(steps)
    result = cli("trace", str(write(tmp_path, document)), "--no-check")  # compared with torch here
    assert result.exit_code == 0, result.output
    trace = json.loads(result.stdout)
    assert trace["seq_len"] == steps
    assert len(trace["layers"][0]["steps"]) == steps
    module = torch.nn.LSTM(2, 3).double()
    module.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in document["state_dict"].items()})
    with torch.no_grad():
        output, (h_n, c_n) = module(torch.tensor(document["x"], dtype=torch.float64))
    np.testing.assert_allclose(trace["output"], output.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(trace["h_n"], h_n.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(trace["c_n"], c_n.numpy(), rtol=0, atol=1e-10)
