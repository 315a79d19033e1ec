"""One figure per explorer, redrawn in place and handed out as PNG bytes.

The book's figure functions build a new :class:`~matplotlib.figure.Figure` on every call,
and Jupyter's inline backend then lays it out again and draws it twice (once more to find
the tight bounding box) before encoding a PNG. In an explorer that is most of the time a
slider move takes. :class:`LiveFigure` keeps the figure of the first call instead:

- later calls empty its axes and draw into them (``ax=``/``axes=`` of the figure function),
  so no Figure, no subplots, no axes and no layout are built again; the same figure
  function draws the book's static figure and every frame of the explorer
  (tests/test_widgets.py compares the two);
- the constrained layout is computed on the first draw only, then frozen (the panels keep
  their place while the sliders move, which is also easier to read); a frame whose title,
  label or legend would leave the figure is laid out again;
- while an explorer redraws, BLAS runs on one thread (attnrmt_lib.widgets);
- the frame is drawn once by Agg at the width it will be shown at (no browser scaling, no
  tight bounding box pass) and encoded as a fast PNG;
- text is most of what Agg draws, and from one frame to the next most of it is the same
  (tick labels, axis labels, legends): :class:`FrameRenderer` rasterises each string once
  and then only stamps its bitmap.

Figure functions that take no axes argument still work: each call then builds a new
figure, drawn the same fast way.
"""

from __future__ import annotations

import inspect
import io
import threading

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font
from matplotlib.transforms import Bbox

from ._style import scale_fonts, twin_of

# The width of a notebook's output area in JupyterLab at a 1280 px wide window with the
# file browser open (about 850 px): frames are drawn at most this wide, so the browser
# never scales them down.
FRAME_WIDTH_PX = 840
MAX_DPI = 100.0


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(),
            prop.get_math_fontfamily())


class FrameRenderer(RendererAgg):
    """Agg, with every text rasterised once per renderer and then stamped.

    A text is drawn by Agg glyph by glyph, at sub-pixel positions; here the first draw of a
    string (with its font, angle and antialiasing) renders it once at an integer origin into
    a coverage mask, and every draw of it, in this frame or a later one, blends that mask in
    the text's colour at the nearest pixel. The result differs from plain Agg only by that
    rounding of the origin (at most half a pixel; tests/test_widgets.py compares the two).
    The font-height metrics matplotlib looks up for every text layout are cached as well.
    """

    MAX_TEXTS = 4096  # distinct strings kept (tick labels of every frame drawn so far)

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._masks = {}
        self._heights = {}

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath == "TeX":
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        key = (s, _font_key(prop), float(angle), bool(ismath), bool(gc.get_antialiased()),
               *((mtext.get_fontfeatures(), mtext.get_language())
                 if hasattr(mtext, "get_fontfeatures") else ()))
        entry = self._masks.get(key)
        if entry is None:
            if len(self._masks) >= self.MAX_TEXTS:
                self._masks.clear()
            entry = self._masks[key] = self._rasterise(gc, s, prop, angle, ismath, mtext)
        mask, left, bottom = entry
        if mask is not None:
            # draw_text_image's y is downwards and the bitmap's bottom side.
            self._renderer.draw_text_image(mask, round(x) + left, round(y) + bottom, 0, gc)

    def _rasterise(self, gc, s, prop, angle, ismath, mtext):
        """``(mask, left, bottom)``: the string's coverage drawn at the origin, cropped."""
        w, h, d = self.get_text_width_height_descent(s, prop, ismath)
        r = int(np.ceil(w + h + d)) + 4  # the text fits around the origin at any angle
        scratch = RendererAgg(2 * r, 2 * r, self.dpi)
        black = scratch.new_gc()
        black.set_foreground("k")
        black.set_alpha(1.0)
        black.set_antialiased(gc.get_antialiased())
        RendererAgg.draw_text(scratch, black, r, r, s, prop, angle, ismath, mtext)
        black.restore()
        alpha = np.asarray(scratch.buffer_rgba())[..., 3]
        rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
        if rows.size == 0:
            return None, 0, 0
        mask = np.ascontiguousarray(alpha[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
        return mask, int(cols[0]) - r, int(rows[-1]) + 1 - r

    def _get_font_height_metrics(self, prop):
        """Ascent, descent and line gap of ``prop``'s font at this dpi, as
        ``matplotlib.text.Text._get_layout`` computes them for every text it lays out
        (matplotlib ≥ 3.10 asks the renderer first)."""
        key = _font_key(prop)
        if key not in self._heights:
            font = get_font(fontManager._find_fonts_by_props(prop))
            metrics = (None, None, None)
            for table, gap, ascent, descent in (
                    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                    ("hhea", "lineGap", "ascent", "descent")):
                values = font.get_sfnt_table(table)
                if values is not None:
                    scale = prop.get_size_in_points() * self.dpi / 72 / \
                        font.get_sfnt_table("head")["unitsPerEm"]
                    metrics = (values[ascent] * scale, -values[descent] * scale, values[gap] * scale)
                    break
            self._heights[key] = metrics
        return self._heights[key]


class FrameCanvas(FigureCanvasAgg):
    """An Agg canvas that draws with a :class:`FrameRenderer` (kept while the size holds)."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        if getattr(self, "_frame_key", None) != key:
            self.renderer = FrameRenderer(w, h, self.figure.dpi)
            self._frame_key = key
        return self.renderer


def _reset_panel(ax) -> None:
    """Empty ``ax`` for the next frame: what ``Axes.clear`` does that a figure function relies on.

    ``Axes.clear`` rebuilds the axes' titles, spines, patch, axis labels and ticks, a sixth of
    a frame. A figure function draws the same kind of panel every frame, so it is enough to
    remove what it added and put back the defaults it may have changed: texts and their
    fonts (``scale_fonts`` scales them again), scales with their locators and formatters,
    limits and autoscaling, aspect, grid, background. tests/test_widgets.py holds every
    explorer's frames to the figure drawn from scratch.
    """
    rc = mpl.rcParams
    for artist in (*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images,
                   *ax.artists, *ax.tables):
        artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    title_color = rc["text.color"] if rc["axes.titlecolor"] == "auto" else rc["axes.titlecolor"]
    for title in (ax.title, ax._left_title, ax._right_title):
        title.set_text("")
        title.set_fontsize(rc["axes.titlesize"])
        title.set_fontweight(rc["axes.titleweight"])
        title.set_color(title_color)
    for axis in (ax.xaxis, ax.yaxis):
        axis.label.set_text("")
        axis.label.set_fontsize(rc["axes.labelsize"])
        axis.label.set_fontweight(rc["axes.labelweight"])
        axis.label.set_color(rc["axes.labelcolor"])
        axis.offsetText.set_fontsize(rc[f"{axis.axis_name}tick.labelsize"])
    ax.set_xscale("linear")  # also the default locators and formatters
    ax.set_yscale("linear")
    ax.set_aspect("auto")
    ax.patch.set_visible(True)
    ax.grid(rc["axes.grid"])
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_xmargin(rc["axes.xmargin"])
    ax.set_ymargin(rc["axes.ymargin"])
    ax.set_xlim(0, 1, auto=True)
    ax.set_ylim(0, 1, auto=True)


class LiveFigure:
    """A figure function's figure, redrawn in place.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> Figure``. If it accepts ``ax`` or ``axes`` (as the book's
        figure functions do), later frames are drawn into the axes of the first figure.
    width_px : int
        The widest a frame is drawn, in pixels.
    """

    def __init__(self, draw, width_px: int = FRAME_WIDTH_PX):
        self.draw = draw
        self.width_px = int(width_px)
        params = inspect.signature(draw).parameters
        self.target = next((p for p in ("axes", "ax") if p in params), None)
        self.figure: Figure | None = None
        self.panels: list = []  # one axes per grid cell, drawn into by every frame
        self.twins: list = []  # their twins (figures._style.twin_axes), kept between frames
        self._lock = threading.Lock()

    def _adopt(self, fig: Figure) -> None:
        """Make ``fig`` the live figure: lay it out once, at the frame's resolution."""
        fig.set_dpi(min(MAX_DPI, self.width_px / fig.get_figwidth()))
        FrameCanvas(fig)
        fig.canvas.draw()  # constrained layout, once
        fig.set_layout_engine("none")
        self.figure = fig
        # The panels a figure function draws into: one axes per grid cell. A panel's twin
        # and its insets (figures._style.twin_axes, inset_axes) are kept too, emptied and
        # hidden until the function asks for them again.
        seen, self.panels = set(), []
        for ax in fig.axes:
            key = self._cell(ax)
            if key is not None and key not in seen and ax.get_label() != "<colorbar>":
                seen.add(key)
                self.panels.append(ax)
        self.twins = [ax for ax in fig.axes if ax not in self.panels
                      and any(twin_of(panel) is ax for panel in self.panels)]

    def _clear(self) -> None:
        fig = self.figure
        for ax in list(fig.axes):
            if ax not in self.panels and ax not in self.twins:
                ax.remove()
        for ax in self.panels + self.twins:
            for child in ax.child_axes:  # insets (figures._style.inset_axes): kept, hidden
                _reset_panel(child)
                child.set_visible(False)
            _reset_panel(ax)
        for ax in self.twins:
            ax.set_visible(False)
        fig.legends.clear()
        fig.texts.clear()
        if getattr(fig, "_suptitle", None) is not None:
            fig._suptitle.remove()
            fig._suptitle = None

    def _place_new_axes(self) -> None:
        """Axes a frame made (a ``twinx`` not made by ``twin_axes``) go where the first
        layout put their panel."""
        places = {self._cell(ax): ax.get_position(original=True) for ax in self.panels}
        for ax in self.figure.axes:
            if ax not in self.panels and self._cell(ax) in places:
                ax.set_position(places[self._cell(ax)], which="both")

    @staticmethod
    def _cell(ax):
        spec = ax.get_subplotspec()
        return None if spec is None else (spec.rowspan.start, spec.colspan.start)

    def _overflows(self) -> bool:
        """Whether a text the frame changed (a longer title, a wider legend) left the figure."""
        fig = self.figure
        renderer = fig.canvas.get_renderer()
        box = fig.bbox
        for ax in fig.axes:
            legend = ax.get_legend()
            for artist in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label,
                           ax.yaxis.label, legend):
                if artist is None or not artist.get_visible() or \
                        (hasattr(artist, "get_text") and not artist.get_text()):
                    continue
                extent = artist.get_window_extent(renderer)
                if extent.x0 < box.x0 - 1 or extent.x1 > box.x1 + 1 or \
                        extent.y0 < box.y0 - 1 or extent.y1 > box.y1 + 1:
                    return True
        return False

    def update(self, **values) -> Figure:
        """Draw the frame for ``values``; returns the live figure."""
        with self._lock:
            if self.figure is None or self.target is None:
                self._adopt(self.draw(**values))
                return self.figure
            self._clear()
            target = self.panels if self.target == "axes" else self.panels[0]
            self.draw(**values, **{self.target: target})
            scale_fonts(self.figure)  # the figure functions scale only figures they made
            self._place_new_axes()
            return self.figure

    def png(self) -> bytes:
        """The current frame as PNG bytes (drawn now)."""
        from PIL import Image

        canvas = self.figure.canvas
        canvas.draw()
        if self._overflows():
            # Lay the figure out again, this once (a second draw).
            self.figure.set_layout_engine("constrained")
            canvas.draw()
            self.figure.set_layout_engine("none")
            self._place_new_axes()
        buf = io.BytesIO()
        # compress_level=1: a larger file but a third of the encoding time; the frame
        # travels over a local socket. RGB: the figure is opaque, and a quarter fewer bytes
        # to filter and compress.
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert(
            "RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()
