"""Every chapter as a reader meets it in JupyterLab, in a real browser.

One JupyterLab server on 127.0.0.1 (its config, data, runtime, settings and workspace
folders in a temporary folder; ``--allow-root`` when run as root) serves a copy of the
chapters; one headless Debian Chromium (Playwright, the session's ``browser`` fixture)
opens each chapter at 1280 × 800 with the file browser open, runs all cells and then, for
every explorer:

- moves each control one step (a key press on a slider, another option of a drop-down)
  and requires a new figure on screen;
- requires the layout to hold at that size: every slider track at least 150 px wide, no
  readout or label cut off, a tooltip on every control.

On every chapter: no cell raises, no console error (two foreign ones are filtered, see
``lab_driver.FOREIGN_ERRORS`` and ``lab_driver.MISSING_TARGET``), no raw MyST (roles,
directive fences, macro definitions) in the rendered text, and every solution collapsed.
A reader notebook (``notebooks/``, what Binder, Colab and the download button hand out) is
opened too, without running it: no raw MyST and no open solution there either.

The notebooks JupyterLab holds are copies (and autosave is off), so nothing is written to
the repository: the test checks the chapters' bytes before and after. The server is
stopped by its PID. Latency is not asserted here: ``benchmarks/widgets.py`` measures it on
the same path.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import ROOT, chromium_path, launch_chromium, toc_files, unavailable  # noqa: E402
from lab_driver import (  # noqa: E402
    RAW_MYST,
    JupyterLab,
    NotebookPage,
    book_labels,
    foreign,
)

CHAPTERS = [f for f in toc_files() if f.startswith("chapters/")]
READERS = [f"notebooks/{c}.ipynb" for c in CHAPTERS if (ROOT / "notebooks" / f"{c}.ipynb").is_file()]
SCREENSHOTS = Path(os.environ.get("ATTNRMT_SCREENSHOTS") or ROOT / "_build" / "screenshots") / "jupyterlab"
MIN_TRACK_PX = 150
LABELS = book_labels((ROOT / "chapters").glob("*.ipynb"))


def _digest(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def gated_solution_cells(notebook: dict) -> list[int]:
    """Indices of the cells strictly inside a {solution-start} … {solution-end} block."""
    import re

    inside, found = False, []
    for i, cell in enumerate(notebook["cells"]):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        markers = re.findall(r"^[`:]{3,}\{solution-(start|end)\}", src, re.M) \
            if cell["cell_type"] == "markdown" else []
        if inside and not markers:
            found.append(i)
        for m in markers:
            inside = m == "start"
    return found


@pytest.fixture(scope="module")
def lab_browser(request):
    """Debian's Chromium under Playwright (no MathJax copy needed: JupyterLab ships its own)."""
    if chromium_path() is None:
        unavailable("Chromium is not installed (apt-get install -y chromium)")
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        unavailable("JupyterLab is not installed (requirements.txt)")
    chromium = launch_chromium(request.getfixturevalue("playwright_driver"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def lab(lab_browser):
    browser = lab_browser
    sources = [ROOT / f"{c}.ipynb" for c in CHAPTERS] + [ROOT / r for r in READERS_IN_LAB]
    before = _digest(sources)
    started = time.monotonic()
    with JupyterLab(sources) as server:
        page = NotebookPage(browser, server)
        try:
            yield page
        finally:
            page.close()
            copies = _digest(server.root / p.relative_to(ROOT) for p in sources)
    print(f"\nJupyterLab session: {time.monotonic() - started:.0f} s")
    assert _digest(sources) == before, "the chapters changed while JupyterLab had them open"
    unchanged = {str(server.root / Path(k).relative_to(ROOT)): v for k, v in before.items()}
    assert copies == unchanged, "JupyterLab saved a notebook (autosave must stay off)"


@pytest.fixture(scope="module")
def visits(lab):
    """Each chapter opened, run and explored once: {chapter: what was seen}."""
    return {}


def visit(lab: NotebookPage, chapter: str, visits: dict) -> dict:
    if chapter in visits:
        return visits[chapter]
    notebook = json.loads((ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    seen = {"errors": [], "moves": [], "layout": [], "console": [], "raw": [], "open": [],
            "explorers": [], "failure": None}
    visits[chapter] = seen
    started = time.monotonic()
    try:
        lab.open(f"{chapter}.ipynb")
        explore(lab, chapter, notebook, seen)
    except Exception as exc:  # noqa: BLE001 - every test of the chapter reports it
        seen["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            lab.close_notebook()  # shuts the kernel down, whatever happened
        except Exception:  # noqa: BLE001 - nothing open
            pass
    print(f"\n{chapter}: {time.monotonic() - started:.0f} s in JupyterLab "
          f"(Run All {seen.get('run_s', 0):.0f} s)")
    return seen


def explore(lab: NotebookPage, chapter: str, notebook: dict, seen: dict) -> None:
    # As opened, every cell inside a multi-cell solution is collapsed. Running a cell shows
    # a markdown cell and a code cell's outputs again (JupyterLab's design), so after Run
    # All only the solutions' code is required to stay collapsed.
    solution = set(gated_solution_cells(notebook))
    for cell in lab.cells():
        if cell["index"] in solution and not cell["inputHidden"]:
            seen["open"].append(f"cell {cell['index']} (inside a solution) is shown on opening")
    started = time.monotonic()
    seen["errors"] = lab.run_all(timeout=600)
    seen["run_s"] = time.monotonic() - started
    explorers = lab.explorers()
    if explorers:
        lab.wait_for_figures()
    seen["explorers"] = explorers
    for ex in explorers:
        for control in ex.controls:
            if control.kind == "slider" and (control.track or 0) < MIN_TRACK_PX:
                seen["layout"].append(f"{ex.name}: the track of {control.label!r} is "
                                      f"{control.track:.0f} px wide")
            if control.readout and control.readout["clipped"]:
                seen["layout"].append(f"{ex.name}: the readout of {control.label!r} is cut off "
                                      f"({control.readout['text']!r})")
            if control.label_clipped:
                seen["layout"].append(f"{ex.name}: the label {control.label!r} is cut off")
            if not control.tooltip:
                seen["layout"].append(f"{ex.name}: {control.label!r} has no tooltip")
        lab.screenshot(SCREENSHOTS / f"{chapter.replace('/', '__')}-{ex.name}.png", ex.index)
        for control in ex.controls:
            before = lab.signature(ex.index)
            try:
                seconds = lab.move(control)
            except Exception as exc:  # noqa: BLE001 - reported, the other controls go on
                seen["moves"].append((ex.name, control.label, None, f"{type(exc).__name__}: {exc}"))
                continue
            after = lab.signature(ex.index)
            seen["moves"].append((ex.name, control.label, seconds,
                                  None if after != before else "the figure did not change"))
    for cell in lab.cells():
        if cell["type"] == "markdown" and not cell["inputHidden"] and cell["text"] is None:
            seen["raw"].append(f"cell {cell['index']}: not rendered (its source is shown)")
        text = cell["text"] or ""
        for m in RAW_MYST.finditer(text):
            seen["raw"].append(f"cell {cell['index']}: {text[max(0, m.start() - 40):m.end() + 40]!r}")
        if cell["openDetails"]:
            seen["open"].append(f"cell {cell['index']}: open {cell['openDetails']}")
    for cell in lab.cells():
        # Running a code cell shows its outputs again (JupyterLab's design); its code stays
        # collapsed. The reader notebooks keep whole solutions collapsed (<details>).
        if cell["index"] in solution and cell["type"] == "code" and not cell["inputHidden"]:
            seen["open"].append(f"code cell {cell['index']} (inside a solution) is shown after Run All")
    seen["console"] = [m for m in lab.console if not foreign(m, LABELS)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_jupyterlab(lab, visits, chapter):
    seen = visit(lab, chapter, visits)
    assert not seen["failure"], f"{chapter} could not be explored in JupyterLab: {seen['failure']}"
    assert not seen["errors"], f"{chapter}: cells failed in JupyterLab:\n" + "\n".join(seen["errors"])
    assert not seen["console"], f"{chapter}: console errors:\n" + "\n".join(seen["console"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_explorers_redraw_when_moved(lab, visits, chapter):
    seen = visit(lab, chapter, visits)
    assert not seen["failure"], f"{chapter} could not be explored in JupyterLab: {seen['failure']}"
    nb = (ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8")
    if "_explorer(" in nb:
        assert seen["explorers"], f"{chapter}: calls an explorer but none appeared"
        assert seen["moves"], f"{chapter}: its explorers have no control to move"
    failed = [f"{name} / {label}: {why}" for name, label, _, why in seen["moves"] if why]
    assert not failed, f"{chapter}: controls that did not redraw:\n" + "\n".join(failed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_explorer_layout_holds_at_1280x800(lab, visits, chapter):
    seen = visit(lab, chapter, visits)
    assert not seen["failure"], f"{chapter} could not be explored in JupyterLab: {seen['failure']}"
    assert not seen["layout"], f"{chapter} at 1280 × 800:\n" + "\n".join(seen["layout"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_raw_myst_and_no_visible_solution(lab, visits, chapter):
    seen = visit(lab, chapter, visits)
    assert not seen["failure"], f"{chapter} could not be explored in JupyterLab: {seen['failure']}"
    assert not seen["raw"], f"{chapter}: raw MyST in JupyterLab:\n" + "\n".join(seen["raw"])
    assert not seen["open"], f"{chapter}: solutions visible in JupyterLab:\n" + "\n".join(seen["open"])


# Rendering a long notebook costs about ten seconds here: JupyterLab renders one reader
# notebook, the first chapter's (admonitions, exercises, single- and multi-cell
# solutions, figures, citations); tests/test_reader_notebooks.py checks the text of all.
READERS_IN_LAB = READERS[:1]


@pytest.mark.parametrize("reader", READERS_IN_LAB)
def test_reader_notebook_reads_well_in_jupyterlab(lab, reader):
    lab.open(reader, kernel=False)
    try:
        cells = lab.cells()
        console = [m for m in lab.console if not foreign(m, LABELS)]
    finally:
        lab.close_notebook()
    raw = [f"cell {c['index']}: {m.group(0)!r}" for c in cells for m in RAW_MYST.finditer(c["text"] or "")]
    unrendered = [f"cell {c['index']}" for c in cells if c["type"] == "markdown" and c["text"] is None]
    opened = [f"cell {c['index']}" for c in cells if c["openDetails"]]
    assert not raw, f"{reader}: raw MyST:\n" + "\n".join(raw)
    assert not unrendered, f"{reader}: markdown cells left unrendered: {unrendered}"
    assert not opened, f"{reader}: solutions shown open: {opened}"
    assert not console, f"{reader}: console errors:\n" + "\n".join(console)


def test_reader_notebook_solutions_are_collapsed_details():
    """What the check above relies on: solutions are <details> blocks, closed."""
    for reader in READERS:
        nb = json.loads((ROOT / reader).read_text(encoding="utf-8"))
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        assert "<details open" not in text, reader
        if "{solution" in (ROOT / f"{reader.removeprefix('notebooks/')}").read_text(encoding="utf-8"):
            assert "<details>" in text and "Solution to" in text, reader
