"""Where templates run: the built-in ones in Jinja's environment, from their precompiled modules
while those match; a user's (``--template-dir``) in Jinja's sandbox, with what they extend, and
with their output bounded."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from functools import update_wrapper
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import RenderError

TEMPLATES = Path(__file__).parent / "templates"

# The built-in templates compiled ahead of time by Jinja (Environment.compile_templates: a Python
# module each, read by jinja2.ModuleLoader and byte-compiled as the package's own modules are), and
# index.json, the digests of each template's source and module. Written by
# `python -m lstm_latex.precompile` when the package is installed or built, never by a render.
# Parsing the templates is otherwise most of a render's start-up. Not in git; a module is used only
# while both digests match (see BuiltinLoader), so a stale or missing one is just slower.
# The folder's name is no Python name: it holds modules, but is not a package of ours.
PRECOMPILED = TEMPLATES / "precompiled-jinja"
INDEX = "index.json"

# How every template is written and compiled: nbconvert's LaTeX-safe delimiters, an undefined name
# an error, a block tag's line left out of the output. Written once, here: the precompiled
# templates depend on these options as they do on their source.
OPTIONS: dict[str, Any] = {
    "block_start_string": "((*",
    "block_end_string": "*))",
    "variable_start_string": "(((",
    "variable_end_string": ")))",
    "comment_start_string": "((=",
    "comment_end_string": "=))",
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "autoescape": False,
    # Jinja's constant folding adds a tenth to compiling a template and saves nothing here, where
    # a user's templates (or built-in ones without their precompiled code) are compiled every run.
    "optimized": False,
}

# What a user's template may make. Its output: more than ten times the largest document the
# built-in templates write within the default limit of 100 step blocks (3 MB, with the backward
# pass). A number given to a filter (beside the value filtered) or to a string's method, a width
# given to % or format() as a number, any number written in a format string: enough for any page,
# too little to fill the memory (center(n), 'x'.ljust(n), '%0*d', slice(n)). A string or list made
# by * (' ' * n) or kept in a namespace: at most MAX_OUTPUT items. An integer made by * or **: at
# most this many bits.
MAX_OUTPUT = 50_000_000
MAX_ARGUMENT = 1_000_000
MAX_INTEGER_BITS = 100_000

# What a user's template may read of an array (NumPy's own methods can write files: tofile, dump).
ARRAY_ATTRIBUTES = frozenset(
    {"shape", "ndim", "size", "dtype", "T", "tolist", "item", "min", "max", "sum", "mean", "any", "all", "round"}
)


def template_environment(template_dir: Path | None) -> jinja2.Environment:
    """The environment of the built-in templates; with ``template_dir``, a sandbox where that
    directory's templates come first and the built-in ones are found as ``default:NAME`` too."""
    builtin = BuiltinLoader(TEMPLATES, PRECOMPILED)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": builtin}, delimiter=":"), builtin]
    if template_dir is None:
        # The built-in templates do not change under a running process: no file is looked at again.
        return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), auto_reload=False, **OPTIONS)
    return Sandbox(loader=jinja2.ChoiceLoader([Utf8Loader(template_dir), *loaders]), **OPTIONS)


def render_template(template: jinja2.Template, **context: Any) -> str:
    """``template`` rendered with ``context``. In the sandbox, refused (RenderError naming the
    template) once its output passes MAX_OUTPUT characters, before it fills the memory."""
    if not template.environment.sandboxed:
        return template.render(**context)
    pieces: list[str] = []  # joined every so many, so that a million short pieces take no more room than their text
    joined: list[str] = []
    written = 0
    for piece in template.generate(**context):
        written += len(piece)
        if written > MAX_OUTPUT:
            raise RenderError(f"template {template.filename}: its output passed the limit of {MAX_OUTPUT:,} characters")
        pieces.append(piece)
        if len(pieces) == 4096:
            joined.append("".join(pieces))
            pieces.clear()
    return "".join(joined + pieces)


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no attribute that starts with ``_``, no method that changes a list, dict
    or set), which also refuses NumPy's methods but the few in ARRAY_ATTRIBUTES, ``lipsum``, and
    every number that would make a string, a list or an integer too large to hold: the
    limits above."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.globals["lipsum"]  # lipsum(n) writes n paragraphs
        self.globals["namespace"] = BoundedNamespace
        self.filters = {name: _bounded(function) for name, function in self.filters.items()}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, np.ndarray | np.generic) and attr not in ARRAY_ATTRIBUTES:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(__obj, "__self__", None), str | bytes):  # 'x'.ljust(n), center, zfill, expandtabs
            _check_arguments(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            _check_format(left)
            if "*" in left:  # a width or precision given as a number: '%0*d' % (n, 1)
                _check_arguments(right if isinstance(right, tuple) else (right,), {})
        elif operator == "*":
            for times, other in ((left, right), (right, left)):
                if _is_integer(times) and isinstance(other, str | bytes | list | tuple):
                    _check(len(other) * times <= MAX_OUTPUT, f"'*' would make more than {MAX_OUTPUT:,} items")
            if _is_integer(left) and _is_integer(right):
                _check(_bits(left) + _bits(right) <= MAX_INTEGER_BITS, _BITS.format("*"))
        elif operator == "**" and _is_integer(left) and _is_integer(right) and right > 0:
            _check(_bits(left) * right <= MAX_INTEGER_BITS, _BITS.format("**"))
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format(value.__self__)
        nested = _NESTED_FIELD.search(value.__self__) is not None  # a width given as a number: '{:>{}}'
        checked = wrapped

        def formatted(*args: Any, **kwargs: Any) -> str:
            if nested:
                _check_arguments(args, kwargs)
            return checked(*args, **kwargs)

        return formatted


class BoundedNamespace(jinja2.utils.Namespace):
    """Jinja's ``namespace``, which refuses to hold a string or list longer than MAX_OUTPUT: the
    one way a template's loop can grow a value (``ns.s = ns.s ~ ns.s``)."""

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, str | bytes | list | tuple):
            _check(len(value) <= MAX_OUTPUT, f"a namespace's value would have more than {MAX_OUTPUT:,} items")
        super().__setitem__(name, value)


_BITS = f"'{{}}' would make an integer of more than {MAX_INTEGER_BITS:,} bits"
_NUMBER = re.compile(r"\d+")
_NESTED_FIELD = re.compile(r"\{[^{}]*\{")


def _is_integer(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _bits(value: int | np.integer[Any]) -> int:
    return int(value).bit_length()


def _check(within: bool, refusal: str) -> None:
    if not within:
        raise SecurityError(f"{refusal}, the limit for a template of yours")


def _check_arguments(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    for value in [*args, *kwargs.values()]:
        if _is_integer(value):
            _check(abs(value) <= MAX_ARGUMENT, f"the number {float(value):.3g} given is over {MAX_ARGUMENT:,}")


def _check_format(text: str) -> None:
    # compared as digits: int() refuses more than 4,300 of them
    numbers = [number.lstrip("0") for number in _NUMBER.findall(text)]
    limit = str(MAX_ARGUMENT)
    within = all((len(number), number) <= (len(limit), limit) for number in numbers)
    _check(within, f"the format string has a number over {MAX_ARGUMENT:,}")


def _bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses numbers over MAX_ARGUMENT (``center(10**9)``), and a format string
    with one (``'%0999999999d' | format(1)``), as the sandbox's calls do; Jinja calls a filter
    directly, not through the sandbox. The value filtered may be any number (``10**9 | string``)."""
    value_at = 0 if getattr(function, "jinja_pass_arg", None) is None else 1  # after the context, if given

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[value_at + 1 :], kwargs)
        if function is jinja2.filters.do_format and isinstance(args[value_at], str):
            _check_format(args[value_at])
        return function(*args, **kwargs)

    return update_wrapper(bounded, function)  # with Jinja's marks, such as pass_context


class Utf8Loader(jinja2.FileSystemLoader):
    """Templates from one directory, read as UTF-8: a file that is not is an error at its line."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as error:
            line = error.object[: error.start].count(b"\n") + 1
            file = str(Path(self.searchpath[0]) / template)
            message = f"not UTF-8 text: byte {error.object[error.start]:#04x}"
            raise jinja2.TemplateSyntaxError(message, line, template, file) from None


class BuiltinLoader(Utf8Loader):
    """The built-in templates: each from its precompiled module while that was compiled from the
    same source by the same Jinja, options and filters, and is the module then written; else
    compiled from its source as any template is. Either way its errors name the template's file
    and line."""

    def __init__(self, folder: Path, precompiled: Path) -> None:
        super().__init__(folder)
        self.precompiled = precompiled
        self.modules = jinja2.ModuleLoader(precompiled)
        self._index: dict[str, Any] | None = None  # index.json's templates, by name; read at first use

    def load(
        self, environment: jinja2.Environment, name: str, globals: MutableMapping[str, Any] | None = None
    ) -> jinja2.Template:
        # ChoiceLoader and PrefixLoader call this, as Environment does, with the name of the file.
        source, filename, uptodate = self.get_source(environment, name)
        if self._matches(environment, name, source):
            try:
                template = self.modules.load(environment, name, globals)
            except jinja2.TemplateNotFound:  # removed since: as if it never was
                pass
            else:
                template.filename = filename  # not the module's: errors name the template
                return template
        code = environment.compile(source, name, filename)
        return environment.template_class.from_code(environment, code, globals or {}, uptodate)

    def _matches(self, environment: jinja2.Environment, name: str, source: str) -> bool:
        """Whether the module of template ``name`` was compiled from ``source`` by this Jinja with
        these options and filters, and is the one then written."""
        if self._index is None:
            try:
                written = json.loads((self.precompiled / INDEX).read_text(encoding="utf-8"))
            except (OSError, ValueError):  # missing, or not JSON
                written = {}
            fits = isinstance(written, dict) and written.get("environment") == compiled_with(environment)
            templates = written.get("templates") if fits else None
            self._index = templates if isinstance(templates, dict) else {}
        record = self._index.get(name)
        if not isinstance(record, dict) or record.get("source") != sha256(source.encode("utf-8")):
            return False
        try:
            module = (self.precompiled / jinja2.ModuleLoader.get_module_filename(name)).read_bytes()
        except OSError:
            return False
        return record.get("module") == sha256(module)


def compiled_with(environment: jinja2.Environment) -> str:
    """What Jinja's code for a template depends on besides its source: Jinja's version, the
    environment's options and whether it is a sandbox, and the filters' names and how each is
    called (with the context or not)."""
    filters = {name: getattr(environment.filters[name], "jinja_pass_arg", None) for name in sorted(environment.filters)}
    sandbox = "sandboxed" if environment.sandboxed else "not sandboxed"
    return f"jinja2 {jinja2.__version__}, {OPTIONS!r}, {sandbox}, filters {filters!r}"


def precompile(environment: jinja2.Environment, folder: Path = PRECOMPILED) -> list[str]:
    """Compile every built-in template of ``environment`` into ``folder`` (Jinja's modules, and
    index.json), for a render to use instead of parsing them; returns their names. The folder is
    written aside and then renamed, so that a render reads either the old modules or the new."""
    names = sorted(file.relative_to(TEMPLATES).as_posix() for file in TEMPLATES.rglob("*.j2"))
    new, old = folder.with_name(folder.name + ".new"), folder.with_name(folder.name + ".old")
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)
    environment.compile_templates(new, filter_func=names.__contains__, zip=None, ignore_errors=False)
    templates = {
        name: {
            "source": sha256((TEMPLATES / name).read_bytes()),
            "module": sha256((new / jinja2.ModuleLoader.get_module_filename(name)).read_bytes()),
        }
        for name in names
    }
    index = {"environment": compiled_with(environment), "templates": templates}
    (new / INDEX).write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return names


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
