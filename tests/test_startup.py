"""Start-up: a plain render reads its templates and writes nothing but its output, in the home
directory or anywhere else; the built-in templates' precompiled code renders exactly what their
sources do, and is used only while it matches them."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import SAMPLES, SEED

import lstm_latex
from lstm_latex import NumberFormat, RenderError, Style
from lstm_latex.model import Array
from lstm_latex.render import TEMPLATES, precompile

CLI = Path(sys.executable).parent / "lstm-latex"
RENDER = importlib.import_module("lstm_latex.render")  # the module: lstm_latex.render is the function
ENTRIES = ["document", "snippet", "beamer", "markdown"]
# Every cell's partials, forward and backward (the other samples use the same ones, only larger).
SAMPLE_NAMES = ("seed.json", "gru.json", "rnn_tanh.json", "lstm_backward.json")
TRACES = {name: lstm_latex.forward(lstm_latex.load(SAMPLES / name)) for name in SAMPLE_NAMES}


def test_a_render_writes_nothing_to_the_home_directory(tmp_path: Path) -> None:
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    cache.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run(
        [CLI, "render", SEED, "--no-check"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(r"\documentclass")
    assert list(home.iterdir()) == list(cache.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "home"]


@pytest.fixture
def use_precompiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Renders from here on read the built-in templates' precompiled code from the given file."""

    def use(path: Path) -> None:
        monkeypatch.setattr(RENDER, "PRECOMPILED", path)
        RENDER._environment.cache_clear()  # environments keep the templates they have compiled

    yield use
    RENDER._environment.cache_clear()


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from their source from here on."""
    names: list[str] = []
    compile_source = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(str(name))
        return compile_source(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return names


def renders(template: str) -> dict[str, str]:
    return {sample: lstm_latex.render(trace, template) for sample, trace in TRACES.items()}


@pytest.fixture(scope="module")
def precompiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in templates precompiled once, for every test of this module that reads them."""
    path = tmp_path_factory.mktemp("precompiled") / "precompiled.json"
    precompile(path)
    return path


def test_the_precompiled_templates_render_what_their_sources_do(
    tmp_path: Path, precompiled: Path, use_precompiled: Callable[[Path], None], compiles: list[str]
) -> None:
    use_precompiled(tmp_path / "missing.json")
    from_sources = {template: renders(template) for template in ENTRIES}  # the partials compiled once
    assert compiles  # the built-in templates, from their source
    assert not (tmp_path / "missing.json").exists()  # a render writes none
    use_precompiled(precompiled)
    compiles.clear()
    for template in ENTRIES:
        assert renders(template) == from_sources[template], template
    assert compiles == []  # not one parsed


def source_sha256(name: str) -> str:
    return hashlib.sha256((TEMPLATES / name).read_text(encoding="utf-8").encode("utf-8")).hexdigest()


def with_the_snippets_code_as_the_documents(path: Path, sha256: str, environment: str | None = None) -> None:
    """A precompiled file whose record of document.tex.j2 holds the code of snippet.tex.j2, as if
    generated from a source whose digest is ``sha256``, by the environment said (default: this one)."""
    precompile(path)
    written = json.loads(path.read_text(encoding="utf-8"))
    templates = written["templates"]
    templates["document.tex.j2"] = {"sha256": sha256, "code": templates["snippet.tex.j2"]["code"]}
    written["environment"] = environment or written["environment"]
    path.write_text(json.dumps(written), encoding="utf-8")


def test_a_precompiled_template_is_used_while_it_matches_its_source(
    tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace = TRACES[SEED.name]
    with_the_snippets_code_as_the_documents(tmp_path / "p.json", source_sha256("document.tex.j2"))
    use_precompiled(tmp_path / "p.json")
    # What the precompiled file says is what renders: so the next tests see its code ignored.
    assert lstm_latex.render(trace, "document") == lstm_latex.render(trace, "snippet")


def test_a_stale_template_is_compiled_from_its_source(tmp_path: Path, use_precompiled: Callable[[Path], None]) -> None:
    trace = TRACES[SEED.name]
    expected = lstm_latex.render(trace, "document")
    older = hashlib.sha256(b"an older document.tex.j2").hexdigest()
    with_the_snippets_code_as_the_documents(tmp_path / "stale.json", older)
    use_precompiled(tmp_path / "stale.json")
    assert lstm_latex.render(trace, "document") == expected


def test_templates_precompiled_by_another_jinja_are_compiled_from_their_source(
    tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace = TRACES[SEED.name]
    expected = lstm_latex.render(trace, "document")
    other = "jinja2 2.11.3, other options"
    with_the_snippets_code_as_the_documents(tmp_path / "p.json", source_sha256("document.tex.j2"), other)
    use_precompiled(tmp_path / "p.json")
    assert lstm_latex.render(trace, "document") == expected


@pytest.mark.parametrize("content", ["", "{not json", "[]", '{"environment": 1}'])
def test_an_unreadable_precompiled_file_is_ignored(
    content: str, tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace = TRACES[SEED.name]
    expected = lstm_latex.render(trace, "document")
    (tmp_path / "p.json").write_text(content, encoding="utf-8")
    use_precompiled(tmp_path / "p.json")
    assert lstm_latex.render(trace, "document") == expected


class UnprintableNumbers(NumberFormat):
    def layout(self, array: Array, *, portable: bool = False) -> tuple[str, float]:
        raise ZeroDivisionError("no number today")


def test_an_error_in_a_precompiled_template_names_its_file_and_line(
    tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace, style = TRACES[SEED.name], Style(numbers=UnprintableNumbers())
    messages = []
    for path in (tmp_path / "missing.json", tmp_path / "precompiled.json"):
        if path.name == "precompiled.json":
            precompile(path)
        use_precompiled(path)
        with pytest.raises(RenderError) as error:
            lstm_latex.render(trace, style=style)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"template {TEMPLATES}{os.sep}")
    assert messages[0].endswith(": ZeroDivisionError: no number today")
