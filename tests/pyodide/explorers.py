"""Run inside Pyodide (lite/run.mjs): every explorer of attnrmt_lib.widgets, once.

Also runs natively (``python tests/pyodide/explorers.py``), for the Pyodide/native ratio of
benchmarks/live.py.

Each explorer is built, which draws its figure with the defaults; then each of its controls
is moved once, which redraws. What it shows is recorded: the PNG of its Image widget, or a
figure it passes to ``display`` (replaced before the widgets module imports it), so a
wasm32-only failure (an int64 index where numpy wants intp, a missing module) raises here,
and an error message the explorer prints in place of its figure is reported. The last
line printed is ``RESULT <json>``: per explorer, the seconds of each draw, whether each
move changed the picture, and the error if one was raised.
"""

import io
import json
import math
import sys
import time
import traceback

import IPython.display
import numpy as np

shown = []
IPython.display.display = lambda *objs, **kwargs: shown.extend(objs)

# A redraw is a simulation view when it draws random numbers: every seeded sampler of the
# library starts at numpy.random.default_rng (benchmarks/widgets.py counts the same way).
rng_calls = [0]
_default_rng = np.random.default_rng


def _counting_rng(*args, **kwargs):
    rng_calls[0] += 1
    return _default_rng(*args, **kwargs)


np.random.default_rng = _counting_rng

t0 = time.perf_counter()
import ipywidgets  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import attnrmt_lib.widgets as explorers  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - t0


def png(fig) -> bytes:
    assert isinstance(fig, Figure), f"an explorer showed {type(fig).__name__}, not a Figure"
    assert fig.axes and any(ax.has_data() for ax in fig.axes), "the figure is empty"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


def controls(widget):
    """Every control (a widget with a value and a description) under ``widget``."""
    found, todo = [], [widget]
    while todo:
        w = todo.pop(0)
        if isinstance(w, ipywidgets.ValueWidget) and getattr(w, "description", ""):
            found.append(w)
        todo.extend(getattr(w, "children", ()))
    return found


def moved_value(control):
    """A different allowed value, a few steps from the current one (as a reader's drag)."""
    if hasattr(control, "options"):  # Dropdown, SelectionSlider, ...
        labels = list(control.options)
        values = [v[1] if isinstance(v, tuple) else v for v in labels]
        return values[(values.index(control.value) + 1) % len(values)]
    if isinstance(control, ipywidgets.FloatLogSlider):
        exponent = math.log(control.value, control.base) + 5 * control.step
        if exponent > control.max:
            exponent = math.log(control.value, control.base) - 5 * control.step
        return control.base ** exponent
    if isinstance(control, (ipywidgets.FloatSlider, ipywidgets.IntSlider)):
        new = control.value + 5 * control.step
        return new if new <= control.max else control.value - 5 * control.step
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    raise TypeError(f"no rule to move a {type(control).__name__}")


def pictures(widget):
    """What the explorer shows: the PNG of each Image widget under it, and the last figure
    it passed to ``display`` (an explorer may do either), plus any error message it shows."""
    images, messages, todo = [], [], [widget]
    while todo:
        w = todo.pop(0)
        if isinstance(w, ipywidgets.Image) and w.value:
            images.append(bytes(w.value))
        if isinstance(w, ipywidgets.HTML) and "Error" in (w.value or ""):
            messages.append(w.value)
        todo.extend(getattr(w, "children", ()))
    figures = [obj for obj in shown if not isinstance(obj, ipywidgets.Widget)]
    if figures:
        images.append(png(figures[-1]))
    assert not messages, f"the explorer shows an error: {messages}"
    assert images, "no figure was shown"
    for data in images:
        assert data.startswith(b"\x89PNG"), "the explorer shows an image that is not a PNG"
    return images


def draw_once(build, widget=None):
    shown.clear()
    rng_calls[0] = 0
    t = time.perf_counter()
    result = build()
    seconds = time.perf_counter() - t
    return result, pictures(widget if widget is not None else result), seconds


LOAD_SECONDS = globals().get("LOAD_SECONDS", {})  # set by run.mjs under Pyodide


def bytecode_flags(module_name: str):
    """The flags of the .pyc ``module_name`` was loaded with (1: an unchecked-hash .pyc,
    as lite/build.py ships), or None when it was compiled from its source."""
    import importlib.util

    module = sys.modules[module_name]
    try:
        with open(importlib.util.cache_from_source(module.__file__), "rb") as f:
            return int.from_bytes(f.read(8)[4:8], "little")
    except OSError:
        return None


report = {"platform": sys.platform, "load_seconds": dict(LOAD_SECONDS),
          "import_seconds": IMPORT_SECONDS, "explorers": {},
          "bytecode": {name: bytecode_flags(name) for name in
                       ("matplotlib.figure", "scipy.linalg", "ipywidgets", "attnrmt_lib.widgets")}}
for name in explorers.__all__:
    entry = report["explorers"][name] = {"draw_seconds": None, "moves": {}, "error": None}
    try:
        widget, first, entry["draw_seconds"] = draw_once(getattr(explorers, name))
        for control in controls(widget):
            label = control.description
            value = moved_value(control)
            _, picture, seconds = draw_once(lambda: setattr(control, "value", value), widget)
            entry["moves"][label] = {"to": repr(value), "seconds": seconds,
                                     "changed": picture != first,
                                     "simulation": rng_calls[0] > 0}
            first = picture
    except Exception:
        entry["error"] = traceback.format_exc(limit=-6)
print("RESULT " + json.dumps(report))
