"""The performance figures of BENCHMARKS.md, measured in one run: `make bench`.

Each figure is a ratio of medians, both sides measured alternately in the same run, so that a
busy or slow machine moves both alike. `--quick` is a smoke run with fewer repeats.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = ROOT / "samples" / "seed.json"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def alternate(a: Callable[[], object], b: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of a and of b, run a, b, a, b, ... after one warm-up of each."""
    a(), b()
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(repeats):
        for run, times in ((a, times_a), (b, times_b)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return statistics.median(times_a), statistics.median(times_b)


def figure(name: str, ours: float, base: float, target: float) -> dict[str, object]:
    ratio = ours / base
    return {"name": name, "ours_s": ours, "base_s": base, "ratio": ratio, "target": target, "met": ratio <= target}


def startup(repeats: int) -> dict[str, object]:
    """`lstm-latex render` of the seed without the check, against a bare Python importing what it
    needs; with an empty HOME and no XDG_CACHE_HOME, which must stay empty."""
    with tempfile.TemporaryDirectory() as home:
        env = {key: value for key, value in os.environ.items() if key != "XDG_CACHE_HOME"} | {"HOME": home}

        def command(*args: str | Path) -> Callable[[], object]:
            return lambda: subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL, env=env)

        ours, base = alternate(
            command(BIN / "lstm-latex", "render", SEED, "--no-check", "-o", os.devnull),
            command(sys.executable, "-c", "import numpy, click, jinja2"),
            repeats,
        )
        written = sorted(str(path.relative_to(home)) for path in Path(home).rglob("*"))
        assert not written, f"a plain render wrote to the home directory: {written}"
    return figure("start-up: render --no-check vs python -c 'import numpy, click, jinja2'", ours, base, 1.6)


def inner(name: str, repeats: int) -> dict[str, object]:
    """lstm_latex against torch on the same LSTM(256, 512), T = 1000 inputs and target: ``forward``
    against torch.nn.LSTM under no_grad, or ``backward`` (the forward pass and the backward pass)
    against torch.nn.LSTM's forward and autograd's backward, of ½ Σ (output − target)²."""
    import numpy as np
    import torch

    import lstm_latex
    from lstm_latex.backprop import backward

    torch.set_num_threads(1)
    torch.manual_seed(0)
    module = torch.nn.LSTM(256, 512).double()
    x = torch.randn(1000, 256, dtype=torch.float64)
    target = torch.randn(1000, 512, dtype=torch.float64)
    document = {"state_dict": {k: v.detach().numpy() for k, v in module.state_dict().items()}, "x": x.numpy()}
    example = lstm_latex.load(document | {"target": target.numpy()})

    def torch_forward() -> torch.Tensor:
        with torch.no_grad():
            output: torch.Tensor = module(x)[0]
            return output

    def torch_backward() -> torch.Tensor:
        module.zero_grad()
        torch.autograd.backward(0.5 * ((module(x)[0] - target) ** 2).sum())
        gradient = dict(module.named_parameters())["weight_hh_l0"].grad
        assert gradient is not None
        return gradient

    if name == "forward":
        ours, base = alternate(lambda: lstm_latex.forward(example), torch_forward, repeats)
        difference = np.abs(lstm_latex.forward(example).output - torch_forward().numpy()).max()
        title = "forward: LSTM(256, 512), T = 1000, float64, 1 thread vs torch.nn.LSTM"
        target_ratio = 2.0
    else:
        ours, base = alternate(lambda: backward(lstm_latex.forward(example)), torch_backward, repeats)
        ours_gradient = backward(lstm_latex.forward(example)).directions[0].weight_hh
        difference = np.abs(ours_gradient - torch_backward().numpy()).max() / np.abs(ours_gradient).max()
        title = "forward + backward: LSTM(256, 512), T = 1000, float64, 1 thread vs torch autograd"
        target_ratio = 1.5
    assert difference < 1e-10, difference
    return figure(title, ours, base, target_ratio)


def measured(name: str, repeats: int) -> dict[str, object]:
    """``inner`` in a fresh process with one thread (thread counts are fixed at import)."""
    out = subprocess.run(
        [sys.executable, __file__, "--inner", name, str(repeats)],
        env={**os.environ, **ONE_THREAD},
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run, not figures")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--inner", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.inner[0], int(args.inner[1]))))
        return 0
    # As pip does for an installed package: a development install where PYTHONDONTWRITEBYTECODE is
    # set would otherwise compile every module at every start, while numpy, click, jinja2 do not.
    compileall.compile_dir(ROOT / "lstm_latex", quiet=1)
    repeats = 3 if args.quick else 7
    figures = [startup(3 if args.quick else 15), measured("forward", repeats), measured("backward", repeats)]
    for f in figures:
        print(f"{f['name']}: {f['ratio']:.2f}x (target <= {f['target']}x, {'met' if f['met'] else 'NOT MET'})")
        print(f"    ours {f['ours_s']:.4g} s, baseline {f['base_s']:.4g} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if all(f["met"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
