"""Every $$ block of the Markdown output renders in the real KaTeX (from npm, see `make katex`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from networks import random_lstm, with_target

import lstm_latex
from lstm_latex.generate import NetworkSpec
from lstm_latex.worksheet import drawn_variants, make_worksheet

KATEX = ROOT / "node_modules" / "katex"

# KaTeX runs in node, from npm: without them, these tests are skipped and say why (as torch's are).
pytestmark = pytest.mark.katex


def math_blocks(markdown: str) -> list[str]:
    """The bodies of the $$ … $$ displays, each opened and closed on a line of its own."""
    return re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, flags=re.MULTILINE | re.DOTALL)


def katex_failures(blocks: list[str]) -> list[dict[str, object]]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: KaTeX runs in node (install node and npm, then `make katex`)")
    if not KATEX.is_dir():
        pytest.skip("KaTeX is not installed: run `make katex` (needs node and npm)")
    run = subprocess.run(
        ["node", str(Path(__file__).parent / "katex_check.js")],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_katex_rejects_what_it_cannot_render() -> None:
    failures = katex_failures([r"\begin{aligned} x &= 1 \end{aligned}", r"\definecolor{a}{HTML}{000000}"])
    assert [f["index"] for f in failures] == [1]


# The samples given a target, for every cell's backward partial (the LSTM's with a projection and
# both directions); lstm_backward.json has its own.
WITH_TARGET = ("gru.json", "rnn_tanh.json", "stacked_bidirectional_lstm.json")


def test_every_markdown_math_block_renders_in_katex() -> None:
    sources = [with_target(p.name) if p.name in WITH_TARGET else p for p in sorted(SAMPLES.glob("*.json"))]
    traces = [lstm_latex.forward(lstm_latex.load(source)) for source in sources]
    # Rows and columns elided, at the smallest size that elides them (layers and directions: the samples).
    traces.append(lstm_latex.forward(lstm_latex.load(random_lstm(9, 9, steps=1))))
    blocks, owners = [], []
    for k, trace in enumerate(traces):
        # Without colour too, once: the same math with no \textcolor.
        for style in (lstm_latex.Style(), lstm_latex.Style(color=False))[: 2 if k == 0 else 1]:
            text = lstm_latex.render(trace, "markdown", style=style)
            assert text.count("$$") == 2 * len(math_blocks(text))  # no display left unmatched
            found = math_blocks(text)
            if trace.example.inputs.loss is not None:
                assert any(r"\partial L" in block for block in found), trace.example.source
            blocks += found
            owners += [trace.example.source] * len(found)
    # Worksheets, in the same run: the boxes of every cell's exercise, and a key.
    for text in worksheet_texts():
        found = math_blocks(text)
        if r"\boxed{" in text:  # a sheet: its blocks of boxes (the others are the document's)
            found = [block for block in found if r"\boxed{" in block]
        blocks += found
        owners += ["a worksheet"] * len(found)
    # Weights of about 1e-16 and inputs of about 1e11: matrices and a state table with a power of
    # ten in front (in one style: colour does not change the notation).
    tiny_and_huge = random_lstm(2, 2, steps=1)
    tiny_and_huge["state_dict"] = {name: 1e-16 * value for name, value in tiny_and_huge["state_dict"].items()}
    tiny_and_huge["x"] *= 1e11
    found = math_blocks(lstm_latex.render(lstm_latex.forward(lstm_latex.load(tiny_and_huge)), "markdown"))
    blocks, owners = blocks + found, owners + ["weights of 1e-16, inputs of 1e11"] * len(found)
    assert len(blocks) > 20
    assert any(r"\vdots & \vdots & \vdots & \ddots" in block for block in blocks)
    for scaled in (r"10^{-17} \left[\begin{array}", r"10^{10} \left[\begin{array}", r"10^{6} {h_{t}}^{\top}"):
        assert any(scaled in block for block in blocks), scaled
    assert sum(r"\boxed{" in block for block in blocks) > 20
    failures = katex_failures(blocks)
    assert failures == [], [(owners[int(f["index"])], f["message"]) for f in failures]  # type: ignore[call-overload]


def worksheet_texts() -> list[str]:
    """Markdown worksheets: the sheets of an LSTM, a GRU and an RNN with its backward pass, and a key."""
    made = [
        make_worksheet(drawn_variants(NetworkSpec(cell=cell, target=target), 5, None, None), output_format="markdown")
        for cell, target in (("lstm", False), ("gru", False), ("rnn_relu", True), ("rnn_tanh", False))
    ]
    return [*(worksheet.sheet for worksheet in made[:3]), made[3].key]
