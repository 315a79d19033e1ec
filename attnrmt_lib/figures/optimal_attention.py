"""Figures of the optimal-attention chapter (04_optimal_attention):
weight profiles, detection thresholds, alignment.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .._validation import check_correlation_matrix, check_weights
from ..correlation import PositionalModel
from ..detection import alignment_at_signal, detection_threshold, standard_weightings
from ..labels import geometric_purity, label_model
from ..spikes import thresholds
from ..weights import (
    harmonic_weights,
    mean_weights,
    optimal_weights,
    snr,
    top_eigenvalue_is_simple,
)
from ._style import figure_axes, readable

__all__ = ["plot_weight_profiles", "plot_detection_thresholds", "plot_alignment_vs_signal",
           "plot_purity_comparison"]


_OPT_STYLE = {  # weighting name -> (colour, line style, marker), shared by the chapter's figures
    "mean": ("C0", "-", "o"),
    "first token": ("C1", "-", "s"),
    "last token": ("C4", (0, (4, 3)), "D"),
    "harmonic": ("C2", "-", "^"),
    "optimal": ("C3", "-", "v"),
}


def _opt_style(name, i):
    return _OPT_STYLE.get(name, (f"C{(5 + i) % 10}", "-", "o"))


def _opt_models(models):
    """[(name, R)] from a dict name -> model/matrix, a sequence of them, or one of them."""
    if isinstance(models, PositionalModel) or (not isinstance(models, dict)
                                              and np.ndim(models) == 2):
        models = [models]
    if isinstance(models, dict):
        items = list(models.items())
    else:
        items = [(getattr(m, "name", f"model {i + 1}"), m) for i, m in enumerate(models)]
    if not items:
        raise ValueError("models must contain at least one PositionalModel or matrix")
    return [(str(name), check_correlation_matrix(m.R if isinstance(m, PositionalModel) else m))
            for name, m in items]


def _opt_weights(weightings, R):
    """{name: weights} for R (callables such as optimal_weights are evaluated on R)."""
    if weightings is None:
        weightings = standard_weightings(R.shape[0])
    if not isinstance(weightings, dict) or not weightings:
        raise ValueError("weightings must be a non-empty dict of name -> weights or callable(R)")
    return {name: check_weights(w(R) if callable(w) else w, R.shape[0], name=f"weights {name!r}")
            for name, w in weightings.items()}


@readable
def plot_weight_profiles(models, *, reference: bool = True, ax=None) -> Figure:
    r"""The optimal pooling weights (top eigenvector of R) against the position, for several R.

    Each curve is :func:`~attnrmt_lib.optimal_weights` of one model, with unit norm (κ = 1;
    any scale gives the same α/κ) and positive sum; the legend gives
    :math:`\lambda_{max}(R)`, the α/κ it reaches. When the top eigenvalue is degenerate
    (e.g. R = I) the maximiser is not unique and the legend says so.

    Parameters
    ----------
    models : dict, sequence, PositionalModel or matrix
        Name -> :class:`~attnrmt_lib.PositionalModel` or T×T correlation matrix (a sequence
        uses each model's ``name``).
    reference : bool, default True
        Also draw mean pooling (:math:`1/\sqrt T` at unit norm) and the harmonic weights of
        causal attention, normalised, for the T of the first model.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = _opt_models(models)
    fig, ax = figure_axes(ax)
    markers = "ovs^Dp*hX"
    for i, (name, R) in enumerate(items):
        w = optimal_weights(R)
        lam = np.linalg.eigvalsh(R)[-1]
        simple = top_eigenvalue_is_simple(R)
        label = rf"{name} ($\lambda_{{max}}$ = {lam:.3g}" + (")" if simple else ", not unique)")
        t = np.arange(1, w.size + 1)
        ax.plot(t, w, marker=markers[i % len(markers)], ms=4, color=f"C{(i + 5) % 10}"
                if i >= 4 else ("C3", "C9", "C8", "C6")[i], label=label)
    if reference:
        T = items[0][1].shape[0]
        t = np.arange(1, T + 1)
        h = harmonic_weights(T)
        ax.plot(t, np.full(T, 1.0 / np.sqrt(T)), color="0.45", ls="--", lw=1,
                label="mean pooling")
        ax.plot(t, h / np.linalg.norm(h), color="0.45", ls=":", lw=1.5,
                label="harmonic (causal attention)")
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("position $t$")
    ax.set_ylabel(r"optimal weight $w_t$ ($\|w\| = 1$)")
    ax.legend(loc="best", fontsize="small")
    return fig


@readable
def plot_detection_thresholds(models, delta: float, gamma: float, *, weightings=None,
                              annotate: bool = True, ax=None) -> Figure:
    r"""Grouped bars of the detection threshold :math:`\|\mu\|^2_c = \rho_2\kappa/\alpha` per pooling and model.

    One group per positional model, one bar per pooling (default
    :func:`~attnrmt_lib.detection.standard_weightings`: mean, first token, last token,
    harmonic, optimal). Lower is better: the signal is detectable from a smaller
    :math:`\|\mu\|^2`. The dashed line is :math:`\rho_2`, the threshold of any single token
    (α/κ = 1) and of every pooling under i.i.d. signs.

    Parameters
    ----------
    models : dict, sequence, PositionalModel or matrix
        Name -> :class:`~attnrmt_lib.PositionalModel` or T×T correlation matrix.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    weightings : dict, optional
        Name -> weights or callable(R) (evaluated per model, so models may differ in T).
    annotate : bool, default True
        Write each threshold above its bar.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = _opt_models(models)
    _, rho2 = thresholds(delta, gamma)
    tables = [(name, _opt_weights(weightings, R), R) for name, R in items]
    names = list(tables[0][1])
    for _, ws, _ in tables:
        if list(ws) != names:
            raise ValueError("every model must be given the same poolings")
    fig, ax = figure_axes(ax, figsize=(max(6.4, 1.9 * len(items) + 2.8), 3.9))
    n = len(names)
    width = 0.8 / n
    top = rho2
    for j, wname in enumerate(names):
        color, _, _ = _opt_style(wname, j)
        x = np.arange(len(items)) + (j - (n - 1) / 2) * width
        h = np.array([detection_threshold(ws[wname], R, delta, gamma) for _, ws, R in tables])
        finite = np.isfinite(h)
        ax.bar(x[finite], h[finite], width=0.95 * width, color=color, label=wname)
        top = max(top, h[finite].max() if finite.any() else top)
        if annotate:
            for xi, hi in zip(x, h):
                text = f"{hi:.2f}" if np.isfinite(hi) else r"$\infty$"
                ax.text(xi, (hi if np.isfinite(hi) else 0.0) + 0.01 * rho2, text, ha="center",
                        va="bottom", fontsize=7, bbox=dict(facecolor="white", edgecolor="none",
                                                           pad=0.3, alpha=0.8))
    ax.axhline(rho2, color="0.3", ls="--", lw=1,
               label=rf"$\rho_2$ = {rho2:.3g} ($\alpha/\kappa$ = 1)")
    ax.set_xticks(np.arange(len(items)))
    ax.set_xticklabels([name for name, _ in items])
    ax.set_ylim(0, 1.12 * top)
    ax.set_ylabel(r"threshold $\|\mu\|^2_c = \rho_2\kappa/\alpha$")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig


@readable
def plot_alignment_vs_signal(R, delta: float, gamma: float, *, weightings=None,
                             mu_norm2_max: float | None = None, simulations=None,
                             ax=None) -> Figure:
    r"""Squared alignment :math:`|\hat u^\top u|^2` against the signal strength :math:`\|\mu\|^2`, per pooling.

    Theory curves are :func:`~attnrmt_lib.detection.alignment_at_signal`, i.e.
    :func:`~attnrmt_lib.overlap` at :math:`\rho = (\alpha/\kappa)\|\mu\|^2`; each pooling's
    detection threshold :math:`\rho_2\kappa/\alpha` is a dotted vertical line of its colour.
    Better poolings shift the same curve to the left by the factor κ/α.

    Parameters
    ----------
    R : PositionalModel or array_like, shape (T, T)
        Positional correlation model.
    delta, gamma : float
        Ratios d/V and d/N (> 0) for the theory curves.
    weightings : dict, optional
        Name -> weights or callable(R); default
        :func:`~attnrmt_lib.detection.standard_weightings`.
    mu_norm2_max : float, optional
        Right end of the axis (default 2.5 times the largest finite threshold).
    simulations : dict, optional
        Pooling name -> iterable of :class:`~attnrmt_lib.SimulationResult`, drawn at
        ``(result.mu_norm2, result.overlap)`` in that pooling's colour.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    (_, R), = _opt_models(R)
    ws = _opt_weights(weightings, R)
    cuts = {name: detection_threshold(w, R, delta, gamma) for name, w in ws.items()}
    finite = [c for c in cuts.values() if np.isfinite(c)]
    right = mu_norm2_max if mu_norm2_max is not None else 2.5 * max(finite or [1.0])
    m = np.linspace(0.0, right, 600)
    fig, ax = figure_axes(ax)
    for i, (name, w) in enumerate(ws.items()):
        color, ls, _ = _opt_style(name, i)
        ax.plot(m, alignment_at_signal(m, w, R, delta, gamma), color=color, ls=ls,
                label=rf"{name} ($\alpha/\kappa$ = {snr(w, R):.3g})")
        if np.isfinite(cuts[name]):
            ax.axvline(cuts[name], color=color, ls=":", lw=0.9)
    if simulations:
        dims = set()
        for i, (name, results) in enumerate(simulations.items()):
            if name not in ws:
                raise ValueError(f"simulations name {name!r} is not one of the poolings {list(ws)}")
            color, _, marker = _opt_style(name, list(ws).index(name))
            results = list(results)
            dims.update(r.d for r in results)
            ax.plot([r.mu_norm2 for r in results], [r.overlap for r in results], marker,
                    color=color, mfc="white", mew=1.5, ms=5, ls="none")
        dims = ", ".join(str(d) for d in sorted(dims))
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], marker="o", color="0.3", mfc="white", mew=1.5, ls="none"))
        labels.append(f"simulation (d = {dims})")
        ax.legend(handles, labels, loc="lower right", fontsize="small")
    else:
        ax.legend(loc="lower right", fontsize="small")
    ax.set_xlim(0, right)
    ax.set_ylim(-0.02, 1.0)
    ax.set_xlabel(r"signal strength $\|\mu\|^2$")
    ax.set_ylabel(r"$|\hat u^\top u|^2$")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}")
    return fig


@readable
def plot_purity_comparison(s0: float = 0.9, r: float = 0.8, T: int = 16, delta: float = 0.5,
                           gamma: float = 0.5, *, axes=None) -> Figure:
    r"""Label model with purity :math:`s_t = s_0 r^{t-1}`: the weights and their detection thresholds.

    Left: the purity profile (grey bars) with the unit-norm mean, harmonic and optimal
    weights; the optimal ones, :math:`w_t \propto s_t/(\lambda_{max} - 1 + s_t^2)`
    (:func:`~attnrmt_lib.detection.label_model_optimum`), follow the purity. Right:
    :func:`plot_detection_thresholds` for the five standard poolings. Theory only (fast
    enough to redraw under a slider).

    Parameters
    ----------
    s0 : float, default 0.9
        Purity of the first token, in [0, 1].
    r : float, default 0.8
        Decay per position, in [0, 1].
    T : int, default 16
        Sequence length >= 1.
    delta, gamma : float, default 0.5
        Ratios d/V and d/N (> 0).
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    s = geometric_purity(T, s0, r)
    model = label_model(s)
    fig, axes = figure_axes(axes, ncols=2, figsize=(11, 3.9))
    ax_w, ax_c = axes
    t = np.arange(1, T + 1)
    ax_w.bar(t, s, width=0.7, color="0.85", label="purity $s_t$")
    unique = top_eigenvalue_is_simple(model.R)
    for name, w in (("mean", mean_weights(T)), ("harmonic", harmonic_weights(T)),
                    ("optimal", optimal_weights(model.R))):
        color, ls, marker = _opt_style(name, 0)
        label = name + ("" if unique or name != "optimal" else " (not unique: R = I)")
        ax_w.plot(t, w / np.linalg.norm(w), color=color, ls=ls, marker=marker, ms=3.5,
                  label=f"{label} ({snr(w, model.R):.3g})")
    # Weights (unit norm) and purities are at most 1: the band above holds the legend,
    # in two columns, so it never covers a curve.
    ax_w.set_ylim(0, 1.6)
    ax_w.set_yticks(np.linspace(0, 1, 5))
    ax_w.set_xlabel("position $t$")
    ax_w.set_ylabel(r"purity / weight ($\|w\| = 1$)")
    # Short: the right panel's title sits next to it.
    ax_w.set_title(rf"$s_t = {s0:.3g}\cdot{r:.3g}^{{t-1}}$, T = {T}")
    ax_w.legend(loc="upper center", fontsize="x-small", ncol=2, title_fontsize="x-small",
                title=r"pooling ($\alpha/\kappa$)", borderaxespad=0.2)
    plot_detection_thresholds({"label model": model}, delta, gamma, ax=ax_c)
    ax_c.set_xticks([])
    ax_c.set_xlim(-0.5, 0.5)
    return fig
