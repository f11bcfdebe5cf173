"""--compile and -o FILE.pdf run TeX on TeX's own files only: nothing from the output's folder or an
inherited TEXINPUTS, no file read or written outside TeX's private directory, no shell command."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED

from lstm_latex.cli import main
from lstm_latex.compile import tex_environment

# A package of TeX's own, planted where TeX would find it first: loading it stops the compile.
PLANTED = "\\errmessage{the planted lmodern.sty ran}\n"


def render(*args: str) -> Result:
    # The network's part alone: these tests are about the compile, not the derivation.
    return CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--part", "network", *args])


def planted_folder(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "lmodern.sty").write_text(PLANTED, encoding="utf-8")
    (folder / "xcolor.sty").write_text(PLANTED.replace("lmodern", "xcolor"), encoding="utf-8")
    return folder


@pytest.mark.latex
@pytest.mark.parametrize("output", ["notes.pdf", "notes.tex"])
def test_a_package_beside_the_output_is_not_read(tmp_path: Path, output: str) -> None:
    shared = planted_folder(tmp_path / "shared")
    shared.chmod(shared.stat().st_mode | stat.S_IWOTH)  # a folder others can write to
    target = shared / output
    result = render("-o", str(target), *(["--compile"] if output.endswith(".tex") else []))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert target.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.latex
@pytest.mark.parametrize("variable", ["TEXINPUTS", "TEXINPUTS.pdflatex", "TEXINPUTS_pdflatex"])
def test_an_inherited_texinputs_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    planted = planted_folder(tmp_path / "styles")
    monkeypatch.setenv(variable, f"{planted}{os.pathsep}")  # the folder first, then TeX's own
    out = tmp_path / "out"
    out.mkdir()
    result = render("-o", str(out / "notes.pdf"))
    assert result.exit_code == 0, result.output
    assert (out / "notes.pdf").read_bytes().startswith(b"%PDF")


def user_template(folder: Path, body: str) -> Path:
    folder.mkdir()
    (folder / "mine.tex.j2").write_text(
        f'((* extends "default:document.tex.j2" *))((* block title *))\n{body}\n((* endblock title *))\n',
        encoding="utf-8",
    )
    return folder


@pytest.mark.latex
def test_a_template_cannot_make_tex_read_a_file_by_its_absolute_path(tmp_path: Path) -> None:
    secret = tmp_path / "secret.tex"
    secret.write_text("THE-SECRET-TEXT\n", encoding="utf-8")
    templates = user_template(tmp_path / "templates", rf"\input{{{secret}}}")
    out = tmp_path / "notes.pdf"
    result = render("--template-dir", str(templates), "--template", "mine", "-o", str(out))
    # TeX refuses to open it (openin_any = p), so it is a file TeX cannot find (it would compile
    # without that mode): no PDF at all.
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: LaTeX failed: LaTeX Error: File `")  # its path, cut at 79 columns
    assert result.stderr.count("\n") == 1
    assert not out.exists()
    assert "THE-SECRET-TEXT" not in out.with_suffix(".log").read_text(encoding="latin-1")


@pytest.mark.latex
@pytest.mark.parametrize("target", ["absolute", "parent"])
def test_a_template_cannot_make_tex_write_outside_its_directory(tmp_path: Path, target: str) -> None:
    # the absolute path of a file here, or one beside TeX's private directory (in the system's temporary one)
    beside = Path(tempfile.gettempdir()) / f"{tmp_path.name}-escaped.txt"
    written = tmp_path / "written.txt" if target == "absolute" else f"../{beside.name}"
    body = rf"\immediate\openout7={written} \immediate\write7{{x}}\immediate\closeout7"
    templates = user_template(tmp_path / "templates", body)
    out = tmp_path / "notes.pdf"
    result = render("--template-dir", str(templates), "--template", "mine", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: LaTeX failed: I can't write on file `")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.log", "templates"]
    assert not beside.exists()


@pytest.mark.latex
def test_a_template_cannot_run_a_shell_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("shell_escape", "t")  # kpathsea's variable: as if texmf.cnf allowed every command
    marker = tmp_path / "ran"
    templates = user_template(tmp_path / "templates", rf"\immediate\write18{{touch {marker}}}")
    result = render("--template-dir", str(templates), "--template", "mine", "-o", str(tmp_path / "notes.pdf"))
    assert result.exit_code == 0, result.output
    assert not marker.exists()


def test_tex_runs_without_a_search_path_or_output_folder_of_the_callers() -> None:
    inherited = {
        "PATH": "/usr/bin",
        "HOME": "/home/me",
        "TEXINPUTS": "/shared:",
        "TEXINPUTS.pdflatex": "/shared:",
        "TEXINPUTS_latex": "/shared:",
        "TEXMFOUTPUT": "/",
        "openin_any": "a",
        "openout_any": "a",
        "shell_escape": "t",
    }
    assert tex_environment(inherited) == {
        "PATH": "/usr/bin",
        "HOME": "/home/me",
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
    }


def test_latexmk_reads_no_rc_file_and_runs_pdflatex_paranoid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A latexmk that records how it was run (this machine's TeX may have none): rc files are Perl
    # that could set another pdflatex command, shell escape included.
    record = tmp_path / "record"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "latexmk": f'printf "%s\\n" "$@" "openin_any=$openin_any openout_any=$openout_any" > {record}',
        "pdflatex": "exit 1",
    }
    for name, script in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{script}\nexit 1\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = render("-o", str(tmp_path / "notes.pdf"))
    assert result.exit_code == 1
    assert record.read_text(encoding="utf-8").splitlines() == [
        "-norc",
        "-pdf",
        "-pdflatex=pdflatex -interaction=nonstopmode -halt-on-error -no-shell-escape %O %S",
        "-silent",
        "derivation.tex",
        "openin_any=p openout_any=p",
    ]
