"""The derivation as one web page (-o derivation.html, --format html): HTML text, the same parts
as the document, KaTeX and its fonts inside it, and, in Debian's Chromium driven by Playwright,
every formula typeset, no console message, sections, steps and gates that fold, and every entry a
step computes pointed at with the keyboard and the mouse."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser import at_rest, opened, tabbed
from click.testing import CliRunner
from conftest import ROOT, SEED

import lstm_latex.html
from lstm_latex.cli import main

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = ROOT / "build" / "test-html"  # the browser tests' screenshot, kept for a reader


def needs_katex() -> None:
    if not (lstm_latex.html.KATEX / "katex.min.js").is_file():
        pytest.skip("the package carries no KaTeX: run `make katex` (needs node and npm)")


def rendered(tmp_path: Path, *args: str, name: str = "seed.html") -> str:
    needs_katex()
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "-o", str(tmp_path / name), *args])
    assert result.exit_code == 0, result.output
    return (tmp_path / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    rendered(folder)
    return folder / "seed.html"


def test_an_html_name_gets_one_page_with_html_text(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">\n')
    assert text.rstrip().endswith("</html>")
    assert "<h1>A worked LSTM forward pass</h1>" in text
    assert "<h2>The network</h2>" in text
    assert "<h2>Step $t = 1$</h2>" in text
    assert '<details class="part" open>\n<summary>Input gate</summary>' in text
    assert "<p>The derivation follows <code>torch.nn.LSTM</code> step by step" in text
    assert '<tr><th scope="row">hidden size</th><td>4</td></tr>' in text
    body = text[text.index("<main>") : text.index("</main>")]
    assert not re.search(
        r"^#|^\*\*|^- |\$\$|\\begin\{align\*\}", body, flags=re.MULTILINE
    )  # no Markdown, no LaTeX's own


def test_the_format_is_named_or_chosen_by_the_name(tmp_path: Path) -> None:
    by_name = rendered(tmp_path, name="a.htm")
    assert rendered(tmp_path, "--format", "html", name="b.html") == by_name
    result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.stdout == by_name


def test_the_page_fetches_nothing_katex_and_its_woff2_fonts_are_inside(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<[^>]*\s(src|href)\s*=", re.sub(r"<script>.*?</script>", "", text, flags=re.DOTALL))
    assert re.findall(r"url\((?!data:)", text) == []
    fonts = re.findall(r"url\(data:font/woff2;base64,", text)
    assert len(fonts) == len(list((lstm_latex.html.KATEX / "fonts").glob("*.woff2"))) == 20
    assert 'format("woff")' not in text
    assert 'format("truetype")' not in text
    assert text.count("<script>") == 2  # KaTeX, and the page's own
    assert len(text.encode()) < 700_000  # BENCHMARKS.md: KaTeX 644 KB, the derivation 15 KB


def test_the_same_numbers_as_the_markdown(tmp_path: Path) -> None:
    page = rendered(tmp_path)
    markdown = rendered(tmp_path, name="seed.md")
    numbers = re.compile(r"-?\d+\.\d{4}")
    assert numbers.findall(html.unescape(page[page.index("<main>") : page.index("</main>")])) == numbers.findall(
        markdown
    )


def test_user_text_is_literal_html(tmp_path: Path) -> None:
    page = rendered(tmp_path, "--title", "<b>Costs</b> & $5 \\emph")
    assert '<h1>&lt;b&gt;Costs&lt;/b&gt; &amp; <span class="literal">$</span>5 \\emph</h1>' in page
    assert "<title>&lt;b&gt;Costs&lt;/b&gt; &amp; $5 \\emph</title>" in page


def test_without_katex_the_page_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lstm_latex.html, "KATEX", tmp_path / "nowhere")
    lstm_latex.html.katex.cache_clear()
    try:
        result = CliRunner().invoke(main, ["render", str(SEED), "--no-check", "-o", str(tmp_path / "a.html")])
    finally:
        lstm_latex.html.katex.cache_clear()
    assert result.exit_code == 1
    assert result.output.startswith("Error: the HTML page carries KaTeX, which this copy of lstm-latex lacks")
    assert "make katex" in result.output
    assert not (tmp_path / "a.html").exists()


@pytest.fixture(scope="module")
def seed(browser: Browser, page: Path) -> Iterator[tuple[Page, list[str], str]]:
    """The seed's page in Chromium, once for the tests that read it, point at it and walk it with
    the keyboard (each from the page at rest): the page, its console, and its DOM as loaded."""
    with opened(browser, page) as (tab, console):
        yield tab, console, tab.content()


@pytest.mark.katex
@pytest.mark.browser
def test_in_chromium_every_formula_is_typeset_and_nothing_is_left_as_tex(
    page: Path, seed: tuple[Page, list[str], str]
) -> None:
    _, console, dom = seed
    assert console == []
    source = page.read_text(encoding="utf-8")
    displays = source.count('<div class="display">')
    inline = sum(line.count("$") // 2 for line in source[source.index("<main>") : source.index("</main>")].splitlines())
    assert dom.count('class="katex-display"') == displays > 10
    assert dom.count('<span class="katex">') == displays + inline
    assert "katex-error" not in dom[dom.index("<main>") : dom.index("</main>")]
    main_text = re.sub(
        r"<annotation.*?</annotation>|<[^>]+>", "", dom[dom.index("<main>") : dom.index("</main>")], flags=re.DOTALL
    )
    assert "$" not in main_text
    assert "\\" not in html.unescape(main_text)


STOPS = "main summary, main .computed"  # what the keyboard's Tab reaches on the page, in the page's order

# What the keyboard's focus (or, hovered, the mouse) points at, and what is lit: its place in
# STOPS, its chain (the place of its display among those a chain marks), its place in the display,
# the entries lit as pointed and as operands, and the line under its display.
POINTED = """({ stops, hovered }) => {
  const at = hovered ? document.querySelector("main .computed:hover") : document.activeElement;
  if (!at) return null;
  const chains = [...document.querySelectorAll("main .display")].filter((d) => d.querySelector(".computed"));
  const display = at.closest(".display");
  return {
    stop: [...document.querySelectorAll(stops)].indexOf(at),
    chain: chains.indexOf(display),
    at: at.dataset.place ?? null,
    pointed: [...document.querySelectorAll(".pointed")].map((e) => e.dataset.place),
    operands: [...document.querySelectorAll(".operand")].map((e) => e.dataset.place).sort(),
    line: display ? display.nextElementSibling.textContent : null,
  };
}"""


@pytest.fixture(scope="module")
def tabbed_seed(seed: tuple[Page, list[str], str]) -> list[dict[str, Any]]:
    """The seed's page walked with the keyboard's Tab, from its top, once for every stop it has."""
    tab = seed[0]
    return tabbed(tab, tab.locator(STOPS).count(), POINTED, {"stops": STOPS, "hovered": False})


@pytest.mark.katex
@pytest.mark.browser
def test_in_chromium_sections_steps_and_gates_fold_by_keyboard_and_mouse(
    seed: tuple[Page, list[str], str], tabbed_seed: list[dict[str, Any]]
) -> None:
    tab, console, _ = seed
    # Tab reaches every summary and every computed entry, one after another, and nothing else
    assert [stop["stop"] for stop in tabbed_seed] == list(range(len(tabbed_seed)))
    assert tab.evaluate(FOLDS) == {
        "sections": ["The network", "Parameters", "Step t=1t = 1t=1", "Results"],
        "parts": [
            "Equations",
            *["Input gate", "Forget gate", "Cell candidate", "Output gate"] * 2,
            "Cell state",
            "Hidden state",
        ],
        "open": True,
    }
    at_rest(tab)
    step = tab.locator("main details.section:has(> summary > [data-step])")
    gate = step.locator("details.part").first
    shown = "(details) => [details.open, details.querySelector('.katex-display').checkVisibility()]"
    step.locator("> summary").focus()
    folded = []
    for key in ("Enter", "Space"):  # the step's summary: Enter folds it, Space unfolds it
        tab.keyboard.press(key)
        folded.append(step.evaluate(shown))
    for _ in range(2):  # a gate's summary, clicked twice
        gate.locator("> summary").click()
        folded.append(gate.evaluate(shown))
    assert folded == [[False, False], [True, True], [False, False], [True, True]]
    at_rest(tab)
    assert console == []


FOLDS = """() => {
  const main = document.querySelector("main");
  return {
    sections: [...main.querySelectorAll("details.section > summary > h2")].map((h) => h.textContent),
    parts: [...main.querySelectorAll("details.part > summary")].map((s) => s.textContent),
    open: [...main.querySelectorAll("details")].every((d) => d.open),
  };
}"""


@pytest.mark.katex
@pytest.mark.browser
def test_a_screenshot_of_the_page_is_kept(seed: tuple[Page, list[str], str]) -> None:
    tab = seed[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "seed.png"
    screenshot.unlink(missing_ok=True)
    at_rest(tab)
    tab.screenshot(path=screenshot)
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    print(f"screenshot: {screenshot}")


def operands(chain: int, at: str) -> list[str]:
    """The places (matrix, row, column) an entry of the seed's step (2 inputs, 4 hidden units,
    biases) is computed from, in the display of the step's chain (0 to 3 a gate's, 4 the cell
    state's, 5 the hidden state's), its matrices in the display's order."""
    m, k, _ = map(int, at.split(","))
    gate = {
        # W_i, x, b_i, W_h, h, b_h, W_i x + b_i, W_h h + b_h, their sum z, the activation of z
        6: [(0, k, 0), (0, k, 1), (1, 0, 0), (1, 1, 0), (2, k, 0)],  # row k of W_i, x, b_i's entry k
        7: [*((3, k, j) for j in range(4)), *((4, j, 0) for j in range(4)), (5, k, 0)],
        8: [(6, k, 0), (7, k, 0)],
        9: [(8, k, 0)],
    }
    cell = {
        4: [(0, k, 0), (1, k, 0)],
        5: [(2, k, 0), (3, k, 0)],
        6: [(4, k, 0), (5, k, 0)],
    }  # f, c_0, i, g, f ⊙ c_0, i ⊙ g, c
    hidden = {3: [(1, k, 0)], 4: [(2, k, 0), (3, k, 0)]}  # o, c, o, tanh(c), h
    uses = (gate if chain < 4 else cell if chain == 4 else hidden)[m]
    return sorted(",".join(map(str, place)) for place in uses)


def evaluated(line: str) -> tuple[float, float]:
    """A line's arithmetic (products, sums, powers, 1 − a number, σ or tanh of one) in float, and its result."""
    left, result = line.replace("−", "-").split(" = ")
    python = left.replace("·", "*").replace("²", "**2").replace("σ", "sigmoid")
    assert re.fullmatch(r"[-+*() .0-9]*|(sigmoid|tanh)\([-.0-9]+\)", python), line
    functions = {"sigmoid": lambda z: 1 / (1 + math.exp(-z)), "tanh": math.tanh}
    return float(eval(python, {"__builtins__": {}}, functions)), float(result)


@pytest.mark.katex
@pytest.mark.browser
def test_in_chromium_pointing_at_an_entry_of_a_step_lights_up_exactly_its_operands(
    seed: tuple[Page, list[str], str], tabbed_seed: list[dict[str, Any]]
) -> None:
    """Each entry the seed's step computes, reached by the keyboard's Tab, and found under the mouse."""
    tab, console, _ = seed
    entries = [stop for stop in tabbed_seed if stop["at"] is not None]
    # the seed's one step: four gates, each computing two affine parts, their sum and the activation;
    # the cell state's two products and their sum; tanh(c_1) and h_1: of 4 entries each
    assert [entry["chain"] for entry in entries] == [0] * 16 + [1] * 16 + [2] * 16 + [3] * 16 + [4] * 12 + [5] * 8
    for entry in entries:
        assert entry["pointed"] == [entry["at"]]
        assert entry["operands"] == operands(entry["chain"], entry["at"])
        computed, result = evaluated(entry["line"])
        assert computed == pytest.approx(result, abs=1e-4), entry["line"]
    assert entries[0]["line"] == "−0.3600 · 0.5000 + 0.0300 · 0.1000 + 0.4700 = 0.2930"  # W_ii x_1 + b_ii, first entry
    assert entries[8]["line"] == "0.2930 + (−0.1792) = 0.1138"  # z's first entry: the two affine parts
    assert entries[15]["line"] == "σ(0.1941) = 0.5484"  # i_1's last entry
    assert entries[64]["line"] == "0.3828 · (−0.4700) = −0.1799"  # f_1 ⊙ c_0's first entry
    assert entries[-1]["line"] == "0.5631 · 0.1270 = 0.0715"  # h_1's last entry
    at_rest(tab)
    cells = tab.locator("main .computed")
    assert cells.evaluate_all(COVERED) == []  # the browser finds each entry at its middle, as the mouse would
    for k, entry in enumerate(entries):  # the mouse moved to each display's first and last entry
        if 0 < k < len(entries) - 1 and entries[k - 1]["chain"] == entry["chain"] == entries[k + 1]["chain"]:
            continue
        tab.mouse.move(*cells.nth(k).evaluate(MIDDLE))
        assert tab.evaluate(POINTED, {"stops": STOPS, "hovered": True}) == entry
    tab.mouse.move(1, 1)
    assert tab.evaluate("document.querySelectorAll('.pointed, .operand').length") == 0
    assert console == []


MIDDLE = """(cell) => {
  cell.scrollIntoView({ block: "center" });
  const box = cell.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}"""
# the entries (of those given) that something else lies over at their middle, in the window
COVERED = f"""(cells) => cells
  .filter((cell) => !cell.contains(document.elementFromPoint(...({MIDDLE})(cell))))
  .map((cell) => cell.dataset.place)"""


@contextmanager
def network_page(browser: Browser, tmp_path: Path, new: list[str]) -> Iterator[tuple[Page, list[str]]]:
    """A network ``lstm-latex new`` makes with these options, its page opened in Chromium."""
    network = tmp_path / "network.json"
    made = CliRunner().invoke(main, ["new", *new, "--seed", "7", "-o", str(network)])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(main, ["render", str(network), "--no-check", "-o", str(tmp_path / "network.html")])
    assert result.exit_code == 0, result.output
    with opened(browser, tmp_path / "network.html") as (tab, console):
        yield tab, console


VISIBLE = """() => [...document.querySelectorAll("[data-step]")]
  .filter((h) => h.checkVisibility()).map((h) => h.dataset.step)"""


@pytest.mark.katex
@pytest.mark.browser
def test_in_chromium_a_slider_shows_one_step_of_a_long_sequence(browser: Browser, tmp_path: Path) -> None:
    with network_page(browser, tmp_path, ["--seq-len", "5", "--hidden-size", "1"]) as (tab, console):
        assert tab.evaluate(VISIBLE) == ["1", "2", "3", "4", "5"]
        assert tab.locator(".steps").count() == 1
        slider, said = tab.locator(".steps input"), tab.locator(".steps output")
        slider.focus()
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("ArrowRight")
        assert tab.evaluate(VISIBLE) == ["3"]
        assert [said.text_content(), slider.get_attribute("aria-valuetext")] == ["t = 3", "step t = 3"]
        tab.locator(".steps button").click()
        assert tab.evaluate(VISIBLE) == ["1", "2", "3", "4", "5"]
        slider.focus()
        tab.keyboard.press("End")
        assert tab.evaluate(VISIBLE) == ["5"]
        tab.locator("main details.section:has(> summary > [data-step='5']) > summary").click()  # folded
        assert tab.evaluate("[...document.querySelectorAll('details')].some((d) => !d.open)")
        # printed, every step shows, unfolded, whatever the slider showed (the event print() sends: a
        # page.pdf() sends it too, in a second or two)
        tab.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert tab.evaluate("[...document.querySelectorAll('details')].every((d) => d.open && !d.hidden)")
        assert tab.evaluate(VISIBLE) == ["1", "2", "3", "4", "5"]
        assert said.text_content() == "every step"
        assert console == []


BACKWARD = """() => {
const step = (element) => {
  const heading = element.closest("details.section").querySelector(":scope > summary > *");
  if (heading.dataset.step) return "forward " + heading.dataset.step;
  return heading.dataset.backward ? "backward " + heading.dataset.backward : "sums";
};
const report = {chains: JSON.parse(document.getElementById("chains").textContent).length, entries: []};
report.marked = [...document.querySelectorAll("main .display")].filter((d) => d.querySelector(".computed")).length;
for (const cell of document.querySelectorAll("main .computed")) {
  if (step(cell).startsWith("forward")) continue;
  cell.focus();
  const operands = [...document.querySelectorAll(".operand")]
    .filter((o) => o.closest(".display") !== cell.closest(".display"));
  report.entries.push({
    step: step(cell),
    part: cell.closest("details.part").firstElementChild.textContent,
    line: cell.closest(".display").nextElementSibling.textContent,
    forward: operands.map((o) => [step(o), o.closest("details.part").firstElementChild.textContent, o.textContent]),
  });
  cell.blur();
}
return report;
}"""


@pytest.mark.katex
@pytest.mark.browser
def test_in_chromium_a_gradient_lights_up_the_forward_values_it_uses(browser: Browser, tmp_path: Path) -> None:
    with network_page(browser, tmp_path, ["--seq-len", "2", "--hidden-size", "3", "--target"]) as (tab, console):
        found = tab.evaluate(BACKWARD)
        assert console == []
    assert isinstance(found, dict)
    # a step's four gates and two states forward; its ∂L/∂h_t, four gates and ∂L/∂c_t backward, and
    # what it sends back to step t − 1 (W_hᵀ δ, f_t ⊙ ∂L/∂c_t, W_iᵀ δ to x_t); each gate's sums over
    # the steps (∂L/∂W_i, ∂L/∂W_h, the biases'), and the loss's output − target: every one marked
    assert found["marked"] == found["chains"] == 2 * (6 + 6 + 3) + 4 * 3 + 1
    for entry in found["entries"]:  # within its numbers' rounding: up to half a unit in each factor
        computed, printed = evaluated(entry["line"])
        assert computed == pytest.approx(printed, abs=1e-4 * (1 + entry["line"].count("·"))), entry["line"]
    sent_back = [entry for entry in found["entries"] if entry["part"].startswith("Back to step")]
    loss = [entry for entry in found["entries"] if entry["part"] == "The loss"]
    sums = [entry for entry in found["entries"] if entry["step"] == "sums" and entry not in loss]
    entries = [entry for entry in found["entries"] if entry not in sent_back + sums + loss]
    # output − target, each of its 2 steps by 3 units: the output's entry less the target's, in its display
    assert len(loss) == 2 * 3
    assert [entry["forward"] for entry in loss if entry["forward"]] == []
    # per backward step and unit: ∂L/∂h_t; ∂L/∂o_t, δ_o; ∂L/∂c_t; and ∂L/∂k_t, δ_k of i, f and g
    assert len(entries) == 2 * 3 * (1 + 2 + 1 + 3 * 2)
    for entry in entries:
        t = entry["step"].split()[1]
        assert [step for step, _, _ in entry["forward"]] == [f"forward {t}"] * len(entry["forward"])
        for _, _, value in entry["forward"]:  # a forward value the line's arithmetic reads
            assert f"{value} " in entry["line"] or f"({value})" in entry["line"] or f"{value}²" in entry["line"]
    # which forward values each gradient uses, by the part of the forward step that prints them:
    # ∂L/∂h_t none; ∂L/∂o_t tanh(c_t) (the hidden state's), δ_o o_t; ∂L/∂c_t o_t and tanh(c_t);
    # ∂L/∂i_t g_t, δ_i i_t; ∂L/∂f_t c_{t-1} (the cell state's), δ_f f_t; ∂L/∂g_t i_t, δ_g g_t
    used = [[], ["Hidden state"], ["Output gate"], ["Output gate", "Hidden state"], ["Cell candidate"], ["Input gate"]]
    used += [["Cell state"], ["Forget gate"], ["Input gate"], ["Cell candidate"]]
    per_step = [parts for parts in used for _ in range(3)]  # 3 units
    assert [[part for _, part, _ in entry["forward"]] for entry in entries] == per_step * 2
    assert [entry["step"] for entry in entries] == ["backward 2"] * 30 + ["backward 1"] * 30
    assert entries[3] == {
        "step": "backward 2",
        "part": "Output gate",
        "line": "−0.5446 · (−0.1852) = 0.1009",  # ∂L/∂o_2 = ∂L/∂h_2 ⊙ tanh(c_2), first unit
        "forward": [["forward 2", "Hidden state", "−0.1852"]],
    }
    assert entries[9]["line"] == "0.0000 + (−0.5446) · 0.2410 · (1 − (−0.1852)²) = −0.1268"  # ∂L/∂c_2
    # back to step t − 1, per step: Σ_k W_hkᵀ δ_k (3 units, 4 gates' 3 rows each), f_t ⊙ ∂L/∂c_t
    # (f_t the forward step's), Σ_k W_ikᵀ δ_k to x_t (2 inputs)
    assert [entry["line"].count("·") for entry in sent_back] == ([12] * 3 + [1] * 3 + [12] * 2) * 2
    none: list[tuple[str, str]] = []
    assert [[(step, part) for step, part, _ in entry["forward"]] for entry in sent_back] == [
        forward for t in (2, 1) for forward in [none] * 3 + [[(f"forward {t}", "Forget gate")]] * 3 + [none] * 2
    ]
    assert [entry["part"] for entry in sent_back] == ["Back to step 1"] * 8 + ["Back to step 0"] * 8
    # each gate's sums over the 2 steps: ∂L/∂W_i (3 by 2 entries), ∂L/∂W_h (3 by 3), ∂L/∂b_i, ∂L/∂b_h (3 each)
    assert [entry["part"] for entry in sums] == [
        gate for gate in ("Input gate", "Forget gate", "Cell candidate", "Output gate") for _ in range(6 + 9 + 3 + 3)
    ]
    assert [entry["forward"] for entry in sums if entry["forward"]] == []  # δ_t, x_t, h_{t-1}: in the sum's display


def test_a_number_in_a_line_of_arithmetic_is_printed_as_its_matrix_prints_it(tmp_path: Path) -> None:
    """A GRU with h_0 zero, whose reset gate's preactivation sums −0.1 and 0.1 to 1.4e-17: printed
    0.0000, as its matrix prints it, never as a power of ten, and the chain is marked."""
    needs_katex()
    network = tmp_path / "gru.json"
    made = CliRunner().invoke(main, ["new", "--cell", "gru", "--seq-len", "2", "--hidden-size", "2", "--seed", "7"])
    assert made.exit_code == 0, made.output
    network.write_text(made.stdout, encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(network), "--no-check", "--format", "html"])
    assert result.exit_code == 0, result.output
    found = re.search(r'<script type="application/json" id="chains">(.*?)</script>', result.stdout)
    assert found
    chains = json.loads(found[1])
    # each step's reset and update gates, the new gate's hidden part and its chain, the hidden state
    assert [chain is not None for chain in chains] == [True] * 5 * 2
    reset = chains[0]
    assert reset["matrices"][8] == [["1.1500"], ["0.0000"]]  # z = W_ir x_1 + b_ir + W_hr h_0 + b_hr
    assert reset["entries"][6] == {
        "at": [8, 1, 0],
        "uses": [[6, 1, 0], [7, 1, 0]],
        "arithmetic": "−0.1000 + 0.1000 = 0.0000",
    }
