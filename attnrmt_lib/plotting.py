"""Figures comparing simulation with theory.

Every function returns a :class:`matplotlib.figure.Figure` that is not registered with
pyplot, so a notebook cell ending in the call shows it exactly once and widgets can redraw
it without leaking figures. Pass ``ax`` to draw into an existing axes instead.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .bulk import bulk_atom, bulk_density, bulk_edges
from .simulation import SimulationResult
from .spikes import overlap, population_outlier, population_overlap, thresholds, top_eigenvalue

__all__ = ["plot_bulk_density", "plot_spectrum", "plot_phase_transition"]

THEORY = "C3"
SAMPLE = "C0"
POPULATION = "C2"


def _axes(ax, ncols=1, figsize=(6.4, 3.8)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def plot_bulk_density(delta: float, gamma: float, kappa: float = 1.0, *, ax=None) -> Figure:
    """The density of κ(MP_δ ⊠ MP_γ) with its edges and atom."""
    fig, ax = _axes(ax)
    lower, upper = bulk_edges(delta, gamma, kappa)
    x = np.linspace(lower, upper, 800)
    ax.plot(x, bulk_density(x, delta, gamma, kappa), color=THEORY,
            label=rf"$\kappa(\mathrm{{MP}}_{{{delta:g}}}\boxtimes\mathrm{{MP}}_{{{gamma:g}}})$")
    for edge in (lower, upper):
        ax.axvline(edge, color="0.6", lw=0.8, ls=":")
    atom = bulk_atom(delta, gamma)
    if atom > 0:
        ax.annotate(f"atom {atom:.2f} at 0", xy=(0, 0), xytext=(0.02, 0.9),
                    textcoords="axes fraction")
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel("density")
    ax.legend(loc="upper right")
    return fig


def plot_spectrum(result: SimulationResult, *, bins: int = 80, ax=None) -> Figure:
    """Histogram of a simulated spectrum against the bulk law and the predicted outlier.

    Eigenvalues are shown in units of κ. The histogram is normalised by d, so its
    continuous part integrates to one minus the atom at zero, like the theory curve. Eigenvalues beyond the bulk edge are marked, and
    the predicted top eigenvalue is drawn when the signal is above the threshold ρ₂.
    """
    fig, ax = _axes(ax)
    # Work in units of κ so that figures for different weights share one scale.
    ev = result.eigenvalues / result.kappa
    delta, gamma = result.delta, result.gamma
    lower, upper = bulk_edges(delta, gamma)
    in_bulk = ev[ev <= upper * 1.05]
    edges = np.linspace(0.0 if lower < 0.05 * upper else lower * 0.95, upper * 1.05, bins + 1)
    ax.hist(in_bulk, bins=edges, weights=np.full(in_bulk.size, 1.0 / ev.size / np.diff(edges)[0]),
            color=SAMPLE, alpha=0.45, label=f"simulation, d = {result.d}")
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
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}, $\rho$ = {result.rho:.3g}")
    ax.legend(loc="upper right", fontsize="small")
    return fig


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
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
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
