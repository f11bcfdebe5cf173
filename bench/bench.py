"""The performance figures of BENCHMARKS.md, measured in one run: `make bench`.

Every figure is a ratio of medians, both sides measured alternately in the same run, so that a
busy or slow machine moves both alike. Run with `--quick` for a smoke run with fewer repeats.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = ROOT / "samples" / "seed.json"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def alternate(a: Callable[[], object], b: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of a and of b, run a, b, a, b, ... after one warm-up of each."""
    a(), b()
    times_a, times_b = [], []
    for _ in range(repeats):
        for run, times in ((a, times_a), (b, times_b)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return statistics.median(times_a), statistics.median(times_b)


def command(*args: str | Path) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)

    return run


def startup(check: str, imports: str, target: float, repeats: int) -> dict[str, object]:
    """`lstm-latex render` of the seed against a bare Python importing ``imports``."""
    ours, base = alternate(
        command(BIN / "lstm-latex", "render", SEED, check, "-o", os.devnull),
        command(sys.executable, "-c", f"import {imports}"),
        repeats,
    )
    return figure(f"start-up: render {check} vs import {imports}", ours, base, target)


def in_subprocess(name: str, *args: str) -> dict[str, object]:
    """Run one measurement in a fresh one-thread process (thread counts are fixed at import)."""
    out = subprocess.run(
        [sys.executable, __file__, "--inner", name, *args],
        env={**os.environ, **ONE_THREAD},
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def figure(name: str, ours: float, base: float, target: float | None) -> dict[str, object]:
    """A ratio of medians against its target; a figure with no target is shown for the record."""
    ratio = ours / base
    met = None if target is None else ratio <= target
    return {"name": name, "ours_s": ours, "base_s": base, "ratio": ratio, "target": target, "met": met}


def inner_compute(repeats: int) -> dict[str, object]:
    import numpy as np
    import torch

    import lstm_latex

    torch.set_num_threads(1)
    torch.manual_seed(0)
    module = torch.nn.LSTM(256, 512).double()
    x = torch.randn(1000, 256, dtype=torch.float64)
    example = lstm_latex.load({"state_dict": {k: v.numpy() for k, v in module.state_dict().items()}, "x": x.numpy()})

    def torch_forward() -> object:
        with torch.no_grad():
            return module(x)

    ours, base = alternate(lambda: lstm_latex.forward(example), torch_forward, repeats)
    result = np.abs(lstm_latex.forward(example).output - torch_forward()[0].numpy()).max()
    assert result < 1e-10, result
    return figure("compute: forward, LSTM(256, 512), T = 1000, float64, 1 thread vs torch", ours, base, 1.0)


def inner_products(repeats: int) -> dict[str, object]:
    """The step's W_hh h alone, 1000 times, for LSTM(256, 512): one product, against HiddenAffine's
    blocks in alternating order. For the record: it explains most of the compute figure."""
    import numpy as np

    from lstm_latex.cells.common import HiddenAffine
    from lstm_latex.model import DirectionParams

    rng = np.random.default_rng(0)
    weight = rng.uniform(-0.05, 0.05, (2048, 512))
    blocked = HiddenAffine(DirectionParams(0, False, np.zeros((2048, 1)), weight, None, None, None))
    h, out = rng.uniform(-1, 1, 512), np.empty(2048)

    def steps(product: Callable[[], object]) -> Callable[[], object]:
        return lambda: [product() for _ in range(1000)]

    blocked_s, plain_s = alternate(
        steps(lambda: blocked(h, out)), steps(lambda: np.matmul(weight, h, out=out)), repeats
    )
    return figure("W_hh h x 1000, LSTM(256, 512): alternating blocks vs one product", blocked_s, plain_s, None)


def _document(steps: int, hidden: int, input_size: int = 64) -> dict[str, object]:
    """A one-layer LSTM and its inputs in the JSON format, as lists."""
    import numpy as np

    rng = np.random.default_rng(0)
    state = {
        "weight_ih_l0": rng.uniform(-0.1, 0.1, (4 * hidden, input_size)).tolist(),
        "weight_hh_l0": rng.uniform(-0.1, 0.1, (4 * hidden, hidden)).tolist(),
        "bias_ih_l0": rng.uniform(-0.1, 0.1, 4 * hidden).tolist(),
        "bias_hh_l0": rng.uniform(-0.1, 0.1, 4 * hidden).tolist(),
    }
    return {"state_dict": state, "x": rng.normal(size=(steps, input_size)).tolist()}


def rendering(repeats: int, workdir: Path) -> dict[str, object]:
    """`lstm-latex render` of an elided T x H = 256 document against `lstm-latex trace` of the same
    input, both whole commands; and how time and output size grow with T."""
    rows = []
    for steps in (50, 100, 200):
        source = workdir / f"T{steps}.json"
        source.write_text(json.dumps(_document(steps, 256)))
        render_s, trace_s = alternate(
            command(BIN / "lstm-latex", "render", source, "--no-check", "--max-steps", "0", "-o", os.devnull),
            command(BIN / "lstm-latex", "trace", source, "--no-check", "-o", os.devnull),
            repeats,
        )
        out = subprocess.run(
            [BIN / "lstm-latex", "render", source, "--no-check", "--max-steps", "0"], capture_output=True, check=True
        )
        rows.append({"T": steps, "render_s": render_s, "trace_s": trace_s, "bytes": len(out.stdout)})
    last = rows[-1]
    result = figure("rendering: render vs trace, T = 200, H = 256 (commands)", last["render_s"], last["trace_s"], 2.0)
    result["rows"] = rows
    return result


def inner_render_in_process(repeats: int) -> dict[str, object]:
    """The same document's render() against forward() inside one process: for the record."""
    import lstm_latex

    example = lstm_latex.load(_document(200, 256))
    trace = lstm_latex.forward(example)
    render_s, trace_s = alternate(
        lambda: lstm_latex.render(trace, max_steps=0), lambda: lstm_latex.forward(example), repeats
    )
    return figure("rendering in process: render() vs forward(), T = 200, H = 256", render_s, trace_s, None)


def inner_memory() -> dict[str, object]:
    import dataclasses

    import numpy as np

    import lstm_latex

    example = lstm_latex.load(_document(10_000, 64))
    trace = lstm_latex.forward(example)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    buffers: dict[int, int] = {}  # each buffer once: many trace arrays are views of one array

    def visit(value: object) -> None:
        if isinstance(value, np.ndarray):
            owner = value if value.base is None else value.base
            buffers[id(owner)] = owner.nbytes  # type: ignore[union-attr]
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                visit(getattr(value, field.name))
        elif isinstance(value, Sequence) and not isinstance(value, str):  # tuples, and the step records
            for item in value:
                visit(item)

    visit(trace)
    result = figure("memory: peak RSS tracing T = 10,000, H = 64 vs the trace arrays", peak, sum(buffers.values()), 2.0)
    return result


INNER = {"compute": inner_compute, "products": inner_products, "render": inner_render_in_process}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run, not figures")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("repeats", nargs="?", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner == "memory":
        print(json.dumps(inner_memory()))
        return 0
    if args.inner:
        print(json.dumps(INNER[args.inner](args.repeats)))
        return 0
    repeats = 3 if args.quick else 15
    # As pip does for an installed package: the development install would otherwise compile every
    # module at every start where PYTHONDONTWRITEBYTECODE is set, while numpy, click, jinja2 do not.
    compileall.compile_dir(ROOT / "lstm_latex", quiet=1)
    with tempfile.TemporaryDirectory() as workdir:
        figures = [
            startup("--no-check", "numpy, click, jinja2", 1.3, repeats),
            startup("--check", "torch, numpy, click, jinja2", 1.15, repeats),
            in_subprocess("compute", str(3 if args.quick else 11)),
            in_subprocess("products", str(3 if args.quick else 11)),
            rendering(3 if args.quick else 5, Path(workdir)),
            in_subprocess("render", str(3 if args.quick else 7)),
            in_subprocess("memory"),
        ]
    for f in figures:
        goal = "no target" if f["met"] is None else f"target <= {f['target']}x, {'met' if f['met'] else 'NOT MET'}"
        print(f"{f['name']}: {f['ratio']:.2f}x ({goal})")
        print(f"    ours {f['ours_s']:.4g}, baseline {f['base_s']:.4g}")
        for row in f.get("rows", []):  # type: ignore[attr-defined]
            render_s, trace_s = row["render_s"], row["trace_s"]
            print(f"    T = {row['T']}: render {render_s:.4f} s, trace {trace_s:.4f} s, {row['bytes']} bytes")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if all(f["met"] is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
