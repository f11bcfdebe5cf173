"""Start-up: a plain render reads its templates and writes nothing but its output, in the home
directory or anywhere else; the built-in templates' precompiled modules render exactly what their
sources do, and are used only while they match them and are the modules then written."""

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
from lstm_latex.environment import TEMPLATES
from lstm_latex.model import Array
from lstm_latex.render import precompile

CLI = Path(sys.executable).parent / "lstm-latex"
RENDER = importlib.import_module("lstm_latex.render")  # the module: lstm_latex.render is the function
ENVIRONMENT = importlib.import_module("lstm_latex.environment")
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
    """Renders from here on read the built-in templates' precompiled modules from the given folder."""

    def use(folder: Path) -> None:
        monkeypatch.setattr(ENVIRONMENT, "PRECOMPILED", folder)
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
    folder = tmp_path_factory.mktemp("precompiled") / "precompiled"
    precompile(folder)
    return folder


def test_the_precompiled_templates_render_what_their_sources_do(
    tmp_path: Path, precompiled: Path, use_precompiled: Callable[[Path], None], compiles: list[str]
) -> None:
    use_precompiled(tmp_path / "missing")
    from_sources = {template: renders(template) for template in ENTRIES}  # the partials compiled once
    assert compiles  # the built-in templates, from their source
    assert not (tmp_path / "missing").exists()  # a render writes none
    use_precompiled(precompiled)
    compiles.clear()
    for template in ENTRIES:
        assert renders(template) == from_sources[template], template
    assert compiles == []  # not one parsed


def test_precompiling_again_replaces_the_folder_whole(tmp_path: Path) -> None:
    folder = tmp_path / "precompiled"
    names = precompile(folder)
    (folder / "tmpl_left_from_before.py").write_text("raise SystemExit\n", encoding="utf-8")
    assert precompile(folder) == names
    modules = sorted(p.name for p in folder.glob("*.py"))
    assert modules == sorted(jinja2.ModuleLoader.get_module_filename(name) for name in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precompiled"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def with_the_snippets_module_as_the_documents(folder: Path) -> dict[str, Any]:
    """Precompiled modules where document.tex.j2's is snippet.tex.j2's, its digests in the index
    as if compiled from document.tex.j2 as it is; returns the index."""
    precompile(folder)
    document, snippet = (
        folder / jinja2.ModuleLoader.get_module_filename(name) for name in ("document.tex.j2", "snippet.tex.j2")
    )
    document.write_bytes(snippet.read_bytes())
    index: dict[str, Any] = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    index["templates"]["document.tex.j2"]["module"] = sha256(document.read_bytes())
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return index


def test_a_precompiled_template_is_used_while_it_matches_its_source(
    tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace = TRACES[SEED.name]
    with_the_snippets_module_as_the_documents(tmp_path / "p")
    use_precompiled(tmp_path / "p")
    # What the precompiled module says is what renders: so the next test sees it ignored.
    assert lstm_latex.render(trace, "document") == lstm_latex.render(trace, "snippet")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source", sha256(b"an older document.tex.j2")),  # a stale module
        ("module", sha256(b"the module compiled then")),  # a module changed since it was written
        ("environment", "jinja2 2.11.3, other options"),  # compiled by another Jinja
        ("index.json", ""),
        ("index.json", "{not json"),
        ("index.json", "[]"),
        ("index.json", '{"environment": 1}'),
    ],
)
def test_a_precompiled_module_that_does_not_match_is_not_used(
    tmp_path: Path, use_precompiled: Callable[[Path], None], key: str, value: str
) -> None:
    trace = TRACES[SEED.name]
    expected = lstm_latex.render(trace, "document")
    index = with_the_snippets_module_as_the_documents(tmp_path / "p")
    if key == "environment":
        index[key] = value
    elif key != "index.json":
        index["templates"]["document.tex.j2"][key] = value
    text = value if key == "index.json" else json.dumps(index)
    (tmp_path / "p" / "index.json").write_text(text, encoding="utf-8")
    use_precompiled(tmp_path / "p")
    assert lstm_latex.render(trace, "document") == expected


def test_the_sandbox_compiles_the_built_in_templates_for_itself(
    tmp_path: Path, precompiled: Path, use_precompiled: Callable[[Path], None], compiles: list[str]
) -> None:
    # Their precompiled modules call functions unchecked: in the sandbox every call is checked.
    use_precompiled(precompiled)
    (tmp_path / "mine.tex.j2").write_text('((* extends "default:document.tex.j2" *))', encoding="utf-8")
    assert lstm_latex.render(TRACES[SEED.name], "mine", template_dir=tmp_path) == renders("document")[SEED.name]
    assert "document.tex.j2" in compiles


class UnprintableNumbers(NumberFormat):
    def layout(self, array: Array, *, portable: bool = False) -> tuple[str, float]:
        raise ZeroDivisionError("no number today")


def test_an_error_in_a_precompiled_template_names_its_file_and_line(
    tmp_path: Path, use_precompiled: Callable[[Path], None]
) -> None:
    trace, style = TRACES[SEED.name], Style(numbers=UnprintableNumbers())
    messages = []
    for path in (tmp_path / "missing", tmp_path / "precompiled"):
        if path.name == "precompiled":
            precompile(path)
        use_precompiled(path)
        with pytest.raises(RenderError) as error:
            lstm_latex.render(trace, style=style)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"template {TEMPLATES}{os.sep}")
    assert messages[0].endswith(": ZeroDivisionError: no number today")
