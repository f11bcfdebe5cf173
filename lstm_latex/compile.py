"""A rendered .tex file to a PDF beside it, with latexmk or pdflatex, as a user would run them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from .errors import RenderError

# What Debian and Ubuntu need for every built-in template (beamer and mathtools are in -recommended).
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended lmodern"


def compile_pdf(tex: Path) -> Path:
    """Compile ``tex`` in its own directory and return the PDF's path.

    Raises RenderError naming the packages to install when there is no TeX, and with only the
    log's ``!`` lines and their line numbers when LaTeX fails.
    """
    if shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None:
        command = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-silent", tex.name]
    elif shutil.which("pdflatex") is not None:
        command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    else:
        raise RenderError(
            f"--compile needs pdflatex, which is not installed; on Debian or Ubuntu: apt-get install {TEX_PACKAGES}"
        )
    try:
        run = subprocess.run(command, cwd=tex.parent, capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"{tex}: LaTeX did not finish within 10 minutes") from None
    log = tex.with_suffix(".log")
    pdf = tex.with_suffix(".pdf")
    if run.returncode != 0 or not pdf.is_file():
        text = log.read_text(encoding="latin-1") if log.is_file() else run.stdout
        raise RenderError(f"{tex}: LaTeX failed: {'; '.join(latex_errors(text)) or 'no PDF was written'} (see {log})")
    for suffix in _AUXILIARY:
        tex.with_suffix(suffix).unlink(missing_ok=True)
    return pdf


# What latexmk, pdflatex and beamer leave beside the PDF; the log stays only when LaTeX fails.
_AUXILIARY = (".aux", ".fls", ".fdb_latexmk", ".log", ".nav", ".out", ".snm", ".toc", ".vrb")


def latex_errors(log: str) -> list[str]:
    """The ``!`` lines of a LaTeX log, each with the source line number LaTeX gives after it."""
    lines = log.splitlines()
    errors = []
    for index, line in enumerate(lines):
        if line.startswith("!") and "==> Fatal error occurred" not in line:  # -halt-on-error's last words
            where = next((m for m in (re.match(r"l\.(\d+)", later) for later in lines[index : index + 12]) if m), None)
            errors.append(f"{line[1:].strip()}" + (f" (line {where.group(1)})" if where else ""))
    return errors
