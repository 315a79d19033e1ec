"""Figures of appendix A2, real embedding tables: table spectra, the pooled spectrum over them."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..general_spectrum import (
    general_overlap,
    general_top_eigenvalue,
    sample_density,
    sample_support,
)
from ..marchenko_pastur import mp_density, mp_edges
from ..pooling import PooledData
from ..spikes import overlap, top_eigenvalue
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_table_spectrum", "plot_table_scree", "plot_pooled_real", "plot_real_transition"]


@readable
def plot_table_spectrum(eigenvalues, delta: float, *, bins: int = 60, ax=None) -> Figure:
    r"""Histogram of a table covariance spectrum (mean-normalised) against MP_δ.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues of :math:`\Sigma_Z`; they are divided by their mean.
    delta : float
        d/V of the table, for the Marchenko–Pastur law of an i.i.d. table of that shape.
    bins : int, default 60
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    h = np.asarray(eigenvalues, dtype=float)
    h = h / h.mean()
    edges = np.geomspace(max(h.min(), 1e-3) * 0.9, h.max() * 1.1, bins + 1)
    ax.hist(h, bins=edges, density=True, color=SAMPLE, alpha=0.55,
            label=f"real table ({h.size} eigenvalues)")
    lo, hi = mp_edges(delta)
    x = np.linspace(lo, hi, 400)
    ax.plot(x, mp_density(x, delta), color=THEORY, lw=1.5,
            label=rf"MP$_\delta$, $\delta = {delta:.4f}$ (i.i.d. table)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-3, None)
    ax.set_xlabel("eigenvalue / mean eigenvalue (log scale)")
    ax.set_ylabel("density (log scale)")
    ax.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_table_scree(spectra: dict, *, k: int = 30, unit: float | None = None,
                     ax=None) -> Figure:
    r"""Top k eigenvalues of several table covariances, in a common unit.

    Parameters
    ----------
    spectra : dict
        Label -> eigenvalues (any order).
    k : int, default 30
    unit : float, optional
        Every spectrum is divided by it; default: the mean eigenvalue of the first one.
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    markers = "osd^v<>"
    if unit is None:
        unit = float(np.mean(next(iter(spectra.values()))))
    for i, (label, ev) in enumerate(spectra.items()):
        h = np.sort(np.asarray(ev, dtype=float))[::-1] / unit
        ax.plot(np.arange(1, k + 1), h[:k], marker=markers[i % len(markers)], ms=4, lw=1,
                label=label)
    ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set_xlabel("rank $i$")
    ax.set_ylabel(r"$\lambda_i(\Sigma_Z)$ (common unit)")
    ax.legend(fontsize="small")
    return fig


@readable
def plot_pooled_real(data: PooledData, population_eigenvalues, *, bins: int = 70,
                     ax=None) -> Figure:
    r"""Pooled sample spectrum over a real table against :math:`H\boxtimes\mathrm{MP}_\gamma`.

    Eigenvalues of ``data.covariance()`` in units of κ, with the density
    ``sample_density(x, h, γ)`` for ``h = population_eigenvalues`` (the table covariance
    spectrum; the theory's H is κh) and, when ``data.mu_norm2 > 0``, the predicted outlier
    ``general_top_eigenvalue(h, ρ, γ)``, ρ = α‖μ‖²/κ.
    """
    fig, ax = figure_axes(ax)
    h = np.asarray(population_eigenvalues, dtype=float)
    lam = np.linalg.eigvalsh(data.covariance()) / data.kappa
    gamma = data.gamma
    ax.hist(lam, bins=bins, density=True, color=SAMPLE, alpha=0.55,
            label=f"pooled sample spectrum (N = {data.N}, T = {data.T})")
    support = sample_support(h, gamma)
    x = np.concatenate([np.linspace(a, b, 500) for a, b in support])
    ax.plot(x, sample_density(x, h, gamma), color=THEORY, lw=1.5,
            label=r"$H\boxtimes\mathrm{MP}_\gamma$, $H$ = table spectrum")
    if data.mu_norm2 > 0:
        pred = general_top_eigenvalue(h, data.rho, gamma)
        ax.axvline(pred, color=POPULATION, ls="--", lw=1.2,
                   label=f"predicted top eigenvalue {pred:.2f}")
    ax.set_xlabel(r"eigenvalue / $\kappa$")
    ax.set_ylabel("density")
    ax.set_yscale("log")
    ax.set_ylim(1e-3, None)
    ax.legend(fontsize="small")
    return fig


@readable
def plot_real_transition(population_eigenvalues, gamma: float, rhos, top, overlaps, *,
                         delta: float | None = None, axes=None) -> Figure:
    r"""Top eigenvalue and squared alignment against ρ: simulation on a real table vs theory.

    Parameters
    ----------
    population_eigenvalues : array_like
        Table covariance spectrum h (H = κh); ``rhos`` are ρ = α‖μ‖²/κ = θ/κ.
    gamma : float
        d/N.
    rhos, top, overlaps : array_like
        Simulated ρ values, top eigenvalues (units of κ) and squared alignments (several
        seeds per ρ allowed: repeat the ρ value).
    delta : float, optional
        If given, also draw the i.i.d.-table theory (MP_δ tables) for comparison.
    axes : pair of matplotlib Axes, optional
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    h = np.asarray(population_eigenvalues, dtype=float)
    rhos = np.asarray(rhos, dtype=float)
    grid = np.linspace(0.0, rhos.max() * 1.05, 120)[1:]
    lam_th = [general_top_eigenvalue(h, r, gamma) for r in grid]
    ov_th = [general_overlap(h, r, gamma) for r in grid]
    axes[0].plot(grid, lam_th, color=THEORY, label="real-table theory")
    axes[1].plot(grid, ov_th, color=THEORY, label="real-table theory")
    if delta is not None:
        axes[0].plot(grid, top_eigenvalue(grid, delta, gamma), color="0.5", ls=":",
                     label="i.i.d.-table theory")
        axes[1].plot(grid, overlap(grid, delta, gamma), color="0.5", ls=":",
                     label="i.i.d.-table theory")
    axes[0].plot(rhos, top, "o", color=SAMPLE, ms=4, label="simulation")
    axes[1].plot(rhos, overlaps, "o", color=SAMPLE, ms=4, label="simulation")
    axes[0].set_ylabel(r"top eigenvalue / $\kappa$")
    axes[1].set_ylabel(r"$|\hat u^\top u|^2$")
    for ax in axes:
        ax.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
        ax.legend(fontsize="small")
    return fig
