"""The book builds offline with warnings as errors and every chapter executed.

This is the README's build command (jupyter-book build . -W -n --keep-going) run into a
temporary folder, so `python -m pytest` fails whenever the rendered book would.
"""

import re

from conftest import toc_files

def test_every_toc_page_is_rendered(built_book):
    for name in toc_files():
        assert (built_book / f"{name}.html").is_file(), name


def test_chapters_have_captioned_figures_and_exercises(built_book):
    for name in toc_files():
        if not name.startswith("chapters/"):
            continue
        html = (built_book / f"{name}.html").read_text()
        figures = re.findall(r'<figure[^>]*id="fig-[^"]+"', html)
        captions = re.findall(r"<figcaption>", html)
        assert figures and len(captions) >= len(figures), name
        assert len(re.findall(r'class="exercise admonition', html)) >= 3, name
        assert "dropdown" in html, name
        # Executed: figures are images produced by the build, not placeholders.
        assert re.search(r'<img[^>]+src="\.\./_images/[0-9a-f]+\.png"', html), name
