"""Figures of the two-transitions chapter (03_transitions):
curves, phase diagram, Bai–Yao map, Paul's limit.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .._validation import check_positive
from ..bai_yao import bai_yao_derivative, bai_yao_map
from ..bulk import bulk_edges
from ..critical_points import outlier_curves
from ..phase_diagram import paul_overlap, paul_top_eigenvalue, threshold_grid
from ..spikes import overlap, population_outlier, population_overlap, thresholds, top_eigenvalue
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_phase_transition", "plot_phase_diagram", "plot_bai_yao_map", "plot_paul_limit",
           "plot_finite_size_transition", "plot_outlier_curves"]


@readable
def plot_phase_transition(
    delta: float,
    gamma: float,
    *,
    rho_max: float | None = None,
    simulations=(),
    axes=None,
) -> Figure:
    """Top eigenvalue (in units of κ) and squared alignment against ρ, both thresholds marked.

    Parameters
    ----------
    delta, gamma : float
        Ratios of the model.
    rho_max : float, optional
        Right end of the ρ axis (default: 2.5 ρ₂).
    simulations : iterable of SimulationResult
        Simulated points to overlay (each at its realised ρ).
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.
    """
    rho1, rho2 = thresholds(delta, gamma)
    rho = np.linspace(0.0, rho_max or 2.5 * rho2, 600)
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_val, ax_vec = axes
    ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=THEORY, label="sample (theory)")
    ax_val.plot(rho, population_outlier(rho, delta), color=POPULATION, ls=":",
                label="population (theory)")
    ax_vec.plot(rho, overlap(rho, delta, gamma), color=THEORY, label="sample (theory)")
    ax_vec.plot(rho, population_overlap(rho, delta), color=POPULATION, ls=":",
                label="population (theory)")
    sims = list(simulations)
    if sims:
        r = [s.rho for s in sims]
        ax_val.plot(r, [s.top_eigenvalue / s.kappa for s in sims], "o", color=SAMPLE, ms=4,
                    label="simulation")
        ax_vec.plot(r, [s.overlap for s in sims], "o", color=SAMPLE, ms=4, label="simulation")
    for ax in axes:
        ax.axvline(rho1, color=POPULATION, lw=0.8, ls="--")
        ax.axvline(rho2, color=THEORY, lw=0.8, ls="--")
        ax.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ymax = ax_vec.get_ylim()[1]
    ax_vec.text(rho1, 0.97 * ymax, r" $\rho_1$", va="top")
    ax_vec.text(rho2, 0.97 * ymax, r" $\rho_2$", va="top")
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


_PHASE_QUANTITIES = {
    "rho2": (r"sample threshold $\rho_2$", True),
    "rho1": (r"population threshold $\rho_1$", True),
    "gap": (r"$\rho_2 - \rho_1$", True),
    "relative_gap": (r"$1 - \rho_1/\rho_2$", False),
}


@readable
def plot_phase_diagram(
    quantity="rho2",
    *,
    delta_range: tuple[float, float] = (1e-2, 10.0),
    gamma_range: tuple[float, float] = (1e-2, 10.0),
    n: int = 160,
    mark=None,
    ax=None,
) -> Figure:
    r"""Phase diagram of the two transitions over the (δ, γ) plane, log axes.

    Each panel colours the plane by one quantity computed with
    :func:`attnrmt_lib.phase_diagram.threshold_grid` on an ``n`` × ``n`` log-spaced grid
    and draws labelled contour lines:

    * ``"rho2"``: the sample (detection) threshold :math:`\rho_2(\delta, \gamma)`;
    * ``"rho1"``: the population threshold :math:`\rho_1 = \delta + \sqrt\delta`;
    * ``"gap"``: :math:`\rho_2 - \rho_1`, the width of the window where the signal is in
      the population covariance but invisible in the sample;
    * ``"relative_gap"``: :math:`1 - \rho_1/\rho_2`, that window as a fraction of
      :math:`\rho_2` (→ 0 as γ → 0, → 1 as δ → 0).

    Parameters
    ----------
    quantity : str or sequence of str, default "rho2"
        One panel per quantity.
    delta_range, gamma_range : (float, float)
        Ranges of δ (horizontal) and γ (vertical), both > 0.
    n : int, default 160
        Grid points per axis.
    mark : (float, float) or sequence of them, optional
        Points (δ, γ) to mark with a star (e.g. the parameters of a simulation).
    ax : matplotlib axes or sequence of axes, optional
        Where to draw (one axes per quantity); a new figure by default.
    """
    quantities = [quantity] if isinstance(quantity, str) else list(quantity)
    if not quantities:
        raise ValueError("quantity must name at least one of " + ", ".join(_PHASE_QUANTITIES))
    for q in quantities:
        if q not in _PHASE_QUANTITIES:
            raise ValueError(f"quantity must be one of {sorted(_PHASE_QUANTITIES)}, got {q!r}")
    for name, (lo, hi) in (("delta_range", delta_range), ("gamma_range", gamma_range)):
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
            raise ValueError(f"{name} must be (low, high) with 0 < low < high, got {(lo, hi)}")
    if int(n) < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")
    if ax is not None and np.size(np.array(ax, dtype=object)) != len(quantities):
        raise ValueError(f"need {len(quantities)} axes for {len(quantities)} quantities")
    fig, axes = figure_axes(ax, ncols=len(quantities), squeeze=False,
                            figsize=(5.2 * len(quantities), 4.2))
    deltas = np.geomspace(*delta_range, int(n))
    gammas = np.geomspace(*gamma_range, int(n))
    rho1, rho2 = threshold_grid(deltas, gammas)
    values = {"rho2": rho2, "rho1": rho1, "gap": rho2 - rho1, "relative_gap": 1 - rho1 / rho2}
    marks = [] if mark is None else ([mark] if np.ndim(mark) == 1 else list(mark))
    for a, q in zip(axes, quantities):
        z = values[q]
        label, logscale = _PHASE_QUANTITIES[q]
        if logscale:
            norm = LogNorm(vmin=z.min(), vmax=z.max())
            decades = np.arange(np.floor(np.log10(z.min())), np.ceil(np.log10(z.max())) + 1)
            levels = np.sort(np.concatenate([10.0**decades, 2 * 10.0**decades,
                                             5 * 10.0**decades]))
            levels = levels[(levels > z.min()) & (levels < z.max())]
            cmap = "viridis"
        else:
            norm = None
            levels = np.linspace(0.1, 0.9, 9)
            levels = levels[(levels > z.min()) & (levels < z.max())]
            cmap = "magma"
        mesh = a.pcolormesh(deltas, gammas, z, norm=norm, cmap=cmap, shading="auto",
                            rasterized=True)
        cs = a.contour(deltas, gammas, z, levels=levels, colors="w", linewidths=0.7)
        a.clabel(cs, fmt="%g", fontsize="medium")
        fig.colorbar(mesh, ax=a, label=label)
        for point in marks:
            a.plot(*point, "*", color="C3", ms=12, mec="k", mew=0.6)
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(r"$\delta = d/V$")
        a.set_ylabel(r"$\gamma = d/N$")
        a.set_title(label)
    return fig


@readable
def plot_bai_yao_map(delta: float, gamma: float, *, kappa: float = 1.0,
                     beta_max: float | None = None, ax=None) -> Figure:
    r"""The Bai–Yao map ψ(β): where a population spike β shows up in the sample spectrum.

    ψ (:func:`attnrmt_lib.bai_yao.bai_yao_map`) is drawn solid where ψ'(β) > 0 (the
    spike produces a sample outlier at ψ(β)) and dashed where ψ'(β) < 0 (it does not; the
    top eigenvalue stays at the bulk edge). Its minimum is the upper edge of
    κ(MP_δ ⊠ MP_γ), reached at the population outlier of :math:`\rho_2`; the left end is
    the edge κ(1 + √δ)² of the population law, reached at :math:`\rho_1`. The diagonal
    ψ = β shows that the sample outlier always sits above the population one.

    Parameters
    ----------
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    kappa : float, default 1
        Scale κ; both axes are in units of κ.
    beta_max : float, optional
        Right end of the β axis in units of κ (default: twice the critical β).
    ax : matplotlib axes, optional
    """
    rho1, rho2 = thresholds(delta, gamma)
    fig, ax = figure_axes(ax)
    edge_pop = (1.0 + np.sqrt(delta)) ** 2
    beta2 = population_outlier(rho2, delta)
    hi = beta_max or 2.0 * beta2
    if hi <= edge_pop:
        raise ValueError(f"beta_max must exceed (1 + sqrt(delta))^2 = {edge_pop:.4g}")
    # Cluster points near the square-root singularity at the population edge.
    beta = edge_pop + (hi - edge_pop) * np.linspace(0.0, 1.0, 600)[1:] ** 2
    psi = bai_yao_map(beta * kappa, delta, gamma, kappa) / kappa
    rising = bai_yao_derivative(beta * kappa, delta, gamma, kappa) > 0
    ax.plot(beta, np.where(rising, psi, np.nan), color=THEORY,
            label=r"$\psi(\beta)$, $\psi' > 0$: sample outlier")
    ax.plot(beta, np.where(rising, np.nan, psi), color=THEORY, ls="--",
            label=r"$\psi(\beta)$, $\psi' < 0$: no outlier")
    ax.plot(beta, beta, color="0.6", lw=0.8, ls=":", label=r"$\psi = \beta$")
    edge = bulk_edges(delta, gamma)[1]
    ax.axhline(edge, color="0.4", lw=0.8, ls="-.", label="upper bulk edge of $S$")
    ax.axvline(edge_pop, color=POPULATION, lw=0.8, ls="--",
               label=r"population edge $(1+\sqrt{\delta})^2$ ($\rho = \rho_1$)")
    ax.plot([beta2], [edge], "o", color=THEORY, ms=6)
    ax.annotate(rf"$\rho = \rho_2$: $\beta$ = {beta2:.3g}", xy=(beta2, edge),
                xytext=(8, -16), textcoords="offset points")
    ax.set_xlim(edge_pop * 0.97, hi)
    ax.set_ylim(edge * 0.9, max(psi.max(), hi) * 1.02)
    ax.set_xlabel(r"population spike $\beta$ / $\kappa$")
    ax.set_ylabel(r"$\psi(\beta)$ / $\kappa$")
    ax.set_title(rf"$\delta$ = {delta:g}, $\gamma$ = {gamma:g}")
    ax.legend(loc="upper left", fontsize="small")
    return fig


@readable
def plot_paul_limit(gamma: float, deltas=(0.5, 0.1, 0.02), *, rho_max: float | None = None,
                    axes=None) -> Figure:
    r"""Top eigenvalue and alignment for decreasing δ against Paul's δ → 0 formulas.

    Draws :func:`attnrmt_lib.top_eigenvalue` and :func:`attnrmt_lib.overlap` for each δ in
    ``deltas`` with Paul's (2007) spiked-identity curves
    (:func:`attnrmt_lib.phase_diagram.paul_top_eigenvalue`,
    :func:`attnrmt_lib.phase_diagram.paul_overlap`, threshold √γ) in black dashes.

    Parameters
    ----------
    gamma : float
        Ratio d/N > 0.
    deltas : sequence of float
        Values of δ > 0 to draw.
    rho_max : float, optional
        Right end of the ρ axis (default: 2.5 ρ₂ of the largest δ).
    axes : pair of matplotlib axes, optional
    """
    deltas = [float(d) for d in deltas]
    if not deltas or min(deltas) <= 0:
        raise ValueError("deltas must be a non-empty sequence of numbers > 0")
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_val, ax_vec = axes
    rho = np.linspace(0.0, rho_max or 2.5 * thresholds(max(deltas), gamma)[1], 600)
    colors = ["C0", "C1", "C4", "C5", "C8", "C9"]
    for i, delta in enumerate(sorted(deltas, reverse=True)):
        c = colors[i % len(colors)]
        ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=c, label=rf"$\delta$ = {delta:g}")
        ax_vec.plot(rho, overlap(rho, delta, gamma), color=c, label=rf"$\delta$ = {delta:g}")
    ax_val.plot(rho, paul_top_eigenvalue(rho, gamma), "k--", lw=1.2, label=r"Paul ($\delta \to 0$)")
    ax_vec.plot(rho, paul_overlap(rho, gamma), "k--", lw=1.2, label=r"Paul ($\delta \to 0$)")
    for a in axes:
        a.axvline(np.sqrt(gamma), color="k", lw=0.6, ls=":")
        a.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ax_vec.text(np.sqrt(gamma), 0.97, r" $\sqrt{\gamma}$", va="top",
                transform=ax_vec.get_xaxis_transform())
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.set_title(rf"$\gamma$ = {gamma:g}")
    ax_vec.set_title(rf"$\gamma$ = {gamma:g}")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


@readable
def plot_finite_size_transition(simulations, *, axes=None) -> Figure:
    r"""Simulated top eigenvalue and alignment near the transition, one colour per d.

    Simulations are grouped by dimension d and by ρ; each group is drawn as its mean with
    an error bar of ± one standard error over seeds, against the limits
    :func:`attnrmt_lib.top_eigenvalue` and :func:`attnrmt_lib.overlap` (at the δ, γ
    realised by the first simulation; pass simulations that share them). Finite-d
    effects are then visible: near and below ρ₂ the top eigenvalue sits below the bulk
    edge (the Tracy–Widom regime, a shift of order :math:`d^{-2/3}`) and the alignment
    is positive where the limit is zero.

    Parameters
    ----------
    simulations : iterable of SimulationResult
        Runs at several d, several seeds per (d, ρ).
    axes : pair of matplotlib axes, optional
    """
    sims = list(simulations)
    if not sims:
        raise ValueError("simulations must contain at least one SimulationResult")
    delta, gamma = sims[0].delta, sims[0].gamma
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_val, ax_vec = axes
    rhos = np.array([s.rho for s in sims])
    rho = np.linspace(rhos.min(), rhos.max(), 400)
    ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=THEORY, label=r"limit $d \to \infty$")
    ax_vec.plot(rho, overlap(rho, delta, gamma), color=THEORY, label=r"limit $d \to \infty$")
    colors = ["C0", "C1", "C4", "C5", "C8", "C9"]
    dims = sorted({s.d for s in sims})
    span = rhos.max() - rhos.min() or 1.0
    for i, d in enumerate(dims):
        group = [s for s in sims if s.d == d]
        keys = np.round([s.rho for s in group], 9)
        for a, values in ((ax_val, [s.top_eigenvalue / s.kappa for s in group]),
                          (ax_vec, [s.overlap for s in group])):
            values = np.asarray(values)
            xs, means, errs = [], [], []
            for k in np.unique(keys):
                v = values[keys == k]
                xs.append(k)
                means.append(v.mean())
                errs.append(v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0)
            # Small horizontal offsets keep the error bars of different d apart.
            shift = (i - (len(dims) - 1) / 2) * 0.006 * span
            a.errorbar(np.array(xs) + shift, means, yerr=errs, fmt="o", ms=3.5, capsize=2,
                       color=colors[i % len(colors)], label=f"d = {d} (mean ± s.e.)")
    rho1, rho2 = thresholds(delta, gamma)
    for a in axes:
        a.axvline(rho2, color=THEORY, lw=0.8, ls="--")
        a.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ax_vec.text(rho2, 0.97, r" $\rho_2$", va="top", transform=ax_vec.get_xaxis_transform())
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


@readable
def plot_outlier_curves(delta: float, gamma: float, *, x_max: float | None = None,
                        ax=None) -> Figure:
    r"""The population outlier β(x) and the sample outlier Λ(x) against x = ρ - δ.

    Both curves (:func:`attnrmt_lib.critical_points.outlier_curves`, in units of κ) are
    drawn solid on the branch where they are outliers and dashed where they are not. β
    turns at :math:`x = \sqrt\delta` (ρ = ρ₁), where it touches the population edge
    :math:`(1 + \sqrt\delta)^2`; Λ turns at :math:`x_*` (ρ = ρ₂), where it touches the upper
    edge of the bulk of S. Between the two thresholds the population has an outlier and the
    sample has none. The top axis reads ρ.

    Parameters
    ----------
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    x_max : float, optional
        Right end of the x axis (default three times :math:`x_*`).
    ax : matplotlib axes, optional
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    fig, ax = figure_axes(ax, figsize=(6.4, 4.2))
    _, _, x_beta, x_lam = outlier_curves(1.0, delta, gamma)
    hi = 3.0 * x_lam if x_max is None else check_positive(x_max, "x_max")
    if hi <= x_lam:
        raise ValueError(f"x_max must exceed x_* = {x_lam:.4g}")
    x = np.linspace(0.25 * x_beta, hi, 800)
    beta, lam, _, _ = outlier_curves(x, delta, gamma)
    pop, sample = x >= x_beta, x >= x_lam
    ax.plot(x, np.where(pop, beta, np.nan), color=POPULATION, lw=2,
            label=r"$\beta(x)$: population outlier")
    ax.plot(x, np.where(pop, np.nan, beta), color=POPULATION, lw=1, ls="--",
            label=r"$\beta(x)$, spurious branch")
    ax.plot(x, np.where(sample, lam, np.nan), color=THEORY, lw=2,
            label=r"$\Lambda(x) = \psi(\beta(x))$: sample outlier")
    ax.plot(x, np.where(sample, np.nan, lam), color=THEORY, lw=1, ls="--",
            label=r"$\Lambda(x)$, no sample outlier")
    edge_pop = (1.0 + np.sqrt(delta)) ** 2
    edge = bulk_edges(delta, gamma)[1]
    ax.axhline(edge_pop, color=POPULATION, lw=0.8, ls=":")
    ax.axhline(edge, color=THEORY, lw=0.8, ls=":")
    ax.axvspan(x_beta, x_lam, color="0.9", zorder=0,
               label=r"$\rho_1 < \rho < \rho_2$: visible only in the population")
    for xc, yc, name in ((x_beta, edge_pop, r"$\rho_1$"), (x_lam, edge, r"$\rho_2$")):
        ax.plot([xc], [yc], "o", color="0.2", ms=6, zorder=3)
        ax.annotate(name, xy=(xc, yc), xytext=(4, -16), textcoords="offset points")
    top = ax.secondary_xaxis("top", functions=(lambda v: v + delta, lambda r: r - delta))
    top.set_xlabel(r"$\rho = x + \delta$")
    ax.set_xlim(x[0], hi)
    ax.set_ylim(0.8 * edge_pop, 1.25 * float(outlier_curves(hi, delta, gamma)[1]))
    ax.set_xlabel(r"$x = \rho - \delta$")
    ax.set_ylabel(r"outlier / $\kappa$")
    ax.set_title(rf"$\delta$ = {delta:g}, $\gamma$ = {gamma:g}")
    ax.legend(loc="upper center", fontsize="small")
    return fig
