"""-o's extension chooses what is written: .md Markdown, .pdf the compiled PDF; a --format it
contradicts is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SEED

from lstm_latex.cli import main


def render(*args: str) -> Result:
    return CliRunner().invoke(main, ["render", str(SEED), "--no-check", *args])


@pytest.mark.parametrize("name", ["notes.md", "notes.markdown", "NOTES.MD"])
def test_a_markdown_name_gets_markdown(tmp_path: Path, name: str) -> None:
    result = render("-o", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert text.startswith("# A worked LSTM forward pass\n")
    assert "$$" in text
    assert r"\documentclass" not in text


def test_other_names_get_latex_as_before(tmp_path: Path) -> None:
    for name in ("notes.tex", "notes.txt", "notes"):
        assert render("-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(r"\documentclass")


@pytest.mark.parametrize(
    ("output_format", "name", "message"),
    [
        (
            "latex",
            "notes.md",
            "-o {path} names a Markdown file, but --format is latex: leave --format out, or name a .tex file",
        ),
        (
            "markdown",
            "notes.tex",
            "-o {path} names a LaTeX file, but --format is markdown: leave --format out, or name a .md file",
        ),
        (
            "markdown",
            "notes.pdf",
            "-o {path} names a PDF file, but --format is markdown: leave --format out, or name a .md file",
        ),
    ],
)
def test_a_format_the_name_contradicts_is_a_usage_error(
    tmp_path: Path, output_format: str, name: str, message: str
) -> None:
    path = tmp_path / name
    result = render("--format", output_format, "-o", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(f"Error: {message.format(path=path)}\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.latex
def test_a_pdf_name_gets_the_compiled_pdf_and_nothing_beside_it(tmp_path: Path) -> None:
    (tmp_path / "notes.tex").write_bytes(b"the author's own notes")
    result = render("-o", str(tmp_path / "notes.pdf"), "--format", "latex", "--part", "network")  # a page
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes.pdf").read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.pdf", "notes.tex"]
    assert (tmp_path / "notes.tex").read_bytes() == b"the author's own notes"


@pytest.mark.latex
def test_a_pdf_that_fails_leaves_the_old_pdf_and_the_log(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "broken.tex.j2").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\nosuchmacro\n\\end{document}\n", encoding="utf-8"
    )
    (tmp_path / "out.pdf").write_bytes(b"%PDF- the old one")
    result = render(
        "--template-dir", str(tmp_path / "templates"), "--template", "broken", "-o", str(tmp_path / "out.pdf")
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'out.pdf'}: LaTeX failed: Undefined control sequence. (line 3)"
        f" (see {tmp_path / 'out.log'})\n"
    )
    assert (tmp_path / "out.pdf").read_bytes() == b"%PDF- the old one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.log", "out.pdf", "templates"]


def test_without_format_or_extension_the_template_decides() -> None:
    result = render("--template", "markdown-snippet")
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("### The network\n")


def test_a_tex_name_refuses_a_markdown_template(tmp_path: Path) -> None:
    result = render("--template", "markdown", "-o", str(tmp_path / "notes.tex"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: template markdown.md.j2 writes Markdown, not LaTeX: pass --format markdown")
    assert list(tmp_path.iterdir()) == []
