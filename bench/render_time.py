"""How long a render of a sample takes in a running process, per entry template, the best of
15 after a warm-up: `python bench/render_time.py samples/seed.json` (run it in two checkouts to
compare them; the figures are in BENCHMARKS.md)."""

from __future__ import annotations

import sys
import time

import lstm_latex

REPEATS = 15


def main(sample: str) -> None:
    trace = lstm_latex.forward(lstm_latex.load(sample))
    for template in ("document", "markdown", "beamer"):
        lstm_latex.render(trace, template)  # the templates compiled and imported once
        best = min(_timed(trace, template) for _ in range(REPEATS))
        print(f"{template}: {best * 1000:.2f} ms")


def _timed(trace: lstm_latex.Trace, template: str) -> float:  # type: ignore[type-arg]
    start = time.perf_counter()
    lstm_latex.render(trace, template)
    return time.perf_counter() - start


if __name__ == "__main__":
    main(sys.argv[1])
