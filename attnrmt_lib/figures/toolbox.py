"""Figures of the chapter "The random-matrix toolbox".

Stieltjes inversion (theory and a sample), a simulated product of two Wishart matrices
against the free product of their Marchenko–Pastur laws, and the determinant lemma with
the contour that gives the eigenvector of a spike. The mathematics is in
:mod:`attnrmt_lib.resolvent`, :mod:`attnrmt_lib.free_probability` and
:mod:`attnrmt_lib.spiked_wishart`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch

from ..bai_yao import mp_stieltjes
from ..bulk import bulk_edges
from ..free_probability import free_mp_product_density
from ..marchenko_pastur import mp_density, mp_edges
from ..phase_diagram import paul_overlap
from ..resolvent import empirical_stieltjes, mp_stieltjes_transform, stieltjes_inversion
from ..spiked_wishart import determinant_lemma_outlier
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_stieltjes_inversion", "plot_free_product", "plot_determinant_lemma"]


@readable
def plot_stieltjes_inversion(eigenvalues, gamma: float, *, etas=(0.3, 0.1, 0.02),
                             eta_sample: float = 0.05, bins: int = 60, axes=None):
    r"""Stieltjes inversion: :math:`-\operatorname{Im} G(x + i\eta)/\pi` tends to the density.

    Left: the Marchenko–Pastur density of ratio γ and its smoothings at the scales
    ``etas``, from the deterministic-equivalent Stieltjes transform
    (:func:`~attnrmt_lib.resolvent.mp_stieltjes_transform`). Right: a simulated spectrum
    (``eigenvalues``, histogram), the smoothing of its empirical Stieltjes transform
    :math:`\frac1d\operatorname{tr}(zI - S)^{-1}` at ``eta_sample``, and the theory's at the
    same scale.
    """
    ev = np.asarray(eigenvalues, dtype=float)
    fig, (left, right) = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    lo, hi = mp_edges(gamma)
    x = np.linspace(max(0.0, lo - 0.6), hi + 0.6, 500)
    left.plot(x, mp_density(x, gamma), color="k", lw=1.2, ls="--",
              label=rf"density of MP$_{{{gamma:g}}}$")
    shades = np.linspace(0.35, 1.0, len(etas))
    for eta, alpha in zip(etas, shades):
        f = stieltjes_inversion(lambda z: mp_stieltjes_transform(z, gamma), x, eta)
        left.plot(x, f, color=THEORY, alpha=float(alpha), label=rf"$\eta$ = {eta:g}")
    left.set_xlabel("$x$")
    left.set_ylabel(r"$-\mathrm{Im}\, G(x + i\eta)/\pi$")
    left.set_title("the theory, smoothed at scale $\\eta$")
    left.legend(loc="upper right", fontsize="small")

    edges = np.linspace(0.0, max(hi, ev.max()) * 1.02, bins + 1)
    right.hist(ev, bins=edges, density=True, color=SAMPLE, alpha=0.35,
               label=f"eigenvalues, d = {ev.size}")
    xs = np.linspace(0.0, edges[-1] + 0.4, 500)
    right.plot(xs, stieltjes_inversion(lambda z: empirical_stieltjes(ev, z), xs, eta_sample),
               color=SAMPLE, label=r"$\frac{1}{d}\mathrm{tr}\,(zI - S)^{-1}$")
    right.plot(xs, stieltjes_inversion(lambda z: mp_stieltjes_transform(z, gamma), xs,
                                       eta_sample),
               color=THEORY, ls="--", label="deterministic equivalent")
    right.set_xlabel("$x$")
    right.set_title(rf"a sample at $\eta$ = {eta_sample:g}, $\gamma$ = {gamma:g}")
    right.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_free_product(eigenvalues, delta: float, gamma: float, *, bins: int = 70, ax=None):
    r"""A simulated Wishart product against :math:`\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma`.

    The histogram is the spectrum of :math:`\Sigma^{1/2}W\Sigma^{1/2}` (``eigenvalues``,
    e.g. from :func:`~attnrmt_lib.free_probability.wishart_product_spectrum`); the solid
    curve is the free product from S-transforms
    (:func:`~attnrmt_lib.free_probability.free_mp_product_density`); the dashed curve is
    :math:`\mathrm{MP}_{\delta+\gamma}`, which has the same mean and variance but is not the
    law of the product.
    """
    ev = np.asarray(eigenvalues, dtype=float)
    fig, ax = figure_axes(ax)
    upper = bulk_edges(delta, gamma)[1]
    edges = np.linspace(0.0, max(upper, ev.max()) * 1.03, bins + 1)
    ax.hist(ev, bins=edges, density=True, color=SAMPLE, alpha=0.4,
            label=f"simulated product, d = {ev.size}")
    x = np.linspace(1e-3, edges[-1], 700)
    ax.plot(x, free_mp_product_density(x, [delta, gamma]), color=THEORY,
            label=rf"MP$_{{{delta:g}}}\boxtimes$MP$_{{{gamma:g}}}$ (S-transforms)")
    ax.plot(x, mp_density(x, delta + gamma), color="0.4", ls="--",
            label=rf"MP$_{{{delta + gamma:g}}}$ (same mean and variance)")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.15 * max(free_mp_product_density(x, [delta, gamma]).max(), 0.5))
    ax.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_determinant_lemma(rho: float, gamma: float, *, axes=None):
    r"""The determinant lemma and the contour of a spike on a Marchenko–Pastur bulk.

    Left: :math:`h(\lambda) = \lambda G_\gamma(\lambda) - 1` above the bulk edge
    (decreasing from :math:`1/\sqrt\gamma` to 0) and the level :math:`1/\rho`; where they
    cross is the outlier (:func:`~attnrmt_lib.spiked_wishart.determinant_lemma_outlier`),
    above the population eigenvalue :math:`1 + \rho`. There is no crossing when
    :math:`\rho \le \sqrt\gamma`. Right: the complex plane, with the bulk (a branch cut of
    the resolvent), the outlier (a pole) and the circle whose contour integral is the squared
    alignment :math:`|\hat u^\top u|^2` (Paul's formula,
    :func:`~attnrmt_lib.phase_diagram.paul_overlap`).
    """
    fig, (left, right) = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    lo, edge = mp_edges(gamma)
    threshold = np.sqrt(gamma)
    has_outlier = rho > threshold
    lam_out = determinant_lemma_outlier(rho, gamma) if has_outlier else edge
    hi = max(2.2 * edge, 1.35 * lam_out, 1.25 * (1.0 + rho))
    lam = edge + (hi - edge) * np.linspace(0.0, 1.0, 400)[1:] ** 2
    h = lam * mp_stieltjes(lam, gamma) - 1.0
    left.plot(lam, h, color=THEORY, label=r"$h(\lambda) = \lambda G_\gamma(\lambda) - 1$")
    if rho > 0:
        left.axhline(1.0 / rho, color=SAMPLE, lw=1, label=rf"$1/\rho$, $\rho$ = {rho:.3g}")
    left.axvline(edge, color="0.5", ls=":", lw=1)
    left.axvline(1.0 + rho, color=POPULATION, ls="--", lw=1,
                 label=r"population eigenvalue $1 + \rho$")
    left.plot([edge], [1.0 / threshold], "o", color=THEORY, ms=5, mfc="white")
    if has_outlier:
        left.plot([lam_out], [1.0 / rho], "o", color=SAMPLE, ms=7,
                  label=rf"outlier $\lambda$ = {lam_out:.3g}")
    else:
        left.text(0.35, 0.45, "$1/\\rho \\geq 1/\\sqrt{\\gamma}$:\nno crossing, no outlier",
                  transform=left.transAxes, fontsize="small")
    start = min(edge, 1.0 + rho)
    left.set_xlim(start - 0.05 * (hi - start), hi)
    left.set_ylim(0.0, 1.3 * min(max(1.0 / threshold, 1.0 / max(rho, 1e-12)), 3.0 / threshold))
    left.set_xlabel(r"$\lambda$")
    left.set_title(r"$\rho\,(\lambda G_\gamma(\lambda) - 1) = 1$")
    left.legend(loc="upper right", fontsize="small")

    right.axhline(0.0, color="0.8", lw=0.8)
    right.plot([lo, edge], [0.0, 0.0], color=THEORY, lw=6, solid_capstyle="butt",
               label="bulk: a branch cut")
    if has_outlier:
        r = 0.5 * (lam_out - edge)
        theta = np.linspace(0.0, 2 * np.pi, 200)
        right.plot(lam_out + r * np.cos(theta), r * np.sin(theta), color=SAMPLE,
                   label=r"$\Gamma$: $\frac{1}{2\pi i}\oint_\Gamma u^\top(zI - S)^{-1}u\,dz$")
        right.add_patch(FancyArrowPatch((lam_out + r, -0.05 * r), (lam_out + r, 0.05 * r),
                                        arrowstyle="-|>", mutation_scale=14, color=SAMPLE))
        right.plot([lam_out], [0.0], "x", color=SAMPLE, ms=9, mew=2, label="outlier: a pole")
        right.set_title(rf"residue: $|\hat u^\top u|^2$ = {paul_overlap(rho, gamma):.3f}")
        span = lam_out + 1.6 * r
    else:
        right.set_title("no outlier: nothing to circle")
        span = 1.4 * edge
    left_end = min(0.0, lo) - 0.2
    right.set_xlim(left_end, span)
    height = 0.32 * (span - left_end)
    right.set_ylim(-height, height)
    right.set_aspect("equal", adjustable="box")  # keeps the circle round
    right.set_xlabel(r"Re $z$")
    right.set_ylabel(r"Im $z$")
    right.legend(loc="upper left", fontsize="small")
    return fig
