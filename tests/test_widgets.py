"""attnrmt_lib.widgets: every explorer builds, labels its controls, and redraws in place.

An explorer is controls above one PNG image (:class:`attnrmt_lib.widgets.Explorer`); a
frame is drawn by :class:`attnrmt_lib.figures._live.LiveFigure`, which keeps the figure of
the first frame and draws later frames into its axes. The in-place frame must be the figure
the figure function draws from scratch (the book's static twin): same titles, labels and
data. In a browser, the explorers are exercised by tests/test_jupyterlab.py.
"""

import inspect

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedFormatter, FixedLocator

from attnrmt_lib import widgets
from attnrmt_lib.figures._live import FRAME_WIDTH_PX, LiveFigure

PNG = b"\x89PNG\r\n\x1a\n"
# Explorers with a small simulation, so that the test stays quick.
SMALL = {"spectrum_explorer": {"d": 100}, "centering_explorer": {"d": 100},
         "bulk_simulation_explorer": {"d": 100}, "transition_simulation_explorer": {"d": 100, "n_rho": 3},
         "attention_spectrum_explorer": {"ell": 100}, "learned_pooling_explorer": {"n": 500, "d": 40},
         "decisions_explorer": {"d": 100}}
EXPLORERS = [name for name, fn in inspect.getmembers(widgets, inspect.isfunction)
             if name.endswith("_explorer") and not name.startswith("_")
             and fn.__module__ == widgets.__name__]


def build(name):
    return getattr(widgets, name)(**SMALL.get(name, {}))


def another_value(control):
    if hasattr(control, "options") and not hasattr(control, "max"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[(values.index(control.value) + 1) % len(values)]
    if hasattr(control, "base"):
        exponent = np.log(control.value) / np.log(control.base)
        up = exponent + 5 * control.step
        return control.base ** (up if up <= control.max else exponent - 5 * control.step)
    up = control.value + control.step
    return up if up <= control.max else control.value - control.step


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_shows_a_png_and_redraws_when_each_control_moves(name):
    explorer = build(name)
    assert isinstance(explorer, widgets.Explorer)
    assert "attnrmt-explorer" in explorer._dom_classes
    assert bytes(explorer.image.value).startswith(PNG), explorer.message.value
    for key, control in explorer.controls.items():
        before = bytes(explorer.image.value)
        control.value = another_value(control)
        assert not explorer.message.value, f"{name}.{key}: {explorer.message.value}"
        assert bytes(explorer.image.value).startswith(PNG)
        assert bytes(explorer.image.value) != before, f"{name}: moving {key} did not redraw"


@pytest.mark.parametrize("name", EXPLORERS)
def test_controls_are_labelled_for_a_reader_without_the_chapter(name):
    explorer = build(name)
    for key, control in explorer.controls.items():
        assert control.description, f"{name}.{key} has no label"
        assert control.tooltip, f"{name}.{key} ({control.description}) has no tooltip"
        if hasattr(control, "continuous_update"):
            # A redraw per release or key press: dragging must not queue dozens of frames.
            assert control.continuous_update is False, f"{name}.{key}"


def test_labels_name_the_symbol_and_what_it_is():
    explorer = widgets.bulk_explorer()
    assert explorer.controls["delta"].description == "δ = d/V (vocabulary)"
    assert "vocabulary" in explorer.controls["delta"].tooltip


def test_controls_sit_in_a_grid_wide_enough_for_their_tracks():
    explorer = widgets.optimal_attention_explorer()
    grid = explorer.children[0]
    assert isinstance(grid, widgets.widgets.GridBox)
    assert "minmax(360px" in grid.layout.grid_template_columns
    assert all(c.layout.width == "100%" for c in grid.children)


def test_frames_are_drawn_at_the_width_they_are_shown():
    from PIL import Image
    import io

    explorer = widgets.optimal_attention_explorer()
    width, _ = Image.open(io.BytesIO(bytes(explorer.image.value))).size
    assert FRAME_WIDTH_PX - 2 <= width <= FRAME_WIDTH_PX


def test_an_invalid_value_is_reported_not_drawn():
    from attnrmt_lib.figures.bulk import plot_bulk_density

    explorer = widgets.Explorer(plot_bulk_density, {
        "delta": widgets.widgets.FloatSlider(value=0.5, min=-1.0, max=1.0, description="δ"),
        "gamma": widgets.widgets.FloatSlider(value=0.5, min=0.1, max=1.0, description="γ")})
    before = bytes(explorer.image.value)
    explorer.controls["delta"].value = -0.5
    assert "ValueError" in explorer.message.value and "delta" in explorer.message.value
    assert bytes(explorer.image.value) == before
    explorer.controls["delta"].value = 0.4
    assert explorer.message.value == "" and bytes(explorer.image.value) != before


def _ticker(ticker):
    if isinstance(ticker, FixedLocator):
        return "FixedLocator", np.round(ticker.tick_values(0, 1), 9).tolist()
    if isinstance(ticker, FixedFormatter):
        return "FixedFormatter", list(ticker.seq)
    return type(ticker).__name__, getattr(ticker, "fmt", None)


def _content(fig):
    """What a figure shows: per axes its texts and the data of its artists, and the state an
    emptied panel must not carry over from the frame before (limits, scales, ticks, fonts)."""
    out = []
    for ax in [a for panel in fig.axes for a in (panel, *panel.child_axes) if a.get_visible()]:
        legend = ax.get_legend()
        out.append({
            "xlim": np.round(ax.get_xlim(), 9).tolist(), "ylim": np.round(ax.get_ylim(), 9).tolist(),
            "scales": (ax.get_xscale(), ax.get_yscale()), "aspect": ax.get_aspect(),
            # Tick positions follow the layout; what chose them must not be a stale one.
            "tickers": [_ticker(getattr(axis, f"get_{which}")())
                        for axis in (ax.xaxis, ax.yaxis)
                        for which in ("major_locator", "major_formatter", "minor_formatter")],
            "fonts": [(t.get_fontsize(), t.get_fontweight(), t.get_color())
                      for t in (ax.title, ax.xaxis.label, ax.yaxis.label)],
            "grid": [any(line.get_visible() for line in lines)
                     for lines in (ax.get_xgridlines(), ax.get_ygridlines())],
            "background": ax.patch.get_visible(),
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "texts": sorted(t.get_text() for t in ax.texts),
            "lines": [np.asarray(line.get_xydata()).round(9).tolist()
                      for line in ax.get_children() if isinstance(line, Line2D)],
            "bars": [(round(p.get_x(), 9), round(p.get_height(), 9))
                     for p in ax.patches if isinstance(p, Rectangle)],
            "points": [np.asarray(c.get_offsets()).round(9).tolist()
                       for c in ax.collections if isinstance(c, PathCollection)],
        })
    return out


LIVE = [
    ("bulk_density", "attnrmt_lib.figures.bulk", "plot_bulk_density",
     [dict(delta=0.5, gamma=0.5), dict(delta=1.0, gamma=2.7)]),
    ("vocabulary_cost", "attnrmt_lib.figures.bulk", "plot_vocabulary_cost",
     [dict(delta=0.5, gamma=0.5), dict(delta=0.1, gamma=1.5)]),
    ("purity_comparison", "attnrmt_lib.figures.optimal_attention", "plot_purity_comparison",
     [dict(s0=0.9, r=0.8, T=16), dict(s0=0.5, r=1.0, T=5)]),
    ("causal_profile", "attnrmt_lib.figures.causal_attention", "plot_causal_profile",
     [dict(tau=0.0, r=0.8), dict(tau=2.0, r=0.95, T=8)]),
    ("phase_transition", "attnrmt_lib.figures.transitions", "plot_phase_transition",
     [dict(delta=0.5, gamma=0.5), dict(delta=0.2, gamma=1.5)]),
]


@pytest.mark.parametrize("label,module,function,frames", LIVE, ids=[c[0] for c in LIVE])
def test_a_frame_drawn_in_place_is_the_static_figure(label, module, function, frames):
    import importlib

    plot = getattr(importlib.import_module(module), function)
    live = LiveFigure(plot)
    for values in frames:
        live.update(**values)
    static = plot(**frames[-1])
    assert _content(live.figure) == _content(static)
    # The fonts too: a frame keeps the book's text size (scaled for the figure's width).
    live_sizes = [ax.title.get_fontsize() for ax in live.figure.axes]
    static_sizes = [ax.title.get_fontsize() for ax in static.axes]
    assert live_sizes == pytest.approx(static_sizes)


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_explorer_frame_is_the_figure_drawn_from_scratch(name):
    """After every control has moved, the live figure (panels emptied and drawn into, frame
    after frame) shows what its figure function draws on a new figure."""
    explorer = build(name)
    for control in explorer.controls.values():
        control.value = another_value(control)
    live = explorer.figure
    static = live.draw(**explorer.values())
    live.figure.canvas.draw()  # ticks and autoscaled limits as drawn
    static.canvas.draw()
    assert _content(live.figure) == _content(static)


def test_an_emptied_panel_is_a_new_panel():
    """Each default a figure function may change is put back when a panel is emptied."""
    from matplotlib.figure import Figure

    from attnrmt_lib.figures._live import _reset_panel

    ax = Figure().add_subplot()
    ax.plot([1, 2, 3], [1, 10, 100], label="line")
    ax.bar([1, 2], [3, 4])
    ax.text(1, 1, "note")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([1, 2], labels=["a", "b"])
    ax.set_aspect("equal")
    ax.grid(True)
    ax.patch.set_visible(False)
    ax.set_title("title", fontsize=30, color="red", fontweight="bold")
    ax.set_xlabel("x", color="blue", fontsize=20)
    ax.set_ylim(2, 50)
    ax.set_xmargin(0.3)
    ax.legend()
    _reset_panel(ax)
    fresh = Figure().add_subplot()
    for a in (ax, fresh):
        a.figure.canvas.draw()
    assert _content(ax.figure) == _content(fresh.figure)
    assert ax.margins() == fresh.margins() and not ax.containers


def _grey(canvas):
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].mean(axis=-1)


def _blur(image):
    """Two passes of a 3 × 3 box filter: a shift of a glyph by a fraction of a pixel fades,
    a shift by a whole pixel does not."""
    for _ in range(2):
        padded = np.pad(image, 1, mode="edge")
        image = sum(padded[i:i + image.shape[0], j:j + image.shape[1]]
                    for i in range(3) for j in range(3)) / 9
    return image


def test_texts_stamped_from_cache_are_where_agg_draws_them():
    """FrameRenderer differs from Agg only by rounding a text's origin to the pixel: after a
    slight blur the two frames agree (a text one pixel off differs by ~100 grey levels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from attnrmt_lib.figures._live import FrameCanvas
    from attnrmt_lib.figures.bulk import plot_vocabulary_cost

    def frame(canvas_class):
        fig = plot_vocabulary_cost(0.5, 0.5)  # mathtext, rotated labels, legends, an inset
        fig.set_dpi(84)
        fig.set_layout_engine("none")
        return _grey(canvas_class(fig))

    agg, stamped = frame(FigureCanvasAgg), frame(FrameCanvas)
    assert np.abs(_blur(stamped) - _blur(agg)).max() < 60
    assert (255 - stamped).sum() == pytest.approx((255 - agg).sum(), rel=2e-3)  # no text lost


def test_a_figure_function_without_axes_still_redraws():
    from attnrmt_lib.figures.bulk import plot_bulk_density

    live = LiveFigure(lambda delta, gamma: plot_bulk_density(delta, gamma))
    first = live.update(delta=0.5, gamma=0.5)
    second = live.update(delta=0.7, gamma=0.5)
    assert second is not first and live.png().startswith(PNG)


def test_blas_is_limited_natively_and_left_alone_under_pyodide(monkeypatch):
    """Pyodide has no threads, and there threadpoolctl's search of the loaded libraries cost
    0.65 s a frame in the browser: the explorers skip it."""
    import contextlib

    assert not isinstance(widgets._one_blas_thread(), contextlib.nullcontext)
    monkeypatch.setattr(widgets.sys, "platform", "emscripten")
    assert isinstance(widgets._one_blas_thread(), contextlib.nullcontext)
