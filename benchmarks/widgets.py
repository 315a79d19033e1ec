"""Latency of every explorer in attnrmt_lib.widgets: the redraw a slider change triggers.

Run from anywhere: ``python benchmarks/widgets.py`` (``--render`` also times rendering the
figure to PNG, as the inline backend does in a live kernel; ``--first-only`` moves only
each explorer's first control; both informational). Explorers are
found dynamically: every public function of :mod:`attnrmt_lib.widgets` whose name ends in
``_explorer`` is built with its defaults, then each of its controls is moved to another
valid value and back, and the synchronous redraw (the explorer's draw function plus
``display``) is timed: the median over repeats, the slowest control reported. A view is a
simulation view when the redraw draws random numbers (it calls :func:`attnrmt_lib.simulate`
or creates a ``numpy.random.default_rng``, as every seeded sampler of the library does,
e.g. the attention-matrix and learned-pooling explorers); targets (issue 6):
theory-only views < 50 ms, simulation views < 500 ms. Exits non-zero if a target is
missed. Outside a kernel nothing is shown: the figures handed to ``display`` are
collected (and stdout is captured) instead. The CPU time of the redraw is printed beside
the wall time: on a loaded machine it is the better guess of the unloaded latency of
single-threaded (theory) views; the targets are checked on wall time.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import sys
import time

import numpy as np

import attnrmt_lib
import attnrmt_lib.widgets as widgets_module

THEORY_TARGET = 0.050
SIMULATION_TARGET = 0.500


def explorers():
    """(name, function) for every public ``*_explorer`` defined in attnrmt_lib.widgets."""
    return [(name, fn) for name, fn in inspect.getmembers(widgets_module, inspect.isfunction)
            if name.endswith("_explorer") and not name.startswith("_")
            and fn.__module__ == widgets_module.__name__]


class SimulationCounter:
    """Counts calls of attnrmt_lib.simulate, however a module imported it, and of
    numpy.random.default_rng (every other seeded sampler of the library starts there)."""

    def __init__(self):
        self.calls = 0
        self.original = attnrmt_lib.simulation.simulate
        self.original_rng = np.random.default_rng
        self.patched = []

    def __enter__(self):
        def counting(*args, **kwargs):
            self.calls += 1
            return self.original(*args, **kwargs)

        def counting_rng(*args, **kwargs):
            self.calls += 1
            return self.original_rng(*args, **kwargs)

        np.random.default_rng = counting_rng

        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("attnrmt_lib") and \
                    getattr(module, "simulate", None) is self.original:
                self.patched.append(module)
                module.simulate = counting
        return self

    def __exit__(self, *exc):
        np.random.default_rng = self.original_rng
        for module in self.patched:
            module.simulate = self.original


class Display:
    """Stands in for IPython's display in attnrmt_lib.widgets: keeps the last figure."""

    def __init__(self, render: bool):
        self.render = render
        self.figure = None
        self.render_times = []

    def __call__(self, obj, *args, **kwargs):
        self.figure = obj
        if self.render and hasattr(obj, "savefig"):
            start = time.perf_counter()
            obj.savefig(io.BytesIO(), format="png")
            self.render_times.append(time.perf_counter() - start)


def controls_of(explorer):
    """The value widgets of an explorer built with ``_explorer`` (VBox[HBox(controls), out])."""
    found = []

    def walk(w):
        if hasattr(w, "value") and hasattr(w, "description") and not hasattr(w, "outputs"):
            found.append(w)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(explorer)
    return found


def other_value(control):
    """A valid value different from the current one (None if the control cannot move)."""
    value = control.value
    if hasattr(control, "options") and len(control.options) > 1:
        labels = list(getattr(control, "_options_values", None) or control.options)
        values = [o[1] if isinstance(o, tuple) else o for o in labels]
        i = values.index(value) if value in values else 0
        return values[(i + 1) % len(values)]
    if isinstance(value, bool):
        return not value
    if hasattr(control, "base"):  # FloatLogSlider: five steps in the exponent
        exponent = np.log(value) / np.log(control.base)
        step = 5 * control.step
        new = exponent + step if exponent + step <= control.max else exponent - step
        return float(control.base ** new)
    if hasattr(control, "step") and hasattr(control, "max") and not isinstance(value, tuple):
        step = control.step or 1
        return value + step if value + step <= control.max else value - step
    return None


def time_explorer(name, factory, repeats: int, render: bool, first_only: bool = False):
    display = Display(render)
    widgets_module.display = display
    with contextlib.redirect_stdout(io.StringIO()), SimulationCounter() as counter:
        start = time.perf_counter()
        explorer = factory()
        first = time.perf_counter() - start
        rows = []
        for control in controls_of(explorer):
            original, other = control.value, other_value(control)
            if other is None or other == original:
                continue
            times, cpu = [], []
            calls_before = counter.calls
            for i in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                control.value = other if i % 2 == 0 else original
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            control.value = original
            rows.append((control.description, float(np.median(times)), float(np.median(cpu)),
                         counter.calls > calls_before))
            if first_only:
                break
    simulation = any(r[3] for r in rows)
    worst = max(rows, key=lambda r: r[1]) if rows else ("-", float("nan"), float("nan"), False)
    render_time = float(np.median(display.render_times)) if display.render_times else None
    return dict(name=name, first=first, worst_control=worst[0], worst=worst[1], cpu=worst[2],
                simulation=simulation, controls=len(rows), render=render_time)


def main(argv) -> int:
    render = "--render" in argv
    first_only = "--first-only" in argv
    repeats = 3
    ok = True
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {repeats} "
          "redraws per control, slowest control shown")
    print(f"{'explorer':<32} {'kind':<11} {'redraw':>10} {'(cpu)':>10}   {'slowest control':<16} {'first draw':>10}"
          f"{'   + PNG render' if render else ''}   target")
    original_display = widgets_module.display
    try:
        for name, factory in explorers():
            r = time_explorer(name, factory, repeats, render, first_only)
            target = SIMULATION_TARGET if r["simulation"] else THEORY_TARGET
            met = r["worst"] < target
            ok &= met
            extra = f"   {r['render'] * 1e3:10.1f} ms" if render and r["render"] else ""
            print(f"{name:<32} {'simulation' if r['simulation'] else 'theory':<11} "
                  f"{r['worst'] * 1e3:7.1f} ms {r['cpu'] * 1e3:7.1f} ms   {str(r['worst_control']):<16} "
                  f"{r['first'] * 1e3:7.1f} ms"
                  f"{extra}   < {target * 1e3:.0f} ms{'' if met else '  MISSED'}")
    finally:
        widgets_module.display = original_display
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
