"""The one style of the book's figures: colours, axes set-up and font scaling.

Every public figure function is decorated with :func:`readable` and gets its figure and
axes from :func:`figure_axes`; no figure module builds a ``Figure`` by hand.
"""

from __future__ import annotations

import functools

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

THEORY = "C3"
SAMPLE = "C0"
POPULATION = "C2"

# Figures are shown at the width of the book's text column (about 6.9 in at 100 dpi), so a
# wide multi-panel figure is scaled down and its text would shrink with it. A figure made
# by a figure function therefore has its fonts scaled by width / 6.4 in, the width of a
# single-panel figure, which keeps text the same size on the page whatever the layout.
TEXT_COLUMN_IN = 6.4


def figure_axes(ax=None, *, ncols: int = 1, figsize=(6.4, 3.8), squeeze: bool = True,
                sharey: bool = False):
    """``(fig, ax)``: the figure of the given axes, or a new figure with ``ncols`` panels.

    ``ax`` may be one Axes, a sequence of ``ncols`` Axes (multi-panel figures) or None.
    With None a constrained-layout :class:`~matplotlib.figure.Figure` (not registered with
    pyplot) is made, its panels in one row (sharing the y axis with ``sharey=True``); its
    axes are returned as one Axes for ``ncols == 1``, else an array. With
    ``squeeze=False`` the axes always come as a 1-D array of ``ncols`` Axes (for figures
    whose number of panels follows the data), given or new.
    """
    ncols = int(ncols)
    if ncols < 1:
        raise ValueError(f"ncols must be an integer >= 1, got {ncols}")
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        # Titles at a fixed height above the axes: no figure has tick labels on top, and
        # finding whether a title must move above them is a tenth of an explorer's frame.
        with mpl.rc_context({"axes.titley": 1.0}):
            axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False)[0]
        return fig, (axes[0] if squeeze and ncols == 1 else axes)
    if ncols > 1 or not squeeze:
        axes = np.array(ax, dtype=object).ravel()
        if axes.size != ncols:
            raise ValueError(f"axes must hold {ncols} Axes, got {axes.size}")
        return axes[0].figure, (list(axes) if squeeze else axes)
    return ax.figure, ax


def twin_of(ax):
    """The axes that shares ``ax``'s x axis and holds a y axis on the right (``twinx``), or
    None."""
    for other in ax.get_shared_x_axes().get_siblings(ax):
        if other is not ax and other.get_subplotspec() == ax.get_subplotspec() \
                and other.yaxis.get_label_position() == "right":
            return other
    return None


def twin_axes(ax):
    """``ax.twinx()``: a second y axis on the right of ``ax``, sharing its x axis.

    An explorer's live figure (``figures._live.LiveFigure``) keeps the twin of its first
    frame, emptied and hidden: a later frame shows it again instead of building an axes.
    """
    twin = twin_of(ax)
    if twin is None:
        return ax.twinx()
    twin.set_visible(True)
    twin.patch.set_visible(False)  # as twinx leaves it: the panel below shows through
    return twin


def inset_axes(ax, bounds):
    """``ax.inset_axes(bounds)``: a small axes inside ``ax`` (bounds in ``ax``'s fractions).

    As with :func:`twin_axes`, an explorer's live figure keeps the inset of its first frame,
    emptied and hidden, and a later frame shows it again.
    """
    label = f"inset at {tuple(float(b) for b in bounds)}"
    for child in ax.child_axes:
        if child.get_label() == label:
            child.set_visible(True)
            return child
    return ax.inset_axes(bounds, label=label)


def label_spectrum(ax, title: str) -> None:
    """The axes of a spectrum of S in units of κ: labels, ``title`` and the legend."""
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")


def scale_fonts(fig: Figure) -> None:
    """Scale every text of ``fig`` by its width / :data:`TEXT_COLUMN_IN` (wider only)."""
    factor = fig.get_figwidth() / TEXT_COLUMN_IN
    if factor <= 1.05:
        return
    # Only the texts that exist: walking every artist (findobj) would build all the tick
    # objects and cost more than drawing the figure, which slows the explorers.
    texts = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(),
                  ax.yaxis.get_offset_text(), *ax.texts]
        texts += [getattr(ax, name) for name in ("_left_title", "_right_title")
                  if hasattr(ax, name)]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        for axis in ("x", "y"):
            base = FontProperties(size=mpl.rcParams[f"{axis}tick.labelsize"]).get_size_in_points()
            ax.tick_params(axis=axis, which="both", labelsize=base * factor)
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:
        texts.append(suptitle)
    for text in texts:
        text.set_fontsize(text.get_fontsize() * factor)


def readable(plot):
    """Decorator for every public figure function: scales the fonts of a figure it made.

    A figure drawn into axes the caller passed (``ax=`` or ``axes=``) is left alone: its
    size is the caller's.
    """

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        fig = plot(*args, **kwargs)
        if kwargs.get("ax") is None and kwargs.get("axes") is None:
            scale_fonts(fig)
        return fig

    wrapper.readable = True
    return wrapper
