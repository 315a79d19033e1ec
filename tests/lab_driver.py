"""Drive the chapters in a real JupyterLab, in Chromium, as a reader does.

Shared by ``tests/test_jupyterlab.py`` (behaviour) and ``benchmarks/widgets.py`` (latency),
so that both go down the same path: a JupyterLab server on 127.0.0.1, a notebook opened in
the browser at 1280 × 800 with the file browser open, Run All, then each explorer's
controls moved with the keyboard (sliders) or a selection (drop-downs) and the time taken
until the new figure is on screen.

Nothing is written to the home directory or to the repository: JupyterLab's config, data,
runtime, settings and workspace folders and IPython's folder live in a temporary folder,
and the server's root is a *copy* of the notebooks (so JupyterLab, which marks a notebook
dirty as soon as outputs arrive, can never save over a chapter). Autosave is off as well.
The server is stopped by its PID.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# JupyterLab settings for a quiet, deterministic session: every cell in the DOM (no
# virtual scrolling, so the whole notebook can be read), no autosave, no news or update
# pop-ups over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

# Console errors that are not the book's: jupyterlite-pyodide-kernel (needed to build the
# book's JupyterLite site) installs a JupyterLab extension that only loads inside
# JupyterLite, and JupyterLab logs its failed import on every page.
FOREIGN_ERRORS = [re.compile(r"Shared module @jupyterlite/\S+ doesn't exist in shared scope")]
# jupyterlab-myst reads cross-reference targets from markdown cells only; a chapter's
# figures are labelled in their code cell's metadata (myst-nb), so references to them are
# reported as missing. Any other missing target is an error.
MISSING_TARGET = re.compile(r"Cross reference target was not found: (\S+)")

RAW_MYST = re.compile(
    r"\{(?:numref|eq|cite(?::[pt])?|ref|doc|term|prf:ref|math)\}`"  # roles
    r"|^\s*(?:`{3,}|:{3,})\{[\w:-]+\}"  # directive fences
    r"|\\newcommand|^\([A-Za-z][\w-]*\)=\s*$",  # macro definitions, targets
    re.M,
)

# --- JavaScript run in the page -------------------------------------------------------

JS_NOTEBOOK_STATE = """
() => {
  const nb = window.jupyterapp && jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext) return null;
  const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
  return {path: nb.context.path, kernel: kernel ? kernel.status : null,
          ready: nb.context.isReady, cells: nb.content.widgets.length};
}
"""

JS_RUN_ALL = """
async () => {
  const nb = jupyterapp.shell.currentWidget;
  await nb.sessionContext.ready;
  const ok = await jupyterapp.commands.execute('notebook:run-all-cells');
  return ok;
}
"""

JS_ERRORS = """
() => {
  const nb = jupyterapp.shell.currentWidget;
  const found = [];
  nb.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error')
        found.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
    }
    if (cell.model.executionCount === null && cell.model.sharedModel.getSource().trim())
      found.push(`cell ${i}: not executed`);
  });
  return found;
}
"""

JS_MARKDOWN = """
() => {
  const nb = jupyterapp.shell.currentWidget;
  return nb.content.widgets.map((cell, i) => ({
    index: i, type: cell.model.type, inputHidden: cell.inputHidden,
    outputHidden: cell.model.type === 'code' ? cell.outputHidden : null,
    rendered: cell.model.type === 'markdown' ? cell.rendered : null,
    // The rendered text without its typeset math (KaTeX/MathJax keep the TeX source in the DOM).
    text: cell.model.type === 'markdown' && !cell.inputHidden ? (() => {
      // jupyterlab-myst renders into `.myst`, JupyterLab's own renderer into `.jp-MarkdownOutput`.
      const out = cell.node.querySelector('.myst, .jp-MarkdownOutput');
      if (!out) return null;  // a markdown cell left unrendered
      const copy = out.cloneNode(true);
      copy.querySelectorAll('.katex, .katex-display, mjx-container, .MathJax, math, script')
        .forEach(e => e.remove());
      return copy.textContent || '';
    })() : '',
    openDetails: [...cell.node.querySelectorAll('details[open]')].map(
      d => (d.innerText || '').slice(0, 80)),
  }));
}
"""

# Explorers are the VBoxes that attnrmt_lib.widgets tags with `attnrmt-explorer`.
JS_EXPLORERS = """
() => [...document.querySelectorAll('.jp-Notebook .attnrmt-explorer')].map((box, i) => {
  box.dataset.attnrmtExplorer = String(i);
  const cell = box.closest('.jp-Cell');
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const controls = [...box.querySelectorAll('.widget-slider, .widget-dropdown, .widget-toggle-buttons')];
  return {
    index: i,
    cell: cells.indexOf(cell),
    name: ([...box.classList].find(c => c.startsWith('attnrmt-explorer-')) || 'explorer')
          .replace('attnrmt-explorer-', ''),
    controls: controls.map((c, j) => {
      c.dataset.attnrmtControl = `${i}-${j}`;
      const label = c.querySelector('.widget-label');
      const track = c.querySelector('.noUi-target, .slider-container');
      const readout = c.querySelector('.widget-readout');
      const r = el => el ? el.getBoundingClientRect() : null;
      return {
        id: `${i}-${j}`,
        kind: c.classList.contains('widget-dropdown') ? 'dropdown' :
              c.classList.contains('widget-toggle-buttons') ? 'toggle' : 'slider',
        label: label ? label.innerText : '',
        tooltip: (label && label.title) || c.title ||
                 ((c.querySelector('[title]') || {}).title) || '',
        track: track ? r(track).width : null,
        readout: readout ? {text: readout.innerText || readout.value || '',
                            clipped: readout.scrollWidth > readout.clientWidth + 1,
                            width: r(readout).width} : null,
        labelClipped: label ? label.scrollWidth > label.clientWidth + 1 : false,
        box: r(c),
      };
    }),
  };
})
"""

# What is on screen as the explorer's figure: the sources of its images (and canvases).
JS_FIGURE_SIGNATURE = """
(i) => {
  const box = document.querySelector(`[data-attnrmt-explorer="${i}"]`);
  if (!box) return null;
  const imgs = [...box.querySelectorAll('img')];
  return imgs.map(img => `${img.src.length}:${img.src.slice(-64)}:${img.complete && img.naturalWidth > 0}`).join('|')
    + '#' + box.querySelectorAll('canvas').length;
}
"""

# Arm a watcher: the time from the control's input event (keydown or change) to the frame
# after a new, loaded figure replaced the old one, on the page's clock.
JS_ARM = """
(i) => {
  const box = document.querySelector(`[data-attnrmt-explorer="${i}"]`);
  const signature = () => [...box.querySelectorAll('img')].map(img => img.src).join('|');
  const loaded = () => [...box.querySelectorAll('img')].every(img => img.complete && img.naturalWidth > 0)
                       && box.querySelectorAll('img').length > 0;
  const before = signature();
  const w = window.__attnrmt = {t0: null, t1: null, done: false};
  const start = () => { if (w.t0 === null) w.t0 = performance.now(); };
  box.addEventListener('keydown', start, {capture: true, once: true});
  box.addEventListener('change', start, {capture: true, once: true});
  box.addEventListener('input', start, {capture: true, once: true});
  const poll = () => {
    if (w.t0 !== null && signature() !== before && loaded()) {
      // The frame after the one that holds the new image: it is on screen.
      requestAnimationFrame(() => { w.t1 = performance.now(); w.done = true; });
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
  return before.length;
}
"""


@dataclass
class Control:
    explorer: int
    id: str
    kind: str
    label: str
    tooltip: str
    track: float | None
    readout: dict | None
    label_clipped: bool


@dataclass
class Explorer:
    index: int
    cell: int
    name: str
    controls: list[Control] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 serving copies of ``sources`` (files or folders).

    Use as a context manager; ``base`` and ``token`` address it, ``root`` holds the copies.
    """

    def __init__(self, sources: list[Path], startup_timeout: float = 180.0,
                 notebooks: dict[str, dict] | None = None):
        self.sources = [Path(s) for s in sources]
        self.notebooks = notebooks or {}  # extra notebooks to serve: {path: nbformat JSON}
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="attnrmt-lab-"))
        self.root = self.tmp / "root"
        for src in self.sources:
            dest = self.root / src.relative_to(ROOT)
            if src.is_dir():
                shutil.copytree(src, dest, ignore=shutil.ignore_patterns(
                    "_build", ".ipynb_checkpoints", "__pycache__"))
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
        for rel, notebook in self.notebooks.items():
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.root / rel).write_text(json.dumps(notebook), encoding="utf-8")
        self.root.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                "JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython",
                "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}
        for var, sub in dirs.items():
            (self.tmp / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.tmp / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        for rel, value in LAB_SETTINGS.items():
            path = self.tmp / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", f"--ServerApp.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--LabApp.expose_app_in_browser=True",
               "--ServerApp.port_retries=0", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path = self.tmp / "server.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"jupyter lab did not answer in {self.startup_timeout:.0f} s")
                time.sleep(0.3)
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # the server shuts its kernels down
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class NotebookPage:
    """One browser page on a JupyterLab server: open a notebook, run it, move its explorers."""

    def __init__(self, browser, lab: JupyterLab, width: int = 1280, height: int = 800):
        self.lab = lab
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.console: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(f"uncaught: {e}"))

    def close(self):
        self.context.close()

    def open(self, path: str, timeout: float = 120.0, kernel: bool = True):
        """Open a notebook; wait for its kernel too unless ``kernel=False`` (reading only)."""
        self.console.clear()
        self.page.goto(self.lab.url(path), wait_until="domcontentloaded")
        self.page.wait_for_function(
            """([path, kernel]) => { const s = (%s)(); return s && s.path === path && s.ready
                           && (!kernel || s.kernel === 'idle'); }""" % JS_NOTEBOOK_STATE.strip(),
            arg=[path, kernel], timeout=timeout * 1000, polling=250)
        if not kernel:  # every markdown cell rendered (or collapsed)
            self.page.wait_for_function(
                """() => jupyterapp.shell.currentWidget.content.widgets.every(
                     c => c.model.type !== 'markdown' || c.inputHidden
                          || c.node.querySelector('.myst, .jp-MarkdownOutput'))""",
                timeout=timeout * 1000, polling=250)

    def run_all(self, timeout: float = 600.0) -> list[str]:
        """Run All Cells; the error outputs (and cells left unexecuted)."""
        self.page.evaluate(JS_RUN_ALL)
        self.page.wait_for_function(
            """() => { const s = (%s)(); return s && s.kernel === 'idle'; }""" % JS_NOTEBOOK_STATE.strip(),
            timeout=timeout * 1000, polling=250)
        return self.page.evaluate(JS_ERRORS)

    def cells(self) -> list[dict]:
        return self.page.evaluate(JS_MARKDOWN)

    def explorers(self) -> list[Explorer]:
        found = []
        for e in self.page.evaluate(JS_EXPLORERS):
            ex = Explorer(e["index"], e["cell"], e["name"])
            ex.controls = [Control(e["index"], c["id"], c["kind"], c["label"], c["tooltip"],
                                   c["track"], c["readout"], c["labelClipped"]) for c in e["controls"]]
            found.append(ex)
        return found

    def wait_for_figures(self, timeout: float = 120.0):
        """Until every explorer shows a loaded figure."""
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-Notebook .attnrmt-explorer')].every(
                 b => [...b.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 0)
                      || b.querySelector('canvas'))""",
            timeout=timeout * 1000, polling=250)

    def signature(self, explorer: int) -> str:
        return self.page.evaluate(JS_FIGURE_SIGNATURE, explorer)

    def move(self, control: Control, direction: int = 0, timeout: float = 60.0) -> float:
        """Move one control one step; seconds from the input to the new figure on screen.

        ``direction`` +1 or -1; 0 moves up unless the control is at its maximum.
        """
        locator = self.page.locator(f'[data-attnrmt-control="{control.id}"]')
        locator.scroll_into_view_if_needed()
        if not direction:
            at_max = locator.evaluate("""c => { const h = c.querySelector('.noUi-handle');
                if (h) return h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax');
                const s = c.querySelector('select');
                return s ? s.selectedIndex === s.options.length - 1 : false; }""")
            direction = -1 if at_max else 1
        self.last_direction = direction
        self.page.evaluate(JS_ARM, control.explorer)
        if control.kind == "dropdown":
            select = locator.locator("select")
            options = select.locator("option").all_inner_texts()
            current = select.evaluate("s => s.selectedIndex")
            select.select_option(index=(current + direction) % len(options))
        else:
            handle = locator.locator(".noUi-handle").first
            handle.focus()
            handle.press("ArrowRight" if direction > 0 else "ArrowLeft")
        self.page.wait_for_function("() => window.__attnrmt && window.__attnrmt.done",
                                    timeout=timeout * 1000, polling="raf")
        t = self.page.evaluate("() => window.__attnrmt")
        return (t["t1"] - t["t0"]) / 1000.0

    def screenshot(self, path: Path, explorer: int | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        if explorer is None:
            self.page.screenshot(path=str(path))
        else:
            box = self.page.locator(f'[data-attnrmt-explorer="{explorer}"]')
            box.scroll_into_view_if_needed()
            self.page.screenshot(path=str(path))

    def close_notebook(self):
        """Close the tab without saving and shut its kernel down (frees the memory)."""
        self.page.evaluate("""async () => {
            const nb = jupyterapp.shell.currentWidget;
            await nb.sessionContext.ready;
            await nb.sessionContext.shutdown();
            nb.context.model.dirty = false;
            nb.dispose();
        }""")


def foreign(message: str, book_labels: set[str]) -> bool:
    """A console error that is not the book's (see FOREIGN_ERRORS and MISSING_TARGET).

    jupyterlab-myst sees one notebook at a time and only its markdown cells, so it reports
    a reference to another chapter, or to a figure (labelled in a code cell's metadata), as
    a missing target. Those targets exist in the book (``book_labels``); a reference to a
    label that exists nowhere is still an error.
    """
    if any(p.search(message) for p in FOREIGN_ERRORS):
        return True
    missing = MISSING_TARGET.findall(message)
    return bool(missing) and all(label in book_labels for label in missing) and \
        not MISSING_TARGET.sub("", message).strip()


LABEL_PATTERNS = [
    re.compile(r"^:(?:label|name):\s*(\S+)", re.M),  # directives
    re.compile(r"^\((\S+)\)=\s*$", re.M),  # targets
    re.compile(r"\$\$\s*\((\S+)\)\s*$", re.M),  # labelled equations
]


def book_labels(notebooks) -> set[str]:
    """Every label the chapters define: directive labels, targets, equations, figures."""
    labels = set()
    for path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            fig = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if fig.get("name"):
                labels.add(fig["name"])
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                for pattern in LABEL_PATTERNS:
                    labels.update(pattern.findall(src))
    return labels
