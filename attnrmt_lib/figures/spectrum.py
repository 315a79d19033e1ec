"""Histograms of simulated spectra against the bulk law: the figures several chapters share.

:func:`plot_spectrum` is the book's basic comparison (the model and bulk-law chapters and the explorers);
:func:`plot_density_estimate` is its matrix-free twin for ``simulate(..., method="lanczos")``
results, which have a density estimate instead of eigenvalues (appendix A1).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..bulk import bulk_density, bulk_edges
from ..matrix_free import smoothed_bulk_density
from ..simulation import SimulationResult
from ..spikes import thresholds, top_eigenvalue
from ._style import SAMPLE, THEORY, figure_axes, label_spectrum, readable

__all__ = ["plot_spectrum", "plot_density_estimate"]


@readable
def plot_spectrum(result: SimulationResult, *, bins: int = 80, ax=None) -> Figure:
    """Histogram of a simulated spectrum against the bulk law and the predicted outlier.

    Eigenvalues are shown in units of κ. The histogram is normalised by d, so its
    continuous part integrates to one minus the atom at zero, like the theory curve. Eigenvalues beyond the bulk edge are marked, and
    the predicted top eigenvalue is drawn when the signal is above the threshold ρ₂.
    """
    if result.eigenvalues is None:  # method="lanczos": a density estimate, no eigenvalues
        return plot_density_estimate(result, ax=ax)
    fig, ax = figure_axes(ax)
    # Work in units of κ so that figures for different weights share one scale.
    ev = result.eigenvalues / result.kappa
    delta, gamma = result.delta, result.gamma
    lower, upper = bulk_edges(delta, gamma)
    in_bulk = ev[ev <= upper * 1.05]
    edges = np.linspace(0.0 if lower < 0.05 * upper else lower * 0.95, upper * 1.05, bins + 1)
    ax.hist(in_bulk, bins=edges, weights=np.full(in_bulk.size, 1.0 / ev.size / np.diff(edges)[0]),
            color=SAMPLE, alpha=0.45, label=f"simulation, d = {result.d}",
            histtype="stepfilled")  # one polygon, not a patch per bin: an explorer's frame
    x = np.linspace(lower, upper, 800)
    ax.plot(x, bulk_density(x, delta, gamma), color=THEORY, label="bulk law")
    outliers = ev[ev > upper * 1.05]
    _, rho2 = thresholds(delta, gamma)
    right = upper * 1.1
    if outliers.size:
        ax.plot(outliers, np.zeros_like(outliers), "v", color=SAMPLE, ms=9,
                label="outlier (simulated)", clip_on=False)
        right = max(right, outliers.max() * 1.08)
    if result.rho > rho2:
        predicted = top_eigenvalue(result.rho, delta, gamma)
        ax.axvline(predicted, color=THEORY, ls="--", lw=1, label="outlier (theory)")
        right = max(right, predicted * 1.08)
    ax.set_xlim(edges[0], right)
    label_spectrum(ax, _title(result))
    return fig


@readable
def plot_density_estimate(result: SimulationResult, *, band: float = 2.0, smoothed: bool = True,
                          ax=None) -> Figure:
    """A matrix-free spectrum: the KPM density estimate against the bulk law, and the outlier.

    Units of κ. The shaded band is ± ``band`` standard errors of the stochastic estimate;
    the dotted curve (``smoothed=True``) is the bulk law seen through the same Jackson
    kernel, which is what the estimate converges to; the triangle is the simulated top
    eigenvalue and the vertical line its predicted position (above the threshold ρ₂).

    Parameters
    ----------
    result : SimulationResult
        From ``simulate(..., method="lanczos")`` with ``density_probes > 0``.
    band : float, default 2
    smoothed : bool, default True
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if result.density is None:
        raise ValueError("result has no density estimate: simulate with method='lanczos' "
                         "and density_probes > 0")
    fig, ax = figure_axes(ax)
    k = result.kappa
    x, f, e = result.density_grid / k, result.density * k, result.density_error * k
    ax.fill_between(x, f - band * e, f + band * e, color=SAMPLE, alpha=0.3, lw=0,
                    label=f"estimate ± {band:g} s.e.")
    ax.plot(x, f, color=SAMPLE, lw=1, label=f"matrix-free estimate, d = {result.d:,}")
    lower, upper = bulk_edges(result.delta, result.gamma)
    xt = np.linspace(lower, upper, 800)
    ax.plot(xt, bulk_density(xt, result.delta, result.gamma), color=THEORY, lw=1.2,
            label="bulk law")
    if smoothed:
        step = x[1] - x[0]
        bounds = (x[0] - step / 2, x[-1] + step / 2)
        ax.plot(x, smoothed_bulk_density(x, result.delta, result.gamma, 1.0, bounds,
                                         result.density_moments),
                color="k", ls=":", lw=1, label="bulk law, same smoothing")
    lam = result.top_eigenvalue / k
    ax.plot([lam], [0.0], "v", color=SAMPLE, ms=9, clip_on=False, label="top eigenvalue")
    right = max(upper, lam) * 1.08
    if result.rho > thresholds(result.delta, result.gamma)[1]:
        predicted = top_eigenvalue(result.rho, result.delta, result.gamma)
        ax.axvline(predicted, color=THEORY, ls="--", lw=1, label="outlier (theory)")
        right = max(right, predicted * 1.08)
    ax.set_xlim(min(0.0, x[0]), right)
    ax.set_ylim(bottom=0.0)
    label_spectrum(ax, _title(result))
    return fig


def _title(result: SimulationResult) -> str:
    # The realised δ = d/V (V is a whole number, so it can differ from the δ asked for).
    return (rf"$\delta = d/V$ = {result.delta:.3g}, $\gamma$ = {result.gamma:.3g}, "
            rf"$\rho$ = {result.rho:.3g}")
