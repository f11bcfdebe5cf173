"""The documentation: the README a front page, and the site that `mkdocs build --strict` makes of
docs/ (mkdocs.yml), built once for these tests as `make docs` builds it."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pytest
from browser import opened
from conftest import ROOT, SAMPLES
from test_markdown import katex_failures, math_blocks

import lstm_latex
from lstm_latex.cli import main
from lstm_latex.generate import NetworkSpec
from lstm_latex.worksheet import drawn_variants, make_worksheet

if TYPE_CHECKING:
    from playwright.sync_api import Browser

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_a_front_page_with_the_two_commands_of_a_fresh_machine() -> None:
    assert README.count("\n") <= 250
    assert "\n## Two commands on a fresh machine\n\n```sh\nmake demo   # " in README
    assert "\nmake test   # " in README
    assert "![A page of the derivation of samples/seed.json](samples/seed-page.png)" in README
    links = re.findall(r"\]\(((?:docs|samples)/[^)#]+)", README)
    assert "docs/cli.md" in links
    assert [link for link in links if not (ROOT / link).is_file()] == []


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with --strict: a broken link or anchor, a page left out of the navigation or
    a failing hook stops the build."""
    pytest.importorskip("mkdocs", reason="MkDocs comes with the docs extra (make install)")
    if not (ROOT / "node_modules" / "katex" / "dist" / "katex.min.js").is_file():
        pytest.skip("KaTeX is not installed: run `make katex` (needs node and npm)")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr
    assert "WARNING" not in build.stderr
    return out


def page_text(site: Path, page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", (site / page / "index.html").read_text(encoding="utf-8")))


@pytest.mark.docs
def test_the_cli_reference_is_every_commands_help(site: Path) -> None:
    reference = page_text(site, "cli")
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"lstm-latex {name}" in reference
        for option in command.params:
            for flag in option.opts:
                assert flag in reference, (name, flag)


@pytest.mark.docs
def test_the_gallery_is_rendered_at_build_time_and_katex_renders_every_display(site: Path) -> None:
    sources = {"lstm": "seed.json", "gru": "gru.json", "rnn-tanh": "rnn_tanh.json", "rnn-relu": "rnn_relu.json"}
    sources["backward"] = "lstm_backward.json"
    rendered = {
        name: lstm_latex.render(lstm_latex.derive(lstm_latex.load(SAMPLES / sample)), "markdown")
        for name, sample in sources.items()
    }
    worksheet = make_worksheet(drawn_variants(NetworkSpec(target=True), 2026, None, None), output_format="markdown")
    rendered |= {"worksheet": worksheet.sheet, "worksheet-key": worksheet.key}
    displays = []
    for name, markdown in rendered.items():
        page = (site / "gallery" / name / "index.html").read_text(encoding="utf-8")
        # arithmatex's generic mode: each display as \[ … \] in a div for KaTeX's auto-render
        found = [html.unescape(d) for d in re.findall(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', page, re.DOTALL)]
        assert len(found) == len(math_blocks(markdown)) > 0, name
        assert [d.strip() for d in found] == [b.strip() for b in math_blocks(markdown)], name
        displays += found
    assert "Checked against PyTorch" in page_text(site, "gallery/backward")
    assert katex_failures(displays) == []


@pytest.mark.docs
def test_the_site_needs_nothing_from_the_network(site: Path) -> None:
    """KaTeX and its fonts are served with the site, the theme fetches no web font, and every
    picture is there."""
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//[^"]*"', text) == [], page
    assert (site / "katex" / "katex.min.js").is_file()
    fonts = re.findall(r"url\(fonts/([^)]+\.woff2)\)", (site / "katex" / "katex.min.css").read_text(encoding="utf-8"))
    assert fonts
    assert [font for font in fonts if not (site / "katex" / "fonts" / font).is_file()] == []
    pictures = {
        page.parent / src
        for page in site.rglob("*.html")
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8"))
    }
    assert (site / "samples" / "seed-page.png").resolve() in {picture.resolve() for picture in pictures}
    assert [picture for picture in pictures if not picture.is_file()] == []


@pytest.mark.docs
@pytest.mark.browser
def test_a_gallery_page_typesets_every_formula_in_a_real_browser(site: Path, browser: Browser) -> None:
    """The Elman RNN's page in Debian's Chromium, headless, read back as the DOM its scripts left:
    KaTeX (served with the site, the page opened from disk) typesets every display, and no formula
    is left as TeX or as KaTeX's error, with nothing on the console."""
    page = site / "gallery" / "rnn-tanh" / "index.html"
    with opened(browser, page) as (tab, console):
        tab.wait_for_selector(".katex-display", timeout=10_000)  # the theme typesets the page once it is loaded
        dom = tab.content()
        assert console == []
    built = page.read_text(encoding="utf-8").count('<div class="arithmatex">')
    assert dom.count('class="katex-display"') == built > 5
    assert "katex-error" not in dom
    text = html.unescape(re.sub(r"<annotation.*?</annotation>|<[^>]+>", "", dom, flags=re.DOTALL))
    assert "\\[" not in text
    assert "\\(" not in text
