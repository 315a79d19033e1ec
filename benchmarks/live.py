"""The live explorers in the reader's browser: start-up, redraw latency, size, download.

    python benchmarks/live.py [--html _build/html] [--only NAME ...] [--skip-browser]

Needs the built book (README's build command, which also writes the JupyterLite site into
``_build/html/lite``), Debian's Chromium, ``npm ci --prefix lite`` and Node. It prints:

1. **Site size**: the JupyterLite site, its Pyodide, and the whole book, on disk.
2. **Pyodide against native Python**, per explorer of ``attnrmt_lib.widgets``
   (tests/pyodide/explorers.py under Node, lite/run.mjs, and under this Python): the
   default draw and each control's redraw, and so each explorer's kind (a simulation view's
   redraw draws random numbers).
3. **In Chromium** (headless, every request that leaves 127.0.0.1 blocked), for every
   explorer of every chapter: seconds from the click on "Run this explorer live in your
   browser" to the explorer's first figure (target 15 s), the latency of a slider move to
   the new figure in the page (median of 3; targets: theory views 0.3 s, simulation views
   1 s), and the bytes the page downloaded; from a fresh browser profile (cold: a first
   visit, the first-load download) and from the profile the previous explorer used (warm:
   Pyodide in the browser cache).

Exits non-zero if a target is missed. The machine's load is printed first: on a loaded
machine every time here grows with it, so measure on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

FIRST_FIGURE_TARGET = 15.0
THEORY_TARGET = 0.300
SIMULATION_TARGET = 1.0


def size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def site_sizes(html: Path) -> None:
    print("== Site size (on disk)")
    for label, path in (("JupyterLite site (lite/)", html / "lite"),
                        ("  of which Pyodide (lite/static/pyodide)", html / "lite" / "static" / "pyodide"),
                        ("whole book (_build/html)", html)):
        nbytes, nfiles = size(path)
        print(f"  {label:<42} {nbytes / 1e6:7.1f} MB in {nfiles} files")


def browser_runs(html: Path, only, profiles, kinds: dict[str, str]) -> bool:
    import test_live  # the chapters' explorers, as the tests find them
    from conftest import CHROMIUM_ARGS, chromium_path, serve
    from live_reader import new_context, run_explorer
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        print("no Chromium (apt-get install chromium): browser figures skipped")
        return True
    ok = True
    print("== In Chromium: click on the live link -> first figure; slider released -> new "
          "figure (median of 3 moves, timed in the page)")
    print("   cold: a fresh browser profile (a first visit, everything downloaded);")
    print("   warm: the profile of the previous explorer (Pyodide in the browser cache)")
    print(f"  {'explorer':<44} {'profile':<7} {'first figure':>12} {'move':>8} {'download':>10}")
    explorers = [e for e in test_live.EXPLORERS if not only or any(o in e[2] for o in only)]
    summary = {}
    with sync_playwright() as pw, serve(html) as base:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        shared = new_context(browser)
        for profile in profiles:
            for chapter, link, stem in explorers:
                context = shared if profile == "warm" else None
                # Playwright's routing turns the browser cache off: the warm profile relies
                # on Chromium resolving no other host instead (and still records requests).
                run = run_explorer(browser, base, chapter, link, context=context, moves=3,
                                   offline="resolver" if profile == "warm" else "route")
                if run.errors or run.external or not run.changed:
                    ok = False
                    print(f"  {stem:<44} {profile:<7} FAILED: {(run.errors + run.external)[:3]}")
                    continue
                summary.setdefault(profile, []).append((run.first_figure, run.bytes_loaded))
                kind = kinds.get(stem.split("-", 1)[1] + "_explorer", "theory")
                target = SIMULATION_TARGET if kind == "simulation" else THEORY_TARGET
                flag = "" if run.first_figure <= FIRST_FIGURE_TARGET else "  MISSED 15 s"
                if run.move_seconds > target:
                    flag += f"  MISSED {kind} move {target:g} s"
                ok &= not flag
                print(f"  {stem:<44} {profile:<7} {run.first_figure:10.1f} s "
                      f"{run.move_seconds:6.2f} s {run.bytes_loaded / 1e6:8.1f} MB{flag}")
        shared.close()
        browser.close()
    for profile, rows in summary.items():
        firsts = [r[0] for r in rows]
        print(f"  {profile}: first figure median {statistics.median(firsts):.1f} s, slowest "
              f"{max(firsts):.1f} s (target {FIRST_FIGURE_TARGET:.0f} s); download median "
              f"{statistics.median(r[1] for r in rows) / 1e6:.1f} MB")
    return ok


def explorer_times(command, env=None) -> dict:
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError((proc.stdout + proc.stderr)[-3000:])
    return json.loads(lines[-1][len("RESULT "):])


def ratios(html: Path, only) -> tuple[bool, dict[str, str]]:
    node = shutil.which("node")
    lite = html.parent / "lite_src"
    if node is None or not (lite / "static" / "pyodide" / "pyodide-lock.json").is_file():
        print("no Node or no assembled Pyodide (build the book first): ratios skipped")
        return True, {}
    script = str(ROOT / "tests" / "pyodide" / "explorers.py")
    wheels = sorted(str(p) for p in (lite / "pypi").glob("*.whl"))
    pyodide = explorer_times([node, str(ROOT / "lite" / "run.mjs"),
                              str(lite / "static" / "pyodide"), script, *wheels])
    native = explorer_times([sys.executable, script])
    load = pyodide["load_seconds"]
    print("== Pyodide against native Python (Node, the site's Pyodide and wheels)")
    print(f"  start: Pyodide core {load['core']:.1f} s, preloaded packages "
          f"{load['packages']:.1f} s, import attnrmt_lib.widgets {pyodide['import_seconds']:.1f} s"
          f" (native import {native['import_seconds']:.1f} s)")
    print(f"  {'explorer':<32} {'kind':<10} {'draw':>8} {'native':>8} {'ratio':>6}   "
          f"{'move (slowest)':>14} {'native':>8} {'ratio':>6}")
    ok, kinds = True, {}
    for name, entry in pyodide["explorers"].items():
        if only and not any(o in name for o in only):
            continue
        base = native["explorers"][name]
        if entry["error"] or base["error"]:
            print(f"  {name:<32} ERROR {entry['error'] or base['error']}")
            ok = False
            continue
        moves = entry["moves"].values()
        simulation = any(m["simulation"] for m in moves)
        kinds[name] = "simulation" if simulation else "theory"
        slowest = max(m["seconds"] for m in moves)
        native_slowest = max(m["seconds"] for m in base["moves"].values())
        target = SIMULATION_TARGET if simulation else THEORY_TARGET
        flag = "" if slowest <= target else f"  MISSED {target:g} s"
        ok &= not flag
        print(f"  {name:<32} {'simulation' if simulation else 'theory':<10} "
              f"{entry['draw_seconds']:7.2f}s {base['draw_seconds']:7.2f}s "
              f"{entry['draw_seconds'] / base['draw_seconds']:5.1f}x   "
              f"{slowest:13.2f}s {native_slowest:7.2f}s {slowest / native_slowest:5.1f}x{flag}")
    return ok, kinds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--only", nargs="*", default=[], help="explorers whose name contains")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--profiles", nargs="*", default=["cold", "warm"],
                        choices=["cold", "warm"], help="browser profiles to time")
    args = parser.parse_args(argv)
    if not (args.html / "lite" / "jupyter-lite.json").is_file():
        print(f"{args.html} holds no JupyterLite site: build the book first (README)")
        return 2
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} (1, 5, 15 min) at {time.strftime('%H:%M:%S')}")
    site_sizes(args.html)
    ok, kinds = ratios(args.html, args.only)
    if not args.skip_browser:
        ok &= browser_runs(args.html, args.only, args.profiles, kinds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
