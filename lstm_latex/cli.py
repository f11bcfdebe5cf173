"""The command line: parse options, run the pipeline, turn its errors into one-line messages."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import LstmLatexError
from .latex import NumberFormat
from .loaders import example_from_document, load, read_json
from .model import Example
from .network import forward
from .render import Style, render
from .serialize import trace_to_dict

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LstmLatexError as error:
            raise click.ClickException(str(error)) from None


def _command(name: str) -> Callable[[F], F]:
    """A subcommand with -h/--help and --version, like the group."""

    def decorate(function: F) -> F:
        function = click.version_option(__version__, "--version", prog_name="lstm-latex")(function)
        settings = {"help_option_names": ["-h", "--help"]}
        return main.command(name, context_settings=settings)(function)  # type: ignore[return-value]

    return decorate


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lstm-latex")
def main() -> None:
    """Turn a recurrent network's weights into a step-by-step derivation you can check by hand."""


_file = click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
_output = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically) instead of to stdout."
)


@_command("render")
@_file
@_output
@click.option("--template", default="document", show_default=True, help="document or snippet.")
@click.option("--precision", type=click.IntRange(0, 12), default=4, show_default=True, help="Decimals shown.")
def render_(file: str, output: str | None, template: str, precision: int) -> None:
    """Render the derivation of FILE (JSON weights and inputs; - for stdin) as LaTeX."""
    trace = forward(_load(file))
    style = Style(numbers=NumberFormat(precision=precision))
    _write(render(trace, template, style=style), output)


@_command("trace")
@_file
@_output
def trace(file: str, output: str | None) -> None:
    """Print every intermediate of FILE's forward pass as JSON (golden vectors)."""
    _write(json.dumps(trace_to_dict(forward(_load(file))), indent=1) + "\n", output)


def _load(file: str) -> Example:
    if file == "-":
        return example_from_document(read_json(sys.stdin.buffer.read(), "<stdin>"), "<stdin>")
    return load(file)


def _write(text: str, output: str | None) -> None:
    """stdout, or the file ``output`` replaced in one step: never a half-written file."""
    if output is None:
        click.echo(text, nl=False)
        return
    target = Path(output)
    if target.exists() and not target.is_file():  # /dev/null, a pipe: nothing to replace
        with target.open("w", encoding="utf-8") as stream:
            stream.write(text)
        return
    try:
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise click.ClickException(f"{output}: cannot write ({error.strerror})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
