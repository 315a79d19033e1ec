"""The reader's path to a live explorer, in a real browser, offline.

The book is built as the README says (that build also writes the JupyterLite site into
`_build/html/lite`), served on 127.0.0.1 and opened in Debian's Chromium (Playwright):

* every chapter page offers a JupyterLite launch button, and every explorer cell a "Run
  this explorer live in your browser" link, both leading to notebooks the site holds;
* the launch button of a chapter opens its notebook in JupyterLite, the kernel (Pyodide)
  starts and the chapter's install cell runs;
* for every explorer of every chapter: click its link, run the notebook, wait for the
  figure, move a control and see a different figure, with every request that leaves the
  machine blocked and no console error (tests/live_reader.py).

Screenshots of every explorer after the move go to $ATTNRMT_SCREENSHOTS (default
_build/screenshots). Without Chromium or the MathJax copy these tests skip, except under
CI=true, where they fail (conftest.browser).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import pytest

from conftest import ROOT, route_offline, toc_files
from live_reader import new_context, run_explorer

SCREENSHOTS = Path(os.environ.get("ATTNRMT_SCREENSHOTS") or ROOT / "_build" / "screenshots")


def _extension():
    spec = importlib.util.spec_from_file_location(
        "attnrmt_live_explorers", ROOT / "_ext" / "live_explorers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LIVE = _extension()
CHAPTERS = [name for name in toc_files() if (ROOT / f"{name}.ipynb").is_file()]
# (chapter, index of the live link on its page, the explorer notebook's name)
EXPLORERS = []
for _name in CHAPTERS:
    _used = set()
    _cells = LIVE.explorer_cells(json.loads((ROOT / f"{_name}.ipynb").read_text()))
    for _k, (_index, _names) in enumerate(_cells):
        EXPLORERS.append((_name, _k, LIVE.explorer_stem(Path(_name).name, _names, _used)))


def _lite_target(page: Path, href: str) -> tuple[Path, str]:
    """The JupyterLite page a link opens, and the notebook it asks for (?path=)."""
    parts = urlsplit(href)
    return (page.parent / unquote(parts.path)).resolve(), parse_qs(parts.query)["path"][0]


def _assert_lite_notebook(html_dir: Path, app: Path, path: str, where: str):
    assert app == (html_dir / "lite" / "notebooks" / "index.html").resolve(), (
        f"{where}: the link leads to {app}, not to the site's JupyterLite notebook app")
    assert app.is_file(), f"{where}: {app} was not built"
    assert (html_dir / "lite" / "files" / path).is_file(), (
        f"{where}: JupyterLite holds no {path}")


def test_the_site_runs_on_the_verified_pyodide(html_dir):
    lite = html_dir / "lite"
    config = json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    assert (lite / "static" / "pyodide" / "NOTICE.md").is_file()
    wheels = {p.name.split("-")[0] for p in (lite / "pypi").glob("*.whl")}
    assert {"attnrmt_lib", "ipywidgets", "comm"} <= wheels, wheels
    names = {e["name"] for e in config["federated_extensions"]}
    assert names == {"@jupyterlite/pyodide-kernel-extension",
                     "@jupyter-widgets/jupyterlab-manager"}, names


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_a_jupyterlite_launch_button(html_dir, name):
    page = html_dir / f"{name}.html"
    hrefs = re.findall(r'<a href="([^"]+)"[^>]*\n?[^>]*title="Launch via JupyterLite"',
                       page.read_text(encoding="utf-8"))
    assert len(hrefs) == 1, f"{name}: {len(hrefs)} JupyterLite launch buttons"
    app, path = _lite_target(page, hrefs[0])
    assert path == f"{name}.ipynb", f"{name}: the launch button opens {path}"
    _assert_lite_notebook(html_dir, app, path, name)


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_explorer_cell_has_a_live_link(html_dir, name):
    page = html_dir / f"{name}.html"
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<p class="attnrmt-live-link"><a href="([^"]+)"', html)
    expected = [stem for chapter, _, stem in EXPLORERS if chapter == name]
    assert [_lite_target(page, h)[1] for h in links] == [
        f"{LIVE.EXPLORER_FOLDER}/{stem}.ipynb" for stem in expected], name
    for href in links:
        _assert_lite_notebook(html_dir, *_lite_target(page, href), name)
        notebook = json.loads((html_dir / "lite" / "files" / _lite_target(page, href)[1])
                              .read_text())
        first = "".join(notebook["cells"][1]["source"])
        assert "emscripten" in first and "%pip install" in first, (
            f"{href}: the explorer notebook must start with the chapter's install cell")


def test_launch_button_starts_the_kernel_and_installs_the_book(browser, server):
    """The chapter-level path: launch button → chapter notebook → its install cell runs."""

    class Seen:
        errors: list = []
        external: list = []

    seen = Seen()
    name = CHAPTERS[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    route_offline(context, server, seen)
    context.on("page", lambda p: p.on(
        "console", lambda m: m.type == "error" and seen.errors.append(m.text)))
    try:
        page = context.new_page()
        page.goto(urljoin(server, f"{name}.html"), wait_until="load")
        launch = page.locator(".dropdown-launch-buttons").first
        launch.locator("button").click()
        with context.expect_page() as opened:
            # (Bootstrap moves the title into a tooltip, so find the button by its target.)
            launch.locator('a[href*="lite/notebooks/index.html"]').click()
        lite = opened.value
        lite.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        lite.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
        start = time.perf_counter()
        lite.keyboard.press("Shift+Enter")
        prompt = lite.locator(".jp-CodeCell .jp-InputArea-prompt").first
        deadline = time.perf_counter() + 240
        while time.perf_counter() < deadline and not re.match(r"\[\d+\]", prompt.inner_text()):
            lite.wait_for_timeout(200)
        text = prompt.inner_text()
        outputs = lite.locator(".jp-CodeCell .jp-OutputArea").first.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        lite.screenshot(path=str(SCREENSHOTS / "live-launch-button.png"))
    finally:
        context.close()
    assert re.match(r"\[1\]", text), f"the install cell did not run: prompt {text!r}"
    assert "Traceback" not in outputs and "Error" not in outputs, outputs[-2000:]
    assert not seen.external, f"requests left the machine: {seen.external}"
    assert not seen.errors, seen.errors
    print(f"install cell of {name}: {time.perf_counter() - start:.1f} s")


@pytest.fixture(scope="module")
def reader_profile(browser):
    """One browser profile for all explorers: the first opens cold, the others find Pyodide
    in the browser cache, as a reader going from one explorer to the next does."""
    context = new_context(browser)
    yield context
    context.close()


# Every explorer of every chapter (eleven runs of about 13 s, most of it starting Pyodide).
@pytest.mark.parametrize("chapter,link,stem", EXPLORERS, ids=[e[2] for e in EXPLORERS])
def test_explorer_runs_live_and_redraws_when_a_control_moves(browser, server, reader_profile,
                                                             chapter, link, stem):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run = run_explorer(browser, server, chapter, link, context=reader_profile,
                       screenshot=SCREENSHOTS / f"live-{stem}.png")
    assert not run.external, f"{stem}: requests left the machine: {run.external}"
    assert not run.errors, f"{stem}:\n" + "\n".join(run.errors)
    assert run.url.endswith(f"path={LIVE.EXPLORER_FOLDER}/{stem}.ipynb"), run.url
    assert "Traceback" not in run.outputs, f"{stem}: {run.outputs[-3000:]}"
    assert run.first_figure is not None, f"{stem}: no figure after Run All"
    assert run.changed, f"{stem}: moving {run.moved} did not change the figure"
    print(f"{stem}: first figure {run.first_figure:.1f} s after the click, "
          f"{run.moved} redrawn in {run.move_seconds:.2f} s")
