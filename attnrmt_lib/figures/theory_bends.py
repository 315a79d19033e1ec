"""Figures of appendix A3, when the theory bends: uncentered tables, critical window, short T."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from ..bulk import bulk_cdf, bulk_density, bulk_edges
from ..distances import kolmogorov_distance
from ..spikes import mean_token_snr, overlap, thresholds, top_eigenvalue
from ..token_counts import count_bulk_cdf, count_bulk_density
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_mean_token_outlier", "plot_critical_window", "plot_short_sequences",
           "plot_effective_length", "plot_top_noise_drift"]


@readable
def plot_mean_token_outlier(simulations, weightings: dict, gamma: float, *,
                            delta_range=(0.05, 2.0), ax=None) -> Figure:
    r"""Spurious outlier of an uncentered table against δ, predicted by the outlier formula.

    For each weighting the curve is :math:`\lambda_{\rm out}(\rho_{\rm spur}) / \kappa`
    with :math:`\rho_{\rm spur} = (\sum_t w_t)^2\delta/\kappa`
    (:func:`~attnrmt_lib.mean_token_snr`, :func:`~attnrmt_lib.top_eigenvalue`), the bulk
    edge where :math:`\rho_{\rm spur} < \rho_2`; markers are simulations.

    Parameters
    ----------
    simulations : pandas.DataFrame
        Columns ``weighting`` (a key of ``weightings``), ``delta`` (realised) and ``top``
        (top eigenvalue / κ of an uncentered table without signal).
    weightings : dict
        ``{label: weights}``.
    gamma : float
        Ratio d/N of the simulations.
    delta_range : (float, float)
        Range of δ for the curves.
    """
    fig, ax = figure_axes(ax)
    deltas = np.geomspace(*delta_range, 200)
    ax.loglog(deltas, [bulk_edges(x, gamma)[1] for x in deltas], color="0.5", ls=":",
              label="bulk edge")
    for i, (label, w) in enumerate(weightings.items()):
        curve = [float(top_eigenvalue(mean_token_snr(w, x), x, gamma)) for x in deltas]
        line = ax.loglog(deltas, curve, lw=1.6, label=label)[0]
        sims = simulations[simulations["weighting"] == label]
        ax.loglog(sims["delta"], sims["top"], ls="none", marker="osD^"[i % 4],
                  color=line.get_color(), alpha=0.8)

    ticks = [t for t in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
             if delta_range[0] <= t <= delta_range[1]]
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter("")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(ScalarFormatter())
    ax.set_xlabel(r"$\delta = d/V$")
    ax.set_ylabel(r"top eigenvalue / $\kappa$ (uncentered table)")
    ax.legend(fontsize="small")
    return fig


@readable
def plot_critical_window(frame: pd.DataFrame, *, axes=None) -> Figure:
    r"""Top eigenvalue and alignment near the second transition, for several d.

    Means (markers) and ± one standard deviation (bars) over the seeds of a
    :func:`attnrmt_lib.sweep.sweep` table, against :math:`\rho/\rho_2`, with the limits
    (:func:`attnrmt_lib.top_eigenvalue`, :func:`attnrmt_lib.overlap`). Near :math:`\rho_2`
    the finite-d errors stop being :math:`O(d^{-1/2})` Gaussians: the relevant scale of
    :math:`\rho - \rho_2` is the window :math:`d^{-1/3}`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Sweep over ``d`` and ``rho`` at one (δ, γ) with fixed weights (columns ``d``,
        ``rho``, ``top_eigenvalue``, ``kappa``, ``overlap``, ``theory_rho2``,
        ``delta``, ``gamma``).
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(11.0, 4.0))
    delta, gamma = float(frame["delta"].iloc[0]), float(frame["gamma"].iloc[0])
    rho2 = thresholds(delta, gamma)[1]
    lam = frame["top_eigenvalue"] / frame["kappa"]
    stats = (frame.assign(lam=lam).groupby(["d", "rho"])
             .agg(lam=("lam", "mean"), lam_sd=("lam", "std"),
                  ov=("overlap", "mean"), ov_sd=("overlap", "std")).reset_index())
    r = np.linspace(frame["rho"].min(), frame["rho"].max(), 400)
    axes[0].plot(r / rho2, top_eigenvalue(r, delta, gamma), color=THEORY, lw=1.8,
                 label="limit")
    axes[1].plot(r / rho2, overlap(r, delta, gamma), color=THEORY, lw=1.8, label="limit")
    ds = sorted(stats["d"].unique())
    for i, d in enumerate(ds):
        g = stats[stats["d"] == d]
        shift = 1.0 + 0.008 * (i - (len(ds) - 1) / 2)
        axes[0].errorbar(g["rho"] / rho2 * shift, g["lam"], yerr=g["lam_sd"], marker="os^D"[i % 4],
                         ls="none", capsize=2, label=f"d = {d}")
        axes[1].errorbar(g["rho"] / rho2 * shift, g["ov"], yerr=g["ov_sd"], marker="os^D"[i % 4],
                         ls="none", capsize=2, label=f"d = {d}")
    for ax in axes:
        ax.axvline(1.0, color="0.6", ls=":", lw=1)
        ax.set_xlabel(r"$\rho/\rho_2$")
        ax.legend(fontsize="small")
    axes[0].set_ylabel(r"top eigenvalue / $\kappa$")
    axes[1].set_ylabel(r"$|\hat u^\top u|^2$")
    return fig


@readable
def plot_short_sequences(results, count_spectra, *, bins: int = 60, axes=None) -> Figure:
    r"""Pooled noise spectra at short T against both bulk laws, one panel per simulation.

    Each panel shows the histogram of ``result.eigenvalues / κ`` (the top eigenvalue left
    out), the closed form :math:`\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma` and the law
    given the token counts (:func:`count_bulk_density`), with both Kolmogorov distances.

    Parameters
    ----------
    results : sequence of SimulationResult
        Simulations to show (e.g. T = 1, 2, 4), all with ρ below the transition or the
        top eigenvalue otherwise dropped.
    count_spectra : sequence of array_like
        The count spectrum of each simulation (same order): :func:`count_spectrum` of
        :func:`attnrmt_lib.pool_sequences` called with the simulation's arguments and seed.
    """
    if len(results) != len(count_spectra) or not results:
        raise ValueError("results and count_spectra must be non-empty and of equal length")
    fig, axes = figure_axes(axes, ncols=len(results), squeeze=False, sharey=True,
                            figsize=(4.0 * len(results), 3.6))
    for ax, r, t in zip(axes, results, count_spectra):
        k = r.kappa
        e = r.eigenvalues[:-1] / k
        top = max(e.max(), bulk_edges(r.delta, r.gamma)[1]) * 1.04
        ax.hist(e, bins=bins, range=(0, top), density=True, color=SAMPLE, alpha=0.45,
                label=f"simulation, d = {r.d}")
        x = np.linspace(1e-4, top, 600)
        ax.plot(x, bulk_density(x, r.delta, r.gamma), color=THEORY, lw=1.8,
                label=r"$\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma$")
        ax.plot(x, count_bulk_density(x * k, t, r.delta, r.gamma) * k, color=POPULATION,
                lw=1.4, ls="--", label="given the token counts")
        ks_mp = kolmogorov_distance(e, lambda y: bulk_cdf(y, r.delta, r.gamma))
        ks_t = kolmogorov_distance(e * k, lambda y: count_bulk_cdf(y, t, r.delta, r.gamma))
        ax.set_title(f"T = {r.T}", fontsize="medium")
        ax.text(0.97, 0.45, f"KS to closed form {ks_mp:.3f}\nKS to count law {ks_t:.3f}",
                transform=ax.transAxes, ha="right", va="top", fontsize="small")
        ax.set_xlabel(r"eigenvalue / $\kappa$")
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_effective_length(table, *, noise_floor=None, ax=None) -> Figure:
    r"""Distance of the finite-T law from the closed form against the effective length.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``weighting`` (label of a family of weights), ``T_eff`` and ``ks`` (the
        Kolmogorov distance between :func:`count_bulk_cdf` and the closed form), one row per
        weight vector.
    noise_floor : dict, optional
        ``{d: distance}``: the typical Kolmogorov distance of one simulation at dimension d
        to its own law, drawn as horizontal lines (below them a deviation is invisible).
    """
    fig, ax = figure_axes(ax)
    markers = "osD^v"
    for i, (label, group) in enumerate(table.groupby("weighting", sort=False)):
        group = group.sort_values("T_eff")
        ax.loglog(group["T_eff"], group["ks"], marker=markers[i % len(markers)], ls="-",
                  lw=1, label=label)
    for d, level in (noise_floor or {}).items():
        ax.axhline(level, color="0.5", ls=":", lw=1)
        ax.text(table["T_eff"].min(), level * 1.08,
                f"sampling noise at d = {d}", fontsize="small", color="0.35")
    ticks = [t for t in (1, 2, 3, 4, 6, 8, 16, 32) if t <= 1.2 * table["T_eff"].max()]
    ax.set_xticks(ticks, labels=[str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel(r"effective length $T_{\rm eff} = \kappa^2/\sum_t w_t^4$")
    ax.set_ylabel("Kolmogorov distance to the closed form")
    ax.legend(fontsize="small")
    return fig


@readable
def plot_top_noise_drift(simulations, prediction=None, *, ax=None) -> Figure:
    r"""Top noise eigenvalue against d for several weightings, with the closed-form edge.

    Parameters
    ----------
    simulations : pandas.DataFrame
        One row per simulation without signal: columns ``weighting`` (label), ``d``,
        ``top`` (top eigenvalue in units of κ), ``delta``, ``gamma`` (targets).
    prediction : pandas.DataFrame, optional
        Columns ``weighting``, ``d`` and ``top``: a theory curve per weighting (e.g. the
        median over draws of the word counts of :func:`count_bulk_edge`), drawn as a dashed
        line in the colour of its weighting.
    """
    fig, ax = figure_axes(ax)
    markers = "osD^v"
    colours = {}
    for i, (label, group) in enumerate(simulations.groupby("weighting", sort=False)):
        jitter = np.exp(0.06 * (i - 1))
        line = ax.semilogx(group["d"] * jitter, group["top"], ls="none",
                           marker=markers[i % len(markers)], alpha=0.55, label=label)[0]
        colours[label] = line.get_color()
        med = group.groupby("d")["top"].median()
        ax.semilogx(med.index * jitter, med.values, color=line.get_color(), lw=1.2)
    if prediction is not None:
        for label, group in prediction.groupby("weighting", sort=False):
            group = group.sort_values("d")
            ax.semilogx(group["d"], group["top"], ls="--", lw=1.6,
                        color=colours.get(label, POPULATION),
                        label=f"{label}: edge of the law given the counts")
    delta, gamma = simulations["delta"].iloc[0], simulations["gamma"].iloc[0]
    ax.axhline(bulk_edges(delta, gamma)[1], color=THEORY, lw=1.5,
               label=r"edge of $\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma$")
    ax.set_xlabel("dimension d")
    ax.set_ylabel(r"top noise eigenvalue / $\kappa$")
    ax.legend(fontsize="small", loc="upper left")
    return fig
