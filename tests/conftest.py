from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
from functools import cached_property
from pathlib import Path

import pytest

# torch (and NumPy's BLAS) in one thread: the run has a worker a core (-n 2), and a second thread
# of each would wait for the other's core, spinning.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed.json"

pytest_plugins = ["browser"]  # the browser fixture: Debian's Chromium, started once per worker


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the templates")


LONG = ("latex", "browser", "docs")  # what compiles, opens a browser or builds the site: the long tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that compiles with the ``latex`` fixture needs pdflatex: it is marked so, whoever wrote it.

    Then the order for ``-n 2 --dist worksteal``, which gives each worker half of the list and lets
    one that runs out take the last half of what the other has left: each half begins with long
    tests, each module's together (a module's fixtures, such as the site or a page in the browser,
    made once), and ends with short ones, so the two workers end together on short tests."""
    for item in items:
        if "latex" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.latex)

    def is_long(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(name) for name in LONG)

    long = [item for item in items if is_long(item)]
    short = [item for item in items if not is_long(item)]
    modules: dict[str, list[pytest.Item]] = {}
    for item in long:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    halves: tuple[list[pytest.Item], list[pytest.Item]] = ([], [])
    for tests in sorted(modules.values(), key=len, reverse=True):  # the module to the half with fewer
        min(halves, key=len).extend(tests)
    first = len(items) // 2 - len(halves[0])
    items[:] = [*halves[0], *short[:first], *halves[1], *short[first:]]


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the collection imported (NumPy, torch, the tests' modules) lives as long as the run:
    frozen, the garbage collector no longer walks it at each collection of the tests' own objects."""
    gc.freeze()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


class LatexRun:
    """A finished pdflatex run: its log, and the PDF's text as pdftotext reads it."""

    def __init__(self, pdf: Path, log: str) -> None:
        self.pdf = pdf
        self.log = log

    @cached_property
    def text(self) -> str:
        out = subprocess.run(["pdftotext", str(self.pdf), "-"], capture_output=True, text=True, check=True)
        return out.stdout.replace("\u2212", "-")  # the PDF's minus sign is U+2212

    @property
    def overfull(self) -> list[str]:
        return re.findall(r"^Overfull \\[hv]box.*$", self.log, flags=re.MULTILINE)


def compile_latex(source: str, directory: Path, name: str = "doc") -> LatexRun:
    """Compile with pdflatex as a user would; fail the test on any LaTeX error, with the log's ! lines."""
    if shutil.which("pdflatex") is None:
        pytest.fail("pdflatex is not installed: run `make tex` (Debian's texlive packages)")
    tex = directory / f"{name}.tex"
    tex.write_text(source, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (directory / f"{name}.log").read_text(encoding="latin-1")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, f"pdflatex failed: {errors}\n{log[-3000:]}"
    assert run.returncode == 0, log[-3000:]
    return LatexRun(directory / f"{name}.pdf", log)


def as_handout(slides: str) -> str:
    """Beamer slides with the class option ``handout``: a page a frame, every overlay shown at once.
    A frame is laid out the same on each of its overlays (a pause hides what follows, it moves
    nothing), so a handout proves that frames fit in a fraction of the pages."""
    head, brace, rest = slides.partition("]{beamer}")
    assert brace, "not beamer slides"
    return f"{head},handout{brace}{rest}"


@pytest.fixture
def latex(tmp_path: Path):  # type: ignore[no-untyped-def]
    def run(source: str, name: str = "doc") -> LatexRun:
        return compile_latex(source, tmp_path, name)

    return run


def joined(documents: list[str]) -> str:
    """Several documents as one: the first one's preamble (with every cell's colour macros), each one's body."""
    head, _, _ = documents[0].partition(r"\begin{document}")
    colours = {
        line
        for text in documents
        for line in text.splitlines()
        if line.startswith((r"\providecolor", r"\providecommand*"))
    }
    bodies = [text.partition(r"\begin{document}")[2].replace(r"\end{document}", "") for text in documents]
    return (
        head
        + "\n".join(sorted(colours - set(head.splitlines())))
        + "\n\\begin{document}\n"
        + "\n\\clearpage\n".join(bodies)
        + "\\end{document}\n"
    )
