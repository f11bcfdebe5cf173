"""A rendered .tex file to a PDF beside it, with latexmk or pdflatex, as a user would run them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import RenderError
from .output import write_file

# What Debian and Ubuntu need for every built-in template (beamer and mathtools are in -recommended).
TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended lmodern"


JOB = "derivation"  # the one name pdflatex sees: never the user's, which could read as an option or as TeX


Warn = Callable[[str], None]  # told each warning of a LaTeX run that succeeded, one line each


def compile_pdf(tex: Path, warn: Warn | None = None) -> Path:
    """Compile ``tex`` (a ``.tex`` file just written) to the PDF beside it, and return the PDF's path.

    LaTeX runs in a private temporary directory on a copy under a fixed job name, so that nothing
    but the PDF reaches the ``.tex`` file's directory (and the log, when LaTeX fails): another
    document's .pdf, .aux or .toc there is never touched, whatever the file is called. Raises
    RenderError naming the packages to install when there is no TeX, and with only the log's
    ``!`` lines and their line numbers when LaTeX fails. ``warn`` is told of each overfull box,
    with its page and lines (see ``overfull_boxes``).
    """
    if tex.suffix != ".tex":
        raise RenderError(f"{tex}: --compile needs a file name ending in .tex, to name the PDF beside it")
    return _compile(tex.read_bytes(), tex, tex.with_suffix(".pdf"), warn)


def compile_text(text: str, pdf: Path, warn: Warn | None = None) -> Path:
    """Compile the LaTeX ``text`` straight to the PDF ``pdf`` (``-o FILE.pdf``), as ``compile_pdf``
    does a .tex file: no .tex file is written beside it, and only its log when LaTeX fails."""
    return _compile(text.encode("utf-8"), pdf, pdf, warn)


# pdflatex as both commands run it: never a shell command from the document (\write18).
PDFLATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]


def _command() -> list[str]:
    if shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None:
        # -norc: no latexmkrc (Perl run by latexmk, such as one that turns shell escape on) is
        # read, the user's included; then latexmk runs our pdflatex command, not the one it is set to.
        return ["latexmk", "-norc", "-pdf", f"-pdflatex={' '.join(PDFLATEX)} %O %S", "-silent", f"{JOB}.tex"]
    if shutil.which("pdflatex") is not None:
        return [*PDFLATEX, f"{JOB}.tex"]
    raise RenderError(
        f"--compile needs pdflatex, which is not installed; on Debian or Ubuntu: apt-get install {TEX_PACKAGES}"
    )


def tex_environment(inherited: Mapping[str, str]) -> dict[str, str]:
    """The environment TeX runs in: ``inherited`` without TEXINPUTS (nor its forms for one program,
    ``TEXINPUTS.pdflatex``, ``TEXINPUTS_pdflatex``), so that a document's \\usepackage and \\input
    find files in TeX's own tree (and the private directory it runs in) and nowhere else; and in
    kpathsea's paranoid mode, so that TeX opens no file outside that directory by name (an absolute
    path, ``..``, a dot file), without TEXMFOUTPUT (where that mode lets absolute paths through);
    and with no shell command."""
    kept = {
        name: value
        for name, value in inherited.items()
        if name not in ("TEXINPUTS", "TEXMFOUTPUT") and not name.startswith(("TEXINPUTS.", "TEXINPUTS_"))
    }
    return {**kept, "openin_any": "p", "openout_any": "p", "shell_escape": "f"}


def _compile(source: bytes, named: Path, target: Path, warn: Warn | None = None) -> Path:
    """``source`` compiled in a private directory to ``target``; ``named`` is the file the user
    named, for messages. Nothing is read from ``named``'s directory (see ``tex_environment``)."""
    command = _command()
    with tempfile.TemporaryDirectory(prefix="lstm-latex-") as directory:
        work = Path(directory)
        (work / f"{JOB}.tex").write_bytes(source)
        try:
            run = subprocess.run(
                command,
                cwd=work,
                stdin=subprocess.DEVNULL,  # an error never waits at TeX's prompt
                capture_output=True,
                timeout=600,
                check=False,
                env=tex_environment(os.environ),
            )
        except subprocess.TimeoutExpired:
            raise RenderError(f"{named}: LaTeX did not finish within 10 minutes") from None
        log, pdf = work / f"{JOB}.log", work / f"{JOB}.pdf"
        if run.returncode != 0 or not pdf.is_file():
            # TeX writes its log and messages in 8-bit bytes, whatever the input's encoding
            text = log.read_text(encoding="latin-1") if log.is_file() else run.stdout.decode("latin-1")
            kept = named.with_suffix(".log")
            if log.is_file():
                write_file(str(kept), [log.read_bytes()])
            raise RenderError(
                f"{named}: LaTeX failed: {'; '.join(latex_errors(text)) or 'no PDF was written'} (see {kept})"
            )
        write_file(str(target), [pdf.read_bytes()])
        if warn is not None and log.is_file():
            for box in overfull_boxes(log.read_text(encoding="latin-1")):
                warn(f"{named}, {box}")
    return target


def latex_errors(log: str) -> list[str]:
    """The ``!`` lines of a LaTeX log, each with the source line number LaTeX gives after it."""
    lines = log.splitlines()
    errors = []
    for index, line in enumerate(lines):
        if line.startswith("!") and "==> Fatal error occurred" not in line:  # -halt-on-error's last words
            where = next((m for m in (re.match(r"l\.(\d+)", later) for later in lines[index : index + 12]) if m), None)
            errors.append(f"{line[1:].strip()}" + (f" (line {where.group(1)})" if where else ""))
    return errors


# pdflatex's "[N" as it ships out page N (then "]", or the fonts and files it read, such as "{...}").
_PAGE = re.compile(r"(?<![\w\\])\[(\d+)(?=[\]\s{<]|$)", re.MULTILINE)
_OVERFULL = re.compile(r"^Overfull \\[hv]box \(.*$", re.MULTILINE)


def overfull_boxes(log: str) -> list[str]:
    """Each overfull box of a LaTeX log as one line with the page it is on, such as
    ``page 3: Overfull \\hbox (12.3pt too wide) in paragraph at lines 10--12``: the page is the
    one shipped out next after the box (a box is reported as its page is built)."""
    shipped = [(page.start(), int(page[1])) for page in _PAGE.finditer(log)]
    boxes = []
    for box in _OVERFULL.finditer(log):
        page = next((number for at, number in shipped if at > box.start()), None)
        boxes.append(f"page {page}: {box[0].strip()}" if page is not None else box[0].strip())
    return boxes
