"""Figures of the bulk-law chapter (02_bulk):
densities, their limits, simulations, a finite vocabulary.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .._validation import check_array, check_positive
from ..bulk import bulk_atom, bulk_density, bulk_edges, upper_edge_bound, upper_edge_first_order
from ..critical_points import bulk_critical_points, bulk_inverse
from ..marchenko_pastur import mp_atom, mp_density, mp_edges
from ..simulation import SimulationResult
from ._style import SAMPLE, THEORY, figure_axes, inset_axes, label_spectrum, readable

__all__ = ["plot_bulk_density", "plot_bulk_limits", "plot_bulk_simulation",
           "plot_vocabulary_cost", "plot_bulk_inverse"]


@readable
def plot_bulk_density(delta: float, gamma: float, kappa: float = 1.0, *, ax=None) -> Figure:
    """The density of κ(MP_δ ⊠ MP_γ) with its edges and atom."""
    fig, ax = figure_axes(ax)
    lower, upper = bulk_edges(delta, gamma, kappa)
    x = np.linspace(lower, upper, 800)
    ax.plot(x, bulk_density(x, delta, gamma, kappa), color=THEORY,
            # Three significant digits, as the explorer's sliders show δ and γ.
            label=rf"$\kappa(\mathrm{{MP}}_{{{delta:.3g}}}\boxtimes\mathrm{{MP}}_{{{gamma:.3g}}})$")
    for edge in (lower, upper):
        ax.axvline(edge, color="0.6", lw=0.8, ls=":")
    atom = bulk_atom(delta, gamma)
    if atom > 0:
        # In the legend, where it cannot cover the density's hard edge at 0.
        ax.plot([], [], " ", label=f"atom {atom:.2f} at 0")
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel("density")
    ax.legend(loc="upper right")
    return fig


@readable
def plot_bulk_limits(fixed: float, values, *, vary: str = "delta", kappa: float = 1.0,
                     ax=None) -> Figure:
    r"""Densities of κ(MP_δ ⊠ MP_γ) as one ratio shrinks, against the limiting κ MP law.

    With ``vary="delta"`` the curves are κ(MP_v ⊠ MP_fixed) for v in ``values`` and the
    limit (v → 0) is κ MP_fixed, the law for fresh Gaussian tokens; with ``vary="gamma"``
    the roles swap and the limit (infinitely many samples) is the table's own law κ MP_fixed.
    Atoms at zero are given in the legend.

    Parameters
    ----------
    fixed : float
        The ratio held fixed (γ for ``vary="delta"``, δ for ``vary="gamma"``), > 0.
    values : sequence of float
        Values (> 0) of the ratio that shrinks.
    vary : {"delta", "gamma"}, default "delta"
        Which ratio the ``values`` are.
    kappa : float, default 1.0
        Scale κ = ‖w‖².
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fixed = check_positive(fixed, "fixed")
    kappa = check_positive(kappa, "kappa")
    if vary not in ("delta", "gamma"):
        raise ValueError(f"vary must be 'delta' or 'gamma', got {vary!r}")
    values = check_array(values, "values").ravel()
    if values.size == 0 or np.any(values <= 0):
        raise ValueError("values must be a non-empty list of numbers > 0")
    fig, ax = figure_axes(ax)
    name, other = (r"\delta", r"\gamma") if vary == "delta" else (r"\gamma", r"\delta")
    colors = [_family_color(i / max(1, values.size - 1)) for i in range(values.size)]
    for v, color in zip(values, colors):
        delta, gamma = (v, fixed) if vary == "delta" else (fixed, v)
        lower, upper = bulk_edges(delta, gamma, kappa)
        x = np.linspace(lower, upper, 800)[1:-1]
        atom = bulk_atom(delta, gamma)
        label = rf"${name}$ = {v:g}" + (f" (atom {atom:.2f})" if atom > 0 else "")
        ax.plot(x, bulk_density(x, delta, gamma, kappa), color=color, label=label)
    a, b = mp_edges(fixed)
    x = kappa * np.linspace(a, b, 800)[1:-1]
    limit = _fresh_token_density(x, fixed, kappa)
    atom = mp_atom(fixed)
    label = rf"limit ${name}\to 0$: $\kappa\,\mathrm{{MP}}_{{{fixed:g}}}$"
    ax.plot(x, limit, color="k", ls="--", lw=1.5,
            label=label + (f" (atom {atom:.2f})" if atom > 0 else ""))
    ax.set_ylim(0, 1.6 * limit.max())
    ax.set_xlim(0, None)
    ax.set_xlabel(r"eigenvalue $\lambda$" + ("" if kappa == 1 else rf" ($\kappa$ = {kappa:g})"))
    ax.set_ylabel("density")
    ax.set_title(rf"${other}$ = {fixed:g}, ${name}\to 0$")
    ax.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_bulk_simulation(result: SimulationResult, *, fresh_tokens: bool = True, bins: int = 60,
                         zoom=None, ax=None) -> Figure:
    r"""Histogram of a simulated bulk (units of κ) against κ(MP_δ ⊠ MP_γ) and fresh tokens.

    Eigenvalues that vanish numerically (≤ 1e-9 times the largest) are the atom at zero:
    they are left out of the histogram and their fraction is printed next to the
    predicted mass :func:`~attnrmt_lib.bulk_atom`. The histogram is normalised by d, so it
    integrates to one minus the atom, like the theory curve. Theory uses the realised
    ratios ``result.delta``, ``result.gamma``.

    Parameters
    ----------
    result : SimulationResult
        A simulation, typically without signal (``mu_norm2=0``): outliers are not marked
        (see :func:`plot_spectrum`).
    fresh_tokens : bool, default True
        Also draw κ MP_γ, the bulk if every token were a fresh Gaussian vector (δ → 0).
    bins : int, default 60
        Histogram bins over the plotted range.
    zoom : (float, float), optional
        Range of the horizontal axis in units of κ (default: from 0, or just below the
        lower edge, to just above the upper edge).
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(result, SimulationResult):
        raise ValueError(f"result must be a SimulationResult, got {type(result).__name__}")
    fig, ax = figure_axes(ax)
    ev = result.eigenvalues / result.kappa
    delta, gamma = result.delta, result.gamma
    lower, upper = bulk_edges(delta, gamma)
    zero = ev <= 1e-9 * max(ev[-1], 1e-300)
    if zoom is None:
        left = 0.0 if lower < 0.1 * upper else 0.9 * lower
        right = 1.08 * max(upper, mp_edges(gamma)[1] if fresh_tokens else upper)
    else:
        left, right = (float(z) for z in zoom)
        if not right > left:
            raise ValueError(f"zoom must be an increasing pair, got {zoom!r}")
    nonzero = ev[~zero]
    shown = nonzero[(nonzero >= left) & (nonzero <= right)]
    edges = np.linspace(left, right, bins + 1)
    heights, _, _ = ax.hist(shown, bins=edges,
                            weights=np.full(shown.size, 1.0 / (ev.size * np.diff(edges)[0])),
                            color=SAMPLE, alpha=0.45, label=f"simulation, d = {result.d}",
                            histtype="stepfilled")  # one polygon: quicker to draw
    x = np.linspace(max(lower, left), min(upper, right), 1000)
    x = x[x > 0]
    ax.plot(x, bulk_density(x, delta, gamma), color=THEORY,
            label=r"$\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma$ (finite vocabulary)")
    if fresh_tokens:
        a, b = mp_edges(gamma)
        xf = np.linspace(max(a, left), min(b, right), 1000)
        xf = xf[xf > 0]
        ax.plot(xf, _fresh_token_density(xf, gamma), color="k", ls="--", lw=1.2,
                label=r"$\mathrm{MP}_\gamma$ (fresh Gaussian tokens)")
    for edge in (lower, upper):
        if left <= edge <= right:
            ax.axvline(edge, color="0.6", lw=0.8, ls=":")
    atom = bulk_atom(delta, gamma)
    top = heights.max() if heights.size and heights.max() > 0 else bulk_density(x, delta, gamma).max()
    if atom > 0 or zero.any():
        if left <= 0.0:
            # The atom has no density: an arrow at zero stands for it.
            ax.annotate("", xy=(0.0, 1.2 * top), xytext=(0.0, 0.0), annotation_clip=False,
                        arrowprops={"arrowstyle": "-|>", "color": THEORY, "lw": 2.5})
        ax.text(0.98, 0.6, f"zero eigenvalues: {zero.mean():.3f} of d\n(atom, theory: {atom:.3f})",
                transform=ax.transAxes, ha="right", va="top", fontsize="small")
    ax.set_ylim(0, 1.3 * top)
    ax.set_xlim(left, right)
    label_spectrum(ax, rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}, T = {result.T}")
    return fig


@functools.lru_cache(maxsize=32)
def _edge_curves(delta_max: float, gamma: float):
    """The bulk's edges on a grid of δ in (0, delta_max] at one γ.

    Cached: the explorer redraws this panel for every δ at the same γ, and the 240 edge
    computations were a fifth of a frame.
    """
    grid = np.linspace(0.0, delta_max, 241)[1:]
    edges = np.array([bulk_edges(dl, gamma) for dl in grid])
    grid.setflags(write=False)
    edges.setflags(write=False)
    return grid, edges


@readable
def plot_vocabulary_cost(delta: float, gamma: float, *, delta_max: float | None = None,
                         kappa: float = 1.0, axes=None) -> Figure:
    r"""What a finite vocabulary costs: κ(MP_δ ⊠ MP_γ) against fresh tokens' κ MP_γ.

    Left: the two densities at the given δ, γ. Right: the edges of the bulk against δ at
    fixed γ, with the fresh-token edges κ(1 ∓ √γ)² (δ → 0), the operator-norm bound
    κ(1 + √δ)²(1 + √γ)² on the upper edge, and its first-order growth
    κ(1 + √γ)²(1 + δ/√γ).

    Parameters
    ----------
    delta, gamma : float
        Ratios δ = d/V > 0 and γ = d/N > 0; δ is marked on the right panel.
    delta_max : float, optional
        Right end of the δ axis (default max(2, 1.5 δ)).
    kappa : float, default 1.0
        Scale κ = ‖w‖²; eigenvalues are shown in units of κ.
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    delta_max = max(2.0, 1.5 * delta) if delta_max is None else check_positive(delta_max, "delta_max")
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_den, ax_edge = axes
    lower, upper = bulk_edges(delta, gamma)
    a, b = mp_edges(gamma)
    x = np.linspace(lower, upper, 800)[1:-1]
    ax_den.plot(x, bulk_density(x, delta, gamma), color=THEORY,
                label=rf"finite vocabulary, $\delta$ = {delta:.3g}")
    xf = np.linspace(a, b, 800)[1:-1]
    fresh = _fresh_token_density(xf, gamma)
    ax_den.plot(xf, fresh, color="k", ls="--", lw=1.2, label=r"fresh tokens ($\delta\to 0$)")
    ax_den.set_ylim(0, 1.5 * fresh.max())
    ax_den.set_xlim(0, 1.05 * upper)
    ax_den.set_xlabel(r"eigenvalue / $\kappa$")
    ax_den.set_ylabel("density")
    ax_den.set_title(rf"$\gamma$ = {gamma:.3g}")
    ax_den.legend(loc="upper right", fontsize="small")

    grid, edges = _edge_curves(float(delta_max), float(gamma))
    ax_edge.plot(grid, edges[:, 1], color=THEORY, label="upper edge")
    ax_edge.plot(grid, edges[:, 0], color=THEORY, lw=1, alpha=0.6, label="lower edge")
    ax_edge.axhline(b, color="k", ls="--", lw=1, label=r"fresh tokens $(1\pm\sqrt{\gamma})^2$")
    ax_edge.axhline(a, color="k", ls="--", lw=1)
    ax_edge.plot(grid, upper_edge_bound(grid, gamma), color="0.5", ls=":",
                 label=r"bound $(1+\sqrt{\delta})^2(1+\sqrt{\gamma})^2$")
    ax_edge.plot(grid, upper_edge_first_order(grid, gamma), color="0.5", ls="-.", lw=1,
                 label=r"first order $(1+\sqrt{\gamma})^2(1+\delta/\sqrt{\gamma})$")
    ax_edge.plot([delta, delta], [lower, upper], "o", color=THEORY, ms=5)
    # The lower edge is small on this scale: an inset shows it.
    inset = inset_axes(ax_edge, [0.58, 0.11, 0.39, 0.18])
    inset.plot(grid, edges[:, 0], color=THEORY, lw=1)
    inset.axhline(a, color="k", ls="--", lw=1)
    inset.plot([delta], [lower], "o", color=THEORY, ms=4)
    inset.set_xlim(0, delta_max)
    inset.set_ylim(0, 1.3 * max(a, edges[:, 0].max(), 1e-3))
    inset.set_ylabel("lower edge", fontsize="x-small")
    inset.tick_params(labelsize="x-small")
    ax_edge.set_ylim(0, 1.15 * edges[:, 1].max())
    ax_edge.set_xlim(0, delta_max)
    ax_edge.set_xlabel(r"$\delta = d/V$")
    ax_edge.set_ylabel(r"edge / $\kappa$")
    ax_edge.set_title(rf"edges of the bulk, $\gamma$ = {gamma:.3g}")
    ax_edge.legend(loc="upper left", fontsize="small")
    return fig


def _fresh_token_density(x, gamma, kappa=1.0):
    """Density of κ MP_γ, the bulk for fresh Gaussian tokens (δ → 0)."""
    return mp_density(np.asarray(x, dtype=float) / kappa, gamma) / kappa


def _family_color(t):
    """Colour ``t`` in [0, 1] of the sequential map used for families of curves."""
    return colormaps["viridis"](0.85 * t)


@readable
def plot_bulk_inverse(delta: float, gamma: float, kappa: float = 1.0, *, ax=None) -> Figure:
    r"""The curve λ(η) whose turning points are the edges of κ(MP_δ ⊠ MP_γ).

    Outside the support the moment function η(λ) is real and
    :math:`\lambda(\eta) = \kappa(1 + \eta)(1 + \delta\eta)(1 + \gamma\eta)/\eta` inverts it
    (:func:`attnrmt_lib.critical_points.bulk_inverse`). Two branches are the inverse: above
    the support, :math:`0 < \eta \le \eta_+`, and below it (when there is a gap),
    :math:`\eta_- \le \eta < -q_1`; they are drawn solid, the rest of the curve dashed. The
    critical points (:func:`attnrmt_lib.critical_points.bulk_critical_points`) where the
    physical branches turn give the edges λ₊ (a minimum) and λ₋ (a maximum); the third
    critical point is not an edge. Dotted vertical lines mark the zeros :math:`-q_i` of the
    factors and the pole at 0; the grey band is the support.

    Parameters
    ----------
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    kappa : float, default 1
        Scale κ; the λ axis is in units of κ.
    ax : matplotlib axes, optional
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    fig, ax = figure_axes(ax, figsize=(6.4, 4.2))
    cp = bulk_critical_points(delta, gamma)
    q1, q2, q3 = (-p for p in cp.poles)
    lower, upper = bulk_edges(delta, gamma)
    left = -1.2 * q3
    right = max(2.5 * cp.upper, 1.0)
    # one grid per interval between the poles, so that no segment joins across a pole
    cuts = sorted({left, -q3, -q2, -q1, 0.0, right})
    physical = [(0.0, cp.upper)]
    if np.isfinite(cp.lower):
        physical.append((cp.lower, -q1))
    label_solid, label_dashed = "inverse of $\\eta(\\lambda)$ (physical branch)", "other roots"
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b - a <= 0:
            continue
        eta = np.linspace(a, b, 600)[1:-1]
        lam = bulk_inverse(eta, delta, gamma)
        on = np.zeros(eta.size, dtype=bool)
        for lo, hi in physical:
            on |= (eta >= lo) & (eta <= hi)
        ax.plot(eta, np.where(on, lam, np.nan), color=THEORY, lw=2, label=label_solid)
        ax.plot(eta, np.where(on, np.nan, lam), color=THEORY, lw=1, ls="--", label=label_dashed)
        label_solid = label_dashed = None
    ax.axhspan(lower, upper, color="0.85", zorder=0, label="support of the bulk")
    for p in sorted(set(cp.poles)) + [0.0]:
        ax.axvline(p, color="0.5", lw=0.7, ls=":")
    ax.plot([cp.upper], [upper], "o", color=THEORY, ms=7, zorder=3)
    ax.annotate(rf"$\lambda_+ = {upper:.3g}$ (minimum)", xy=(cp.upper, upper),
                xytext=(10, -18), textcoords="offset points")
    if np.isfinite(cp.lower):
        ax.plot([cp.lower], [lower], "o", color=THEORY, ms=7, zorder=3)
        ax.annotate(rf"$\lambda_- = {lower:.3g}$ (maximum)", xy=(cp.lower, lower),
                    xytext=(-10, 14), textcoords="offset points", ha="right")
    for e in cp.other:
        ax.plot([e], [bulk_inverse(e, delta, gamma)], "x", color="0.3", ms=7, zorder=3)
    ax.set_ylim(-0.8 * upper, 2.5 * upper)
    ax.set_xlim(left, right)
    ax.set_xlabel(r"$\eta$ (moment function at $1/\lambda$)")
    ax.set_ylabel(r"$\lambda(\eta)$ / $\kappa$")
    ax.set_title(rf"$\delta$ = {delta:g}, $\gamma$ = {gamma:g}: edges at the turning points")
    ax.legend(loc="lower left", fontsize="small")
    return fig
