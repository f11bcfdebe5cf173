"""Where a command's text goes: stdout, or an -o file replaced in one step.

What -o does with what it finds (the README says the same):

- nothing there: a new file, with the mode open() would give it;
- a regular file: replaced whole once the text is complete, keeping its mode; a failed or
  interrupted run (Ctrl-C, SIGTERM, SIGHUP) leaves it as it was and no temporary file behind;
- a symlink: its target is written (as above), the link kept;
- a file with other hard links: replaced under this name only, the other names keep the old text;
- a read-only file: refused;
- a device or a pipe (/dev/null, /dev/full, a FIFO): written as the text comes;
- an empty name, or one ending in / (a directory): refused.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, TypeVar

from .errors import OutputError
from .values import one_line

T = TypeVar("T")


def write_text(text: str | Iterable[str], output: str | None) -> None:
    """``text``, or its pieces in turn, to stdout or to the file ``output``; an OSError is one
    ``Error:`` line naming where."""
    pieces = [text] if isinstance(text, str) else text
    if output is None:
        _to_stdout(pieces)
    else:
        write_file(output, (piece.encode("utf-8") for piece in pieces))


def write_file(output: str, chunks: Iterable[bytes]) -> None:
    """``chunks`` as the file ``output``, never half-written: see the module's docstring."""
    target, status = _target(output)
    if status is not None and not stat.S_ISREG(status.st_mode):
        try:
            with target.open("wb") as stream:  # nothing to replace: written as it comes
                stream.writelines(chunks)
        except OSError as error:
            raise _cannot_write(output, error) from None
        return
    _replace([(output, target, status)], ([chunk] for chunk in chunks))


def write_files(outputs: Sequence[str], texts: Iterable[Sequence[str]]) -> None:
    """Files written together, all or none: ``texts`` yields a text for each of ``outputs`` in turn,
    each appended to its file. Every output is checked before the first text is asked for (an empty
    name, a read-only file or one that is not a regular file, two names of one file: nothing is
    done), and each is written to a temporary file beside it; they are renamed over their targets
    one after the other once ``texts`` ends. An error or an interruption before leaves every file
    as it was and no temporary file behind; memory holds one text of each output at a time."""
    targets = [(output, *_target(output)) for output in outputs]
    for k, (output, target, status) in enumerate(targets):
        if status is not None and not stat.S_ISREG(status.st_mode):
            raise OutputError(f"{one_line(output)}: cannot write (not a regular file, which is replaced whole)")
        for other, other_target, other_status in targets[:k]:
            same = target == other_target or (
                status is not None and other_status is not None and os.path.samestat(status, other_status)
            )
            if same:
                raise OutputError(f"{one_line(other)} and {one_line(output)} are the same file")
    _replace(targets, ([text.encode("utf-8") for text in pieces] for pieces in texts))


def _target(output: str) -> tuple[Path, os.stat_result | None]:
    """The file ``output`` names, through a symlink to its target, and its status (None for no file
    there yet); a name that is no file, or a read-only file, refused."""
    if not output:
        raise OutputError("-o: the file name is empty")
    if output.endswith(("/", os.sep)):
        raise OutputError(f"{one_line(output)}: cannot write (a file name must not end in /)")
    target = Path(os.path.realpath(output))  # through a symlink, to its target
    try:
        status: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise _cannot_write(output, error) from None
    if status is not None and stat.S_ISREG(status.st_mode) and not status.st_mode & 0o222:
        raise OutputError(f"{one_line(output)}: cannot write (the file is read-only)")
    return target, status


def _replace(targets: Sequence[tuple[str, Path, os.stat_result | None]], chunks: Iterable[Sequence[bytes]]) -> None:
    """Write a temporary file beside each target, each of ``chunks`` a piece for each, and rename them
    over the targets: one step a file, or nothing. Each keeps its target's mode (a new file: open()'s)."""
    with _signals_as_exceptions():
        pending: list[tuple[str, Path, str, BinaryIO]] = []  # output, target, its temporary file, open
        try:
            for output, target, status in targets:
                descriptor, temporary = _written(
                    output, tempfile.mkstemp, dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
                )
                pending.append((output, target, temporary, os.fdopen(descriptor, "wb")))
                mode = stat.S_IMODE(status.st_mode) if status is not None else _new_file_mode()
                _written(output, os.fchmod, descriptor, mode)
            for pieces in chunks:
                for (output, _, _, stream), piece in zip(pending, pieces, strict=True):
                    _written(output, stream.write, piece)
            for output, _, _, stream in pending:
                _written(output, stream.close)
            while pending:
                output, target, temporary, _ = pending[0]
                _written(output, os.replace, temporary, target)
                pending.pop(0)
        finally:
            for _, _, temporary, stream in pending:
                with suppress(OSError):  # the error that brought us here is the one to report
                    stream.close()
                os.unlink(temporary)


def _written(output: str, write: Callable[..., T], *args: Any, **keywords: Any) -> T:
    """``write(*args, **keywords)``, its OSError one ``Error:`` line naming ``output``."""
    try:
        return write(*args, **keywords)
    except OSError as error:
        raise _cannot_write(output, error) from None


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask  # as open() would make it, not mkstemp's 0600


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a file was being written: unwind, then end as the signal would."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP unwind like Ctrl-C does (cleaning up on the way); then the
    process still dies of the signal, as the one who sent it expects. A signal that is ignored
    (nohup) or handled already stays as it is."""
    names = ("SIGTERM", "SIGHUP")  # SIGHUP: not on Windows
    signums = [getattr(signal, name) for name in names if hasattr(signal, name)]
    signums = [signum for signum in signums if signal.getsignal(signum) == signal.SIG_DFL]

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(signum)

    try:
        previous = {signum: signal.signal(signum, terminate) for signum in signums}
    except ValueError:  # not the main thread, where signals cannot be handled
        previous = {}
    try:
        yield
    except _Terminated as terminated:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.kill(os.getpid(), terminated.signum)
        raise SystemExit(128 + terminated.signum) from None  # a handler that did not end the process
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _to_stdout(pieces: Iterable[str]) -> None:
    stream = sys.stdout
    if stream is None:  # started with stdout closed (>&-): the text would go nowhere
        raise OutputError("cannot write to stdout: it is closed (give -o FILE)")
    try:
        for piece in pieces:
            stream.write(piece)
        stream.flush()
    except OSError as error:
        _silence(stream)
        raise OutputError(f"cannot write to stdout ({error.strerror or error})") from None


def _silence(stream: object) -> None:
    """After a failed write to stdout, point it at /dev/null: Python's own flush at exit would fail again."""
    try:
        descriptor = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _cannot_write(output: str, error: OSError) -> OutputError:
    return OutputError(f"{one_line(output)}: cannot write ({error.strerror or error})")
