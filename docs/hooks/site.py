"""The site's build: the gallery's pages rendered by lstm_latex when the site is built, the pictures
of samples/ beside them, and KaTeX from node_modules (`make katex`) served with the site, so that
a page needs nothing from the network. MkDocs calls ``on_files`` once per build (mkdocs.yml's hooks)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

import lstm_latex
from lstm_latex.generate import NetworkSpec
from lstm_latex.worksheet import drawn_variants, make_worksheet

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
KATEX = ROOT / "node_modules" / "katex" / "dist"

# The gallery's derivations: a page each, of the sample it derives (docs/gallery/index.md says which).
DERIVATIONS = {
    "lstm": "seed.json",
    "gru": "gru.json",
    "rnn-tanh": "rnn_tanh.json",
    "rnn-relu": "rnn_relu.json",
    "backward": "lstm_backward.json",
}
WORKSHEET_SEED = 2026  # make worksheet's sample: an LSTM exercise with a target


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, sample in DERIVATIONS.items():
        derivation = lstm_latex.derive(lstm_latex.load(SAMPLES / sample), check=None)  # as `render` does
        files.append(File.generated(config, f"gallery/{name}.md", content=lstm_latex.render(derivation, "markdown")))
    worksheet = make_worksheet(
        drawn_variants(NetworkSpec(target=True), WORKSHEET_SEED, None, None), output_format="markdown"
    )
    files.append(File.generated(config, "gallery/worksheet.md", content=worksheet.sheet))
    files.append(File.generated(config, "gallery/worksheet-key.md", content=worksheet.key))
    for picture in (*SAMPLES.glob("*.png"), *SAMPLES.glob("worksheet/*.png")):
        uri = picture.relative_to(ROOT).as_posix()
        files.append(File.generated(config, uri, abs_src_path=str(picture)))
    if not (KATEX / "katex.min.js").is_file():
        raise PluginError("KaTeX is not installed: run `make katex` (node and npm)")
    for asset in (KATEX / "katex.min.css", KATEX / "katex.min.js", KATEX / "contrib" / "auto-render.min.js"):
        files.append(File.generated(config, f"katex/{asset.relative_to(KATEX).as_posix()}", abs_src_path=str(asset)))
    for font in (KATEX / "fonts").glob("*.woff2"):
        files.append(File.generated(config, f"katex/fonts/{font.name}", abs_src_path=str(font)))
    return files
