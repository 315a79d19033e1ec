"""Run the explorers live in the reader's browser: the book's JupyterLite site (Pyodide).

Three things, on top of jupyterlite-sphinx (which runs ``jupyter lite build`` at the end of
the HTML build into ``_build/html/lite``):

1. **What the site runs on**, staged in the build folder, never in the source tree: the
   config files of ``lite/`` (``jupyter-lite.json``, ``overrides.json``), and Pyodide with
   its verified package files and the piplite wheels (``lite/build.py``, offline).
2. **What the site opens**: every chapter notebook of the table of contents (the chapter's
   launch button opens it), and one small notebook per explorer (the chapter's install
   cell, then the explorer's own cell), so that a reader who only wants the sliders does
   not run the whole chapter first.
3. **The links**: the theme's JupyterLite launch button on every notebook page, made
   relative to the page (so the site works under any path prefix, e.g. a GitHub project
   page), and a "Run this explorer live in your browser" link under each explorer cell.

An explorer cell is a code cell that calls a ``*_explorer(...)`` function of
``attnrmt_lib.widgets``; the chapters tag it ``remove-output`` after the static figure.
"""

from __future__ import annotations

import importlib.util
import json
import posixpath
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes

LITE_APP = "lite/notebooks/index.html"  # relative to the site root
EXPLORER_FOLDER = "explorers"  # in the JupyterLite file system, beside chapters/
LIVE_TEXT = "▶ Run this explorer live in your browser"
CALL = re.compile(r"^(?!\s*(?:from|import)\b).*?\b([A-Za-z_]\w*_explorer)\s*\(", re.M)
CONFIG_FILES = ("jupyter-lite.json", "overrides.json", "jupyter_lite_config.json")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def explorer_cells(notebook: dict) -> list[tuple[int, list[str]]]:
    """(cell index, explorer names called) of each explorer cell, in order."""
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        names = list(dict.fromkeys(CALL.findall(_source(cell))))
        if names:
            found.append((index, names))
    return found


def explorer_stem(chapter: str, names: list[str], used: set[str]) -> str:
    stem = f"{chapter}-{names[0].removesuffix('_explorer')}"
    candidate, k = stem, 2
    while candidate in used:
        candidate, k = f"{stem}-{k}", k + 1
    used.add(candidate)
    return candidate


def _cell(kind: str, text: str, **metadata) -> dict:
    cell = {"cell_type": kind, "metadata": metadata, "source": text.splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def explorer_notebook(notebook: dict, index: int, names: list[str], chapter_title: str,
                      chapter_page: str) -> dict:
    """A notebook with the chapter's install cell and one explorer cell, for JupyterLite."""
    cells = notebook["cells"]
    install = next(c for c in cells if c.get("cell_type") == "code")
    code = _source(cells[index])
    missing = [n for n in names if not re.search(rf"\bimport\b[^\n]*\b{n}\b", code)]
    if missing:
        code = f"from attnrmt_lib.widgets import {', '.join(missing)}\n\n{code}"
    intro = (
        f"# {', '.join(names)}\n\n"
        f"The explorer of [{chapter_title}](../../{chapter_page}), running in your browser: "
        "Python here is Pyodide (CPython compiled to WebAssembly), nothing is installed and "
        "no server is involved.\n\n"
        "**Run all cells** (menu *Run → Run All Cells*), then move the "
        "sliders. The first start loads Python and its packages (about 75 MB; the browser "
        "caches them for later visits)."
    )
    return {
        "cells": [_cell("markdown", intro),
                  _cell("code", _source(install), jupyter={"source_hidden": True}),
                  _cell("code", code)],
        "metadata": {
            "kernelspec": {"display_name": "Python (Pyodide)", "language": "python",
                           "name": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _title(notebook: dict, default: str) -> str:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#\s+(.+)$", _source(cell), re.M)
            if m:
                return m.group(1).strip()
    return default


# ---------------------------------------------------------------------- Sphinx events

def _staging(app) -> tuple[Path, Path]:
    base = Path(app.outdir).parent
    return base / "lite_src", base / "lite_contents"


def _lite_build(lite_dir: Path):
    """lite/build.py as a module (not on sys.path: `build` is also PyPA's package name)."""
    spec = importlib.util.spec_from_file_location("attnrmt_lite_build", lite_dir / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and exceptions need their module
    spec.loader.exec_module(module)
    return module


def stage_site(app, env, *args):
    """After reading: stage the lite dir and the contents, point jupyterlite-sphinx at them."""
    if app.builder.format != "html":
        return
    lite_build = _lite_build(Path(app.srcdir) / app.config.live_explorers_lite_dir)
    lite_src, contents = _staging(app)
    for folder in (lite_src, contents):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    source = Path(app.srcdir) / app.config.live_explorers_lite_dir
    for name in CONFIG_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, lite_src / name)
    try:
        summary = lite_build.assemble(lite_src)
    except lite_build.AssemblyError as exc:
        raise RuntimeError(f"live explorers: {exc}") from exc

    explorers = {}
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        target = contents / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        # The launch button opens the reader notebook where there is one (roles resolved,
        # solutions collapsed: _ext/reader_notebooks.py), as Binder and Colab do.
        folder = getattr(app.config, "reader_notebooks_dir", "")
        reader = Path(app.srcdir) / folder / f"{docname}.ipynb" if folder else None
        shutil.copy2(reader if reader and reader.is_file() else path, target)
        used, chapter = set(), posixpath.basename(docname)
        title = _title(notebook, chapter)
        page = app.builder.get_target_uri(docname)
        for index, names in explorer_cells(notebook):
            stem = explorer_stem(chapter, names, used)
            lite_path = f"{EXPLORER_FOLDER}/{stem}.ipynb"
            out = contents / lite_path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(explorer_notebook(notebook, index, names, title, page),
                                      indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            explorers.setdefault(docname, {})[index] = lite_path
    app.env.live_explorers = explorers
    app.config.jupyterlite_dir = str(lite_src)
    if (lite_src / "jupyter_lite_config.json").is_file():
        app.config.jupyterlite_config = str(lite_src / "jupyter_lite_config.json")
    app.config.jupyterlite_content_dir = str(contents)
    app.config.jupyterlite_contents = None
    n = sum(len(v) for v in explorers.values())
    print(f"[live explorers] Pyodide with {len(summary['packages'])} verified packages, "
          f"{n} explorer notebooks")


def _to_root(app, docname: str) -> str:
    depth = app.builder.get_target_uri(docname).count("/")
    return "../" * depth


def link_explorers(app, doctree, docname):
    """Put a "run live" link under every explorer cell of the page."""
    cells = getattr(app.env, "live_explorers", {}).get(docname)
    if not cells:
        return
    for node in list(doctree.findall(nodes.container)):
        if node.get("nb_element") != "cell_code":
            continue
        lite_path = cells.get(node.get("cell_index"))
        if lite_path is None:
            continue
        url = f"{_to_root(app, docname)}{LITE_APP}?path={lite_path}"
        # A new tab, as the theme's launch buttons do: the page stays open while Python starts.
        link = nodes.raw("", f'<p class="attnrmt-live-link"><a href="{url}" target="_blank" '
                             f'rel="noopener">{LIVE_TEXT}</a></p>\n', format="html")
        node.parent.insert(node.parent.index(node) + 1, link)


def relative_launch_button(app, pagename, templatename, context, doctree):
    """sphinx-book-theme reads one jupyterlite_url for every page: make it this page's."""
    buttons = app.config.html_theme_options.get("launch_buttons") or {}
    if "jupyterlite_url" in buttons:
        buttons["jupyterlite_url"] = _to_root(app, pagename) + LITE_APP


def keep_stylesheets_local(app, config):
    """Drop stylesheets from other hosts: jupyterlite-sphinx adds a web font (for a logo this
    book does not show) to every page, which would make every reader's browser ask a font
    host. Runs after every extension's setup, before the HTML builder reads the list."""
    app.registry.css_files[:] = [(name, attrs) for name, attrs in app.registry.css_files
                                 if not re.match(r"(https?:)?//", name)]


def setup(app):
    app.add_config_value("live_explorers_lite_dir", "lite", "html")
    app.connect("config-inited", keep_stylesheets_local)
    app.connect("env-updated", stage_site)
    app.connect("doctree-resolved", link_explorers)
    # Before sphinx-book-theme's add_launch_buttons (priority 501).
    app.connect("html-page-context", relative_launch_button, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
