"""Figures of appendix A4, the spectrum of a random attention matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_array, check_int, check_nonnegative
from ..attention_matrix import (
    argmax_counts,
    draw_attention,
    equivalence_thresholds,
    fit_marchenko_pastur,
    gaussian_equivalent,
    key_selection_rates,
    mean_squared_singular_value,
    mixed_poisson_pmf,
    mixed_poisson_quantiles,
    poisson_quantiles,
    quantile_error,
    squared_singular_values,
)
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

# pandas appears in annotations only: the explorers import this module, and in the reader's
# browser (Pyodide) importing pandas costs seconds.
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["plot_attention_spectrum", "plot_equivalence_error", "plot_second_moment",
           "plot_poisson_limit"]


@readable
def plot_attention_spectrum(beta: float = 1.0, ell: int = 800, d: int | None = None,
                            d_qk: int | None = None, *, remove_top: int = 3, seed=0,
                            bins: int = 50, axes=None) -> Figure:
    r"""The bulk of the squared singular values of :math:`\sqrt\ell A` against Marchenko–Pastur
    fits and against the Gaussian-equivalent linear model.

    Left: histograms over :math:`\log_{10}` of the squared singular values (density per
    decade) of the attention matrix and of its linear model (same draw, the ``remove_top``
    largest removed from both), with two Marchenko–Pastur laws fitted to the attention
    bulk (:func:`fit_marchenko_pastur`): σ²·MP₁ (the law of an ℓ×ℓ matrix with i.i.d.
    entries, σ² = mean) and σ²·MP_c with c from the second moment (its atom at zero, when
    c > 1, is given in the legend). Right: quantile-quantile plot on logarithmic axes, the
    sorted attention values against the linear model's and against σ²·MP₁; the diagonal is
    perfect agreement, and the legend gives the largest relative decile error.

    Parameters
    ----------
    beta : float, default 1
    ell : int, default 800
    d, d_qk : int, optional
        Default ``ell``.
    remove_top : int, default 3
    seed : int, default 0
    bins : int, default 50
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    beta = check_nonnegative(beta, "beta")
    bins = check_int(bins, "bins", 5)
    fig, axes = figure_axes(axes, ncols=2, figsize=(9.6, 3.8))
    draw = draw_attention(ell, d, d_qk, seed=seed)
    n = draw.ell
    att = squared_singular_values(np.sqrt(n) * draw.attention(beta), remove_top=remove_top)
    lin = squared_singular_values(gaussian_equivalent(draw, beta, seed=seed),
                                  remove_top=remove_top)
    square = fit_marchenko_pastur(att, ratio=1.0)
    moments = fit_marchenko_pastur(att)
    ax, qq = axes
    both = np.concatenate([att, lin])
    lo = float(np.log10(max(np.quantile(both, 0.01), 1e-300)))
    hi = float(np.log10(both.max()))
    edges = np.linspace(lo, hi, bins + 1)
    ax.hist(np.log10(np.maximum(att, 1e-300)), bins=edges, density=True, color=SAMPLE,
            alpha=0.45, label=rf"$\sqrt{{\ell}}P$, $\ell$ = {n}",
            histtype="stepfilled")  # one polygon: quicker to draw
    ax.hist(np.log10(np.maximum(lin, 1e-300)), bins=edges, density=True, histtype="step",
            color=POPULATION, lw=1.5, label="linear model")
    u = np.linspace(lo, hi, 800)
    x = 10.0**u
    ax.plot(u, square.density(x) * x * np.log(10), color=THEORY, lw=1.3,
            label=rf"$\sigma^2\mathrm{{MP}}_1$, $\sigma^2$ = {square.scale:.3g}")
    label = rf"$\sigma^2\mathrm{{MP}}_c$, $c$ = {moments.ratio:.2f}"
    if moments.atom() > 0:
        label += f" (+ atom {moments.atom():.2f} at 0)"
    ax.plot(u, moments.density(x) * x * np.log(10), color=THEORY, lw=1.1, ls=":",
            label=label)
    ax.set_xlim(lo, hi)
    # Head room for the four-line legend above the data (it covered the histogram).
    ax.set_ylim(0, 1.9 * ax.get_ylim()[1])
    ax.set_xlabel(r"$\log_{10}$ (squared singular value)")
    ax.set_ylabel("density per decade")
    # tau is the beta of Hayase, Collins & Karakida (2025)
    ax.set_title(rf"$\tau$ ($\beta$ of the paper) = {beta:.3g}, top {remove_top} removed")
    ax.legend(loc="upper left", fontsize="x-small")

    mp_q = square.quantiles(att.size)
    positive = att > 0
    qq.loglog(lin[positive], att[positive], ".", color=POPULATION, ms=3,
              label=f"vs linear model (decile error {quantile_error(att, lin):.0%})")
    qq.loglog(mp_q[positive], att[positive], ".", color=THEORY, ms=3,
              label=rf"vs $\sigma^2\mathrm{{MP}}_1$ (decile error {quantile_error(att, mp_q):.0%})")
    a, b = 10.0**lo, max(att.max(), lin.max(), mp_q.max())
    qq.plot([a, b], [a, b], color="0.4", lw=0.8, ls="--")
    qq.set_xlim(a / 2, b * 2)
    qq.set_ylim(a / 2, b * 2)
    qq.set_xlabel("model quantile")
    qq.set_ylabel(r"quantile of $\sqrt{\ell}P$")
    qq.set_title("quantile-quantile")
    qq.legend(loc="upper left", fontsize="small")
    return fig


@readable
def plot_equivalence_error(table: pd.DataFrame, *, axes=None) -> Figure:
    r"""How well the linear model describes the attention spectrum, against β and against
    the Lindeberg ratio :math:`e^{\beta^2}/\sqrt\ell`.

    Left: the largest relative decile error between the bulk of :math:`\sqrt\ell A` and the
    linear model of the same draw (solid, one curve per ℓ) and the same statistic between
    two independent draws of the linear model (dashed: the finite-size noise floor);
    triangles on the axis mark :math:`\sqrt{\log(\ell)/2}`. Right: the Kolmogorov distance
    between the two spectra against :func:`lindeberg_ratio`, on logarithmic axes, with its
    noise floor (dashed).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`equivalence_sweep`.
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    needed = {"ell", "beta", "lindeberg", "error", "floor", "kolmogorov", "kolmogorov_floor"}
    if not needed <= set(table.columns):
        raise ValueError(f"table must have the columns {sorted(needed)}")
    fig, axes = figure_axes(axes, ncols=2, figsize=(9.6, 3.8))
    left, right = axes
    ells = sorted(table["ell"].unique())
    for i, ell in enumerate(ells):
        color = f"C{i}"
        t = table[table["ell"] == ell].sort_values("beta")
        left.plot(t["beta"], t["error"], "o-", color=color, ms=3.5, lw=1.2)
        left.plot(t["beta"], t["floor"], "--", color=color, lw=1, alpha=0.8)
        left.plot([equivalence_thresholds(int(ell)).self_averaging], [0.0], "^",
                  color=color, ms=8, clip_on=False, transform=left.get_xaxis_transform())
        right.plot(t["lindeberg"], t["kolmogorov"], "o-", color=color, ms=3.5, lw=1.2,
                   label=rf"$\ell$ = {ell}")
        right.plot(t["lindeberg"], t["kolmogorov_floor"], "--", color=color, lw=1, alpha=0.8)
    left.plot([], [], "k--", lw=1, label="dashed: two linear-model draws")
    left.axhline(0.05, color="0.6", lw=0.8, label="5 %")
    left.set_yscale("log")
    left.set_ylim(1e-2, 6.0)
    left.set_xlabel(r"$\tau$")
    left.set_ylabel("largest relative decile error")
    left.legend(loc="upper left", fontsize="small")
    x = np.geomspace(table["lindeberg"].min(), 2.0, 50)
    right.plot(x, 0.3 * x, ":", color="0.4", lw=1, label=r"$0.3\,e^{\tau^2}/\sqrt{\ell}$")
    right.set(xscale="log", yscale="log", xlabel=r"$e^{\tau^2}/\sqrt{\ell}$",
              ylabel="Kolmogorov distance")
    right.legend(loc="upper left", fontsize="small")
    return fig


@readable
def plot_second_moment(ells=(200, 800), betas=None, *, seed=0, ax=None) -> Figure:
    r"""The mean squared singular value of :math:`\sqrt\ell A`, :math:`\|A\|_F^2`, against β,
    with the linear model's :math:`e^{\beta^2}` and the ceiling ℓ.

    One solid curve per ℓ (one draw each, :func:`mean_squared_singular_value`); dotted, the
    ceiling ℓ (one-hot rows); triangles on the axis mark :math:`\sqrt{\log(\ell)/2}` and
    squares :math:`\sqrt{2\log\ell}` (:func:`equivalence_thresholds`).

    Parameters
    ----------
    ells : sequence of int, default (200, 800)
    betas : array_like, optional
        Default 81 values in [0, 8].
    seed : int, default 0
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    betas = (np.linspace(0.0, 8.0, 81) if betas is None
             else check_array(betas, "betas", nonnegative=True).ravel())
    fig, ax = figure_axes(ax)
    top = 1.0
    for i, ell in enumerate(ells):
        color = f"C{i}"
        ell = check_int(ell, "ell", 2)
        top = max(top, ell)
        m = mean_squared_singular_value(draw_attention(ell, seed=seed), betas)
        ax.plot(betas, m, "-", color=color, lw=1.6, label=rf"$\|P\|_F^2$, $\ell$ = {ell}")
        ax.axhline(ell, color=color, ls=":", lw=1)
        th = equivalence_thresholds(ell)
        ax.plot([th.self_averaging], [0.0], "^", color=color, ms=8, clip_on=False,
                transform=ax.get_xaxis_transform())
        ax.plot([th.one_hot], [0.0], "s", color=color, ms=6, clip_on=False,
                transform=ax.get_xaxis_transform())
    bb = betas[np.exp(betas**2) < 10 * top]
    ax.plot(bb, np.exp(bb**2), color=THEORY, lw=1.2, ls="--",
            label=r"linear model, $e^{\tau^2}$")
    ax.plot([], [], "k:", lw=1, label=r"ceiling $\ell$ (one-hot rows)")
    ax.set_yscale("log")
    ax.set_ylim(1.0, 3 * top)
    ax.set_xlim(betas.min(), betas.max())
    ax.set_xlabel(r"$\tau$")
    ax.set_ylabel(r"mean squared singular value of $\sqrt{\ell}P$")
    ax.legend(loc="lower right", fontsize="small")
    return fig


@readable
def plot_poisson_limit(beta: float = 50.0, ell: int = 800, d: int | None = None,
                       d_qk: int | None = None, *, seed=0, axes=None) -> Figure:
    r"""Large β: the squared singular values of :math:`A` against Poisson(1).

    Left: how often each integer (nearest to a squared singular value) occurs, with the
    frequencies of the argmax counts (the β → ∞ limit, outlined), against the Poisson(1)
    probabilities and the mixed-Poisson law of :func:`key_selection_rates`.
    Right: the sorted squared singular values against the quantile level (i − 1/2)/ℓ, with
    the quantile functions of Poisson(1) and of the mixed law.

    Parameters
    ----------
    beta : float, default 50
    ell : int, default 800
    d, d_qk : int, optional
        Default ``ell``.
    seed : int, default 0
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    beta = check_nonnegative(beta, "beta")
    fig, axes = figure_axes(axes, ncols=2, figsize=(9.6, 3.8))
    draw = draw_attention(ell, d, d_qk, seed=seed)
    n = draw.ell
    s2 = squared_singular_values(draw.attention(beta))
    rates = key_selection_rates(draw)
    argmax = argmax_counts(draw.scores)
    k = np.arange(int(max(s2.max(), argmax.max(), 6)) + 2)
    freq = np.bincount(np.rint(s2).astype(int), minlength=k.size)[: k.size] / n
    counts = np.bincount(argmax, minlength=k.size)[: k.size] / n
    left, right = axes
    left.bar(k, freq, width=0.6, color=SAMPLE, alpha=0.5,
             label=rf"$s^2(P)$ rounded, $\tau$ = {beta:g}, $\ell$ = {n}")
    left.bar(k, counts, width=0.6, fill=False, edgecolor="k", lw=0.8,
             label=r"argmax counts ($\tau\to\infty$)")
    left.plot(k, mixed_poisson_pmf([1.0], k), "o", color=THEORY, label="Poisson(1)")
    left.plot(k, mixed_poisson_pmf(rates, k), "x", color=POPULATION, ms=7,
              label=rf"mixed Poisson, Var $\lambda$ = {rates.var():.2f}")
    left.set_xlabel("squared singular value of $P$")
    left.set_ylabel("fraction of the $\\ell$ values")
    left.legend(loc="upper right", fontsize="small")
    levels = (np.arange(n) + 0.5) / n
    right.plot(levels, s2, color=SAMPLE, lw=2, label="sorted $s^2(P)$")
    right.step(levels, poisson_quantiles(n), where="mid", color=THEORY, lw=1,
               label="Poisson(1) quantiles")
    right.step(levels, mixed_poisson_quantiles(rates, n), where="mid", color=POPULATION,
               lw=1, ls="--", label="mixed Poisson quantiles")
    right.set_xlabel(r"quantile level $(i - 1/2)/\ell$")
    right.set_ylabel("squared singular value")
    right.legend(loc="upper left", fontsize="small")
    return fig
