"""One figure per explorer, redrawn in place and handed out as PNG bytes.

The book's figure functions build a new :class:`~matplotlib.figure.Figure` on every call,
and Jupyter's inline backend then lays it out again and draws it twice (once more to find
the tight bounding box) before encoding a PNG. In an explorer that is most of the time a
slider move takes. :class:`LiveFigure` keeps the figure of the first call instead:

- later calls clear its axes and draw into them (``ax=``/``axes=`` of the figure function),
  so no Figure, no subplots and no layout are built again, and the axes keep their tick
  objects; the same figure function draws the book's static figure and every frame of the
  explorer (tests/test_widgets.py compares the two);
- the constrained layout is computed on the first draw only, then frozen (the panels keep
  their place while the sliders move, which is also easier to read); a frame whose title,
  label or legend would leave the figure is laid out again;
- while an explorer redraws, BLAS runs on one thread (attnrmt_lib.widgets);
- the frame is drawn once by Agg at the width it will be shown at (no browser scaling, no
  tight bounding box pass) and encoded as a fast PNG.

Figure functions that take no axes argument still work: each call then builds a new
figure, drawn the same fast way.
"""

from __future__ import annotations

import inspect
import io
import threading

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._style import scale_fonts

# The width of a notebook's output area in JupyterLab at a 1280 px wide window with the
# file browser open (about 850 px): frames are drawn at most this wide, so the browser
# never scales them down.
FRAME_WIDTH_PX = 840
MAX_DPI = 100.0


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
        self.panels: list = []
        self._lock = threading.Lock()

    def _adopt(self, fig: Figure) -> None:
        """Make ``fig`` the live figure: lay it out once, at the frame's resolution."""
        fig.set_dpi(min(MAX_DPI, self.width_px / fig.get_figwidth()))
        FigureCanvasAgg(fig)
        fig.canvas.draw()  # constrained layout, once
        fig.set_layout_engine("none")
        self.figure = fig
        # The panels a figure function draws into: one axes per grid cell (a twin axes or
        # an inset is made again by the function on every frame).
        seen, self.panels = set(), []
        for ax in fig.axes:
            key = self._cell(ax)
            if key is not None and key not in seen and ax.get_label() != "<colorbar>":
                seen.add(key)
                self.panels.append(ax)

    def _clear(self) -> None:
        fig = self.figure
        for ax in list(fig.axes):
            if ax not in self.panels:
                ax.remove()
        for ax in self.panels:
            for child in list(ax.child_axes):
                child.remove()
            # Clearing an axes throws its tick objects away, and making them again is a
            # third of a frame's drawing: keep them. The figure function's tick settings
            # (and scale_fonts) are applied to them again on every frame.
            ticks = [(axis, axis.majorTicks, axis.minorTicks) for axis in (ax.xaxis, ax.yaxis)]
            ax.cla()
            for axis, major, minor in ticks:
                axis.majorTicks, axis.minorTicks = major, minor
        fig.legends.clear()
        fig.texts.clear()
        if getattr(fig, "_suptitle", None) is not None:
            fig._suptitle.remove()
            fig._suptitle = None

    def _place_new_axes(self) -> None:
        """Axes a frame made (a twin) go where the first layout put their panel."""
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
        # travels over a local socket.
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()
