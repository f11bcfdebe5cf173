"""A template of the user's (--template-dir) runs in Jinja's sandbox, with the built-in templates it
extends: it reaches no Python beyond the data it is given, writes no file, and cannot fill the
memory; the built-in templates render there exactly as they do on their own."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, SEED

from lstm_latex.cli import main
from lstm_latex.environment import MAX_OUTPUT

CLI = Path(sys.executable).parent / "lstm-latex"
ENTRIES = {
    "document": ".tex.j2",
    "snippet": ".tex.j2",
    "beamer": ".tex.j2",
    "frames": ".tex.j2",
    "markdown": ".md.j2",
    "markdown-snippet": ".md.j2",
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def mine(folder: Path, body: str) -> Path:
    """A user's template: the document, with ``body`` as its title block."""
    template = folder / "mine.tex.j2"
    template.write_text(
        f'((* extends "default:document.tex.j2" *))((* block title *))\n{body}\n((* endblock title *))\n',
        encoding="utf-8",
    )
    return template


@pytest.mark.parametrize(
    ("sample", "options"),
    [
        ("seed.json", []),
        ("lstm_backward.json", ["--hand"]),
        ("gru.json", ["--no-color", "--steps", "1"]),
        ("stacked_bidirectional_lstm.json", ["--width", "a5", "--gates", "i,o"]),
        ("rnn_relu.json", ["--part", "steps,results"]),
    ],
)
def test_every_built_in_template_renders_the_same_in_the_sandbox(
    tmp_path: Path, sample: str, options: list[str]
) -> None:
    for entry, suffix in ENTRIES.items():
        (tmp_path / f"mine-{entry}{suffix}").write_text(f'((* extends "default:{entry}{suffix}" *))', encoding="utf-8")
    for entry in ENTRIES:
        args = ["render", str(SAMPLES / sample), "--no-check", *options]
        alone = run(*args, "--template", entry)
        sandboxed = run(*args, "--template-dir", str(tmp_path), "--template", f"mine-{entry}")
        assert alone.exit_code == sandboxed.exit_code == 0, (entry, alone.output, sandboxed.output)
        assert sandboxed.stdout == alone.stdout, entry


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Python's objects behind the data: a function's globals (open, os), a class's subclasses
        (
            "((( layout_for.__globals__['__builtins__'] )))",
            "access to attribute '__globals__' of 'function' object is unsafe.",
        ),
        ("((( ''.__class__.__mro__ )))", "access to attribute '__class__' of 'str' object is unsafe."),
        ("((( layout_for.__call__ )))", "access to attribute '__call__' of 'function' object is unsafe."),
        ("((( '{0.__class__}'.format(1) )))", "access to attribute '__class__' of 'int' object is unsafe."),
        ("((( directions | map(attribute='__class__') | join(',') )))", "access to attribute '__class__'"),
        # NumPy's methods that write files, and one that changes an array
        ("((( inputs.x.tofile('pwned') )))", "access to attribute 'tofile' of 'ndarray' object is unsafe."),
        ("((( inputs.x.dump('pwned') )))", "access to attribute 'dump' of 'ndarray' object is unsafe."),
        ("((( inputs.x.fill(0) )))", "access to attribute 'fill' of 'ndarray' object is unsafe."),
        ("((( inputs.x.ctypes )))", "access to attribute 'ctypes' of 'ndarray' object is unsafe."),
        # a list changed in place (the built-in templates' data is shared by every part of a page)
        ("((( directions.append(1) )))", "access to attribute 'append' of 'list' object is unsafe."),
        # the memory: a loop without end, a string or list or number too large to hold
        ("((* for i in range(10**12) *))x((* endfor *))", "OverflowError: Range too big."),
        ("((( 'x' * 10**9 )))", "'*' would make more than 50,000,000 items"),
        ("((( [0] * 10**8 )))", "'*' would make more than 50,000,000 items"),
        ("((( 10 ** (10 ** 8) )))", "'**' would make an integer of more than 100,000 bits"),
        ("((( 2 ** 49000 * 2 ** 49000 * 2 ** 49000 )))", "'*' would make an integer of more than 100,000 bits"),
        ("((( 'x' | center(10**9) )))", "the number 1e+09 given is over 1,000,000"),
        ("((( 'x'.ljust(10**9) )))", "the number 1e+09 given is over 1,000,000"),
        ("((( '%0999999999d' % 1 )))", "the format string has a number over 1,000,000"),
        ("((( '%0*d' % (10**9, 1) )))", "the number 1e+09 given is over 1,000,000"),
        ("((( '%0999999999d' | format(1) )))", "the format string has a number over 1,000,000"),
        ("((( '{:>999999999}'.format(1) )))", "the format string has a number over 1,000,000"),
        ("((( '{:>{}}'.format(1, 10**9) )))", "the number 1e+09 given is over 1,000,000"),
        ("((( range(10) | slice(10**9) | list )))", "the number 1e+09 given is over 1,000,000"),
        (
            "((* set ns = namespace(s='x') *))((* for i in range(60) *))((* set ns.s = ns.s ~ ns.s *))((* endfor *))",
            "a namespace's value would have more than 50,000,000 items",
        ),
        ("((( lipsum(10**5) )))", "'lipsum' is undefined"),
    ],
)
def test_a_template_reaches_nothing_beyond_its_data_and_bounds(tmp_path: Path, body: str, message: str) -> None:
    template = mine(tmp_path, body)
    result = run("render", str(SEED), "--no-check", "--template-dir", str(tmp_path), "--template", "mine")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: template {template}, line 2: {message}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.tex.j2"]


def test_what_a_template_is_given_it_may_use(tmp_path: Path) -> None:
    mine(
        tmp_path,
        "((( range(3) | list ))) ((( '%5.2f' % 3.14159 ))) ((( '{:>4}'.format(7) ))) ((( 'ab' * 3 )))"
        " ((( 2 ** 10 ))) ((( inputs.x.shape ))) ((( inputs.x.tolist() ))) ((( directions | length )))"
        " ((( 'x' | center(5) ))) ((( '%d' % 12345678 ))) ((( '{:,}'.format(12345678) ))) ((( (10**9) | string )))"
        " ((( 2 ** 64 ))).",
    )
    result = run("render", str(SEED), "--no-check", "--template-dir", str(tmp_path), "--template", "mine")
    assert result.exit_code == 0, result.output
    expected = "[0, 1, 2]  3.14    7 ababab 1024 (1, 2) [[0.5, 0.1]] 1   x   12345678 12,345,678 1000000000"
    assert f"{expected} 18446744073709551616." in result.stdout


def test_a_template_that_never_ends_is_refused_at_the_output_limit_in_bounded_memory(tmp_path: Path) -> None:
    # Each loop within the sandbox's range, together ten billion steps: it writes without end, a
    # line of text and a number at each.
    line = "The derivation goes on and on. " * 32
    template = mine(
        tmp_path,
        f"((* for i in range(100000) *))((* for j in range(100000) *)){line}((( j )))\n((* endfor *))((* endfor *))",
    )
    # The child's own peak (VmHWM: the memory of this process image, not of the test's that forked it).
    code = (
        "import re, sys\n"
        "from lstm_latex.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    status = open('/proc/self/status').read()\n"
        "    print(re.search(r'VmHWM:\\s*(\\d+) kB', status)[1], file=sys.stderr)\n"
    )
    started = time.monotonic()
    args = ["render", str(SEED), "--no-check", "--template-dir", str(tmp_path), "--template", "mine"]
    run_ = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    message, peak_kb = run_.stderr.splitlines()
    assert run_.returncode == 1
    assert run_.stdout == ""
    assert message == f"Error: template {template}: its output passed the limit of {MAX_OUTPUT:,} characters"
    assert int(peak_kb) < 400_000  # the output held once and joined once, with Python and NumPy: not gigabytes
    assert elapsed < 60
