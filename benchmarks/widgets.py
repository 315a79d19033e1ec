"""Latency of every explorer: slider to pixels, in JupyterLab, in a real browser.

Run from the repository root: ``python benchmarks/widgets.py``. Every public
``*_explorer`` of :mod:`attnrmt_lib.widgets` is built as its chapter builds it (the call in
the chapter's explorer cell; defaults for an explorer no chapter uses), in a notebook of
its own served by a JupyterLab on 127.0.0.1 and opened in Debian's Chromium at 1280 × 800
(the same path as ``tests/test_jupyterlab.py``, see ``tests/lab_driver.py``). Each control
is then moved one step at a time, ``--repeats`` times (up and down alternately, by key
press on a slider's handle or a new option of a drop-down), and each move is timed on the
page's clock from the input event to the frame after the new figure is loaded on screen.

Printed per explorer: the median over its controls of each control's median latency (the
figure the targets are about), the slowest single move, and the kernel's CPU time for the
same redraw measured in this process (``--kernel`` prints only that, without a browser).
Targets: a theory view (no random numbers drawn in a redraw) ≤ 100 ms, a simulation view
≤ 400 ms, no move above 1 s. The exit status is 1 if a target is missed. The load average
is printed before and after: on a loaded machine the latencies grow with it.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import attnrmt_lib.widgets as widgets_module  # noqa: E402

THEORY_TARGET = 0.100
SIMULATION_TARGET = 0.400
ANY_MOVE_LIMIT = 1.0


def explorers() -> list[str]:
    """Names of the public ``*_explorer`` functions defined in attnrmt_lib.widgets."""
    return [name for name, fn in inspect.getmembers(widgets_module, inspect.isfunction)
            if name.endswith("_explorer") and not name.startswith("_")
            and fn.__module__ == widgets_module.__name__]


def chapter_calls() -> dict[str, str]:
    """{explorer name: the call in the first chapter cell that makes it}."""
    calls = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            try:
                tree = ast.parse("\n".join(line for line in src.splitlines()
                                           if not line.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                name = getattr(getattr(node, "func", None), "id", "")
                if isinstance(node, ast.Call) and name.endswith("_explorer"):
                    calls.setdefault(name, ast.unparse(node))
    return calls


class SimulationCounter:
    """Counts calls of numpy.random.default_rng (every seeded sampler of the library starts
    there): a redraw that makes one is a simulation view."""

    def __init__(self):
        self.calls = 0
        self.original = np.random.default_rng

    def __enter__(self):
        def counting(*args, **kwargs):
            self.calls += 1
            return self.original(*args, **kwargs)

        np.random.default_rng = counting
        return self

    def __exit__(self, *exc):
        np.random.default_rng = self.original


def step(control, direction: int):
    """The value one step up (+1) or down (-1) from the current one, as a key press moves it."""
    if hasattr(control, "options") and not hasattr(control, "max"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[(values.index(control.value) + direction) % len(values)]
    if hasattr(control, "base"):
        exponent = np.log(control.value) / np.log(control.base) + direction * control.step
        return control.base ** min(max(exponent, control.min), control.max)
    return min(max(control.value + direction * control.step, control.min), control.max)


def kernel_times(name: str, call: str, repeats: int) -> dict:
    """In this process: is it a simulation view, and the CPU and wall time of a redraw."""
    explorer = eval(call, {name: getattr(widgets_module, name)})  # noqa: S307 - the book's call
    cpu, wall, simulation = [], [], False
    for control in explorer.controls.values():
        for i in range(repeats):
            with SimulationCounter() as counter:
                t0, c0 = time.perf_counter(), time.process_time()
                control.value = step(control, 1 if i % 2 == 0 else -1)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            simulation |= counter.calls > 0
    return {"simulation": simulation, "cpu": float(np.median(cpu)), "wall": float(np.median(wall))}


def explorer_notebook(call: str, name: str) -> dict:
    cells = ["%matplotlib inline", f"from attnrmt_lib.widgets import {name}\n{call}"]
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                       "outputs": [], "source": src} for src in cells],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def browser_times(calls: dict[str, str], repeats: int) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM_ARGS, chromium_path
    from lab_driver import JupyterLab, NotebookPage

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("Chromium is not installed (apt-get install -y chromium)")
    notebooks = {f"bench/{name}.ipynb": explorer_notebook(call, name) for name, call in calls.items()}
    results = {}
    with sync_playwright() as pw, JupyterLab([], notebooks=notebooks) as lab:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        page = NotebookPage(browser, lab)
        try:
            for name in calls:
                page.open(f"bench/{name}.ipynb")
                errors = page.run_all(timeout=300)
                if errors:
                    results[name] = {"error": "; ".join(errors)}
                    page.close_notebook()
                    continue
                page.wait_for_figures()
                (explorer,) = page.explorers()
                per_control, moves = {}, []
                for control in explorer.controls:
                    times, direction = [], 0
                    for _ in range(repeats):
                        # Up first unless at the maximum, then back and forth.
                        times.append(page.move(control, direction=direction))
                        direction = -page.last_direction
                    per_control[control.label] = float(np.median(times))
                    moves += times
                results[name] = {"median": float(np.median(list(per_control.values()))),
                                 "worst": max(moves), "controls": per_control,
                                 "console": [m for m in page.console if "Shared module" not in m]}
                page.close_notebook()
        finally:
            page.close()
            browser.close()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=4, help="moves per control (default 4)")
    parser.add_argument("--kernel", action="store_true", help="kernel-side times only, no browser")
    parser.add_argument("--verbose", action="store_true", help="also the median of each control")
    parser.add_argument("names", nargs="*", help="explorers to measure (default: all)")
    args = parser.parse_args(argv)
    book = chapter_calls()
    names = args.names or explorers()
    calls = {name: book.get(name, f"{name}()") for name in names}
    load0 = os.getloadavg()
    print(f"load average {load0[0]:.1f} on {os.cpu_count()} cores; {args.repeats} moves per control")
    kernel = {name: kernel_times(name, call, max(2, args.repeats // 2)) for name, call in calls.items()}
    browser = {}
    if not args.kernel:
        try:
            browser = browser_times(calls, args.repeats)
        except Exception as exc:  # noqa: BLE001 - no browser here: kernel times only
            print(f"no browser measurement ({type(exc).__name__}: {exc}); kernel times only")
    ok = True
    print(f"{'explorer':<32} {'kind':<10} {'median':>9} {'slowest':>9} {'kernel cpu':>11}  target")
    for name in calls:
        k = kernel[name]
        target = SIMULATION_TARGET if k["simulation"] else THEORY_TARGET
        b = browser.get(name)
        if b is None or "error" in b:
            measured = k["wall"]
            met = measured <= target
            shown = f"{measured * 1e3:6.0f} ms {'':>9}" if b is None else f"{'error':>9} {'':>9}"
            if b is not None:
                met = False
        else:
            met = b["median"] <= target and b["worst"] <= ANY_MOVE_LIMIT
            shown = f"{b['median'] * 1e3:6.0f} ms {b['worst'] * 1e3:6.0f} ms"
        ok &= met
        print(f"{name:<32} {'simulation' if k['simulation'] else 'theory':<10} {shown} "
              f"{k['cpu'] * 1e3:8.0f} ms  ≤ {target * 1e3:.0f} ms{'' if met else '  MISSED'}")
        if b and "error" in b:
            print(f"    {b['error'][:300]}")
        elif b and args.verbose:
            print("    " + ", ".join(f"{label}: {t * 1e3:.0f} ms" for label, t in b["controls"].items()))
    load1 = os.getloadavg()
    print(f"load average {load1[0]:.1f} after; "
          + ("browser medians: slider to pixels in JupyterLab" if browser else
             "kernel-side wall times (no browser)"))
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
