r"""Is the top eigenvalue an outlier? A test of "signal present" from one pooled spectrum.

Under the null hypothesis μ = 0 the pooled sample covariance S has no outlier and its
largest eigenvalue sits at the upper edge :math:`\lambda_+` of the bulk law
κ(MP_δ ⊠ MP_γ), with Tracy–Widom fluctuations on the scale :math:`d^{-2/3}`:

.. math::

    \lambda_{\max}(S) \approx \lambda_+ + \sigma\,d^{-2/3}\,\mathrm{TW}_1 .

The scale constant follows from the square-root shape of the bulk density at its edge.
With :math:`\lambda(\psi) = \kappa(1 + \psi)(1 + \delta\psi)(1 + \gamma\psi)/\psi` (the
inverse of the moment-generating function of the bulk, :mod:`attnrmt_lib.bulk`) and
:math:`\psi_*` its positive critical point, :math:`\lambda_+ = \lambda(\psi_*)` and
:math:`\lambda(\psi) \approx \lambda_+ + \tfrac12\lambda''(\psi_*)(\psi - \psi_*)^2`, so just
below the edge :math:`\operatorname{Im}\psi = (2(\lambda_+ - \lambda)/\lambda'')^{1/2}` and

.. math::

    f(\lambda) \approx \frac{a}{\pi}\sqrt{\lambda_+ - \lambda}, \qquad
    a = \frac{1}{\lambda_+}\sqrt{\frac{2}{\lambda''(\psi_*)}}, \qquad
    \lambda''(\psi_*) = 2\kappa\Big(\frac{1}{\psi_*^3} + \delta\gamma\Big).

Matching the d eigenvalues near the edge, :math:`d\,\frac a\pi\sqrt{\lambda_+ - \lambda}\,d\lambda`,
with the Airy point process, whose density of points is :math:`\sqrt{-x}/\pi`, fixes the
scale: :math:`\lambda = \lambda_+ + x\,(ad)^{-2/3}`, i.e. :math:`\sigma = a^{-2/3}`. For δ → 0
(a white table, bulk κ MP_γ) this is Johnstone's (2001) scale
:math:`\kappa\sqrt\gamma(1 + \sqrt\gamma)^{4/3}`. Tracy–Widom edge fluctuations hold for
sample covariances with a general population whose edge is regular (El Karoui 2007;
Lee & Schnelli 2016); given the tokens, :math:`S = Z^\top(A^\top A/N)Z` is such a matrix
with a Gaussian table Z.

This module gives the asymptotic test (:func:`tracy_widom_scale`,
:func:`tw_critical_value`, :func:`tw_pvalue`, :func:`outlier_test`), and a simulated null
and power curves for moderate d (:func:`top_eigenvalue_replicates`,
:func:`simulated_critical_value`), which computes the top eigenvalue for a whole grid of
signal strengths from one eigendecomposition per replicate: the signal is a rank-two
update of the noise covariance (:func:`top_eigenvalue_rank_two`).

References
----------
C. A. Tracy and H. Widom (1996); I. M. Johnstone, "On the distribution of the largest
eigenvalue in principal components analysis", Ann. Statist. 29 (2001); N. El Karoui,
"Tracy–Widom limit for the largest eigenvalue of a large class of complex sample
covariance matrices", Ann. Probab. 35 (2007); J. O. Lee and K. Schnelli, "Tracy–Widom
distribution for the largest eigenvalue of real sample covariance matrices with general
population", Ann. Appl. Probab. 26 (2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import brentq

from . import cache as _cache
from ._validation import (
    check_array,
    check_int,
    check_interval,
    check_nonnegative,
    check_positive,
    check_weights,
)
from .correlation import PositionalModel
from .sampling import as_generator, count_matrix, gaussian_table, random_direction, uniform_tokens
from .tracy_widom import tw1_cdf, tw1_quantile

__all__ = [
    "edge_critical_point",
    "soft_edge",
    "edge_coefficient",
    "tracy_widom_scale",
    "tw_critical_value",
    "tw_statistic",
    "tw_pvalue",
    "OutlierTest",
    "outlier_test",
    "top_eigenvalue_rank_two",
    "top_eigenvalue_replicates",
    "simulated_critical_value",
    "rejection_rate",
    "crossing_point",
]


def _check_ratios(delta, gamma, kappa):
    return (check_nonnegative(delta, "delta"), check_positive(gamma, "gamma"),
            check_positive(kappa, "kappa"))


def edge_critical_point(delta: float, gamma: float) -> float:
    r"""The positive critical point :math:`\psi_*` of :math:`\lambda(\psi)`.

    The root in :math:`(0, \infty)` of :math:`2\delta\gamma\psi^3 + (\delta + \gamma +
    \delta\gamma)\psi^2 - 1 = 0` (for δ = 0: :math:`1/\sqrt\gamma`). It is also
    :math:`1/x_*`, with :math:`x_* = \rho_2 - \delta` of :func:`attnrmt_lib.thresholds`.

    Parameters
    ----------
    delta : float
        δ = d/V >= 0 (0: a white table, bulk κ MP_γ).
    gamma : float
        γ = d/N > 0.
    """
    delta = check_nonnegative(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    a, b = 2.0 * delta * gamma, delta + gamma + delta * gamma
    # g(ψ) = aψ³ + bψ² - 1 increases on (0, ∞), g(0) = -1, g(1/√b) = a/b^{3/2} >= 0.
    if a == 0.0:
        return float(1.0 / np.sqrt(b))
    return float(brentq(lambda p: (a * p + b) * p * p - 1.0, 0.0, 1.0 / np.sqrt(b), xtol=1e-15,
                        rtol=4 * np.finfo(float).eps))


def _lambda_and_curvature(delta, gamma, kappa):
    psi = edge_critical_point(delta, gamma)
    edge = kappa * (1.0 + psi) * (1.0 + delta * psi) * (1.0 + gamma * psi) / psi
    curvature = 2.0 * kappa * (1.0 / psi**3 + delta * gamma)
    return edge, curvature


def soft_edge(delta: float, gamma: float, kappa: float = 1.0) -> float:
    r"""Upper edge :math:`\lambda_+ = \lambda(\psi_*)` of κ(MP_δ ⊠ MP_γ) (δ = 0 allowed: κ MP_γ).

    Equals ``bulk_edges(delta, gamma, kappa)[1]`` for δ > 0, and
    :math:`\kappa(1 + \sqrt\gamma)^2` for δ = 0.

    Examples
    --------
    >>> round(soft_edge(0.5, 0.5), 5), round(soft_edge(0.0, 0.25), 12)
    (4.40915, 2.25)
    """
    delta, gamma, kappa = _check_ratios(delta, gamma, kappa)
    return float(_lambda_and_curvature(delta, gamma, kappa)[0])


def edge_coefficient(delta: float, gamma: float, kappa: float = 1.0) -> float:
    r"""The constant a of the square-root edge, :math:`f(\lambda) \approx (a/\pi)\sqrt{\lambda_+ - \lambda}`.

    :math:`a = \sqrt{2/\lambda''(\psi_*)}/\lambda_+` with
    :math:`\lambda''(\psi_*) = 2\kappa(\psi_*^{-3} + \delta\gamma)`. For δ = 0,
    :math:`a = \kappa^{-3/2}\gamma^{-3/4}(1 + \sqrt\gamma)^{-2}`, the Marchenko–Pastur value.
    """
    delta, gamma, kappa = _check_ratios(delta, gamma, kappa)
    edge, curvature = _lambda_and_curvature(delta, gamma, kappa)
    return float(np.sqrt(2.0 / curvature) / edge)


def tracy_widom_scale(delta: float, gamma: float, kappa: float = 1.0) -> float:
    r"""Scale constant σ of the edge fluctuations: :math:`\lambda_{\max} \approx \lambda_+ + \sigma d^{-2/3}\mathrm{TW}_1`.

    :math:`\sigma = a^{-2/3}` with a from :func:`edge_coefficient`. For δ = 0 it is
    Johnstone's :math:`\kappa\sqrt\gamma(1 + \sqrt\gamma)^{4/3}`.

    Parameters
    ----------
    delta : float
        δ = d/V >= 0.
    gamma : float
        γ = d/N > 0.
    kappa : float, default 1.0
        κ = ‖w‖² (σ is in the units of S).

    Examples
    --------
    >>> round(tracy_widom_scale(0.0, 1.0), 10) == round(2 ** (4 / 3), 10)
    True
    """
    return float(edge_coefficient(delta, gamma, kappa) ** (-2.0 / 3.0))


def _check_level(level) -> float:
    return check_interval(level, "level", 1e-6, 0.5)


def tw_critical_value(d: int, delta: float, gamma: float, kappa: float = 1.0,
                      level: float = 0.05) -> float:
    r"""Critical value :math:`\lambda_+ + \sigma d^{-2/3}F_1^{-1}(1 - \text{level})` of the test.

    Reject "no signal" at the given level when the top eigenvalue of S exceeds it.
    """
    d = check_int(d, "d", 1)
    delta, gamma, kappa = _check_ratios(delta, gamma, kappa)
    level = _check_level(level)
    return float(soft_edge(delta, gamma, kappa)
                 + tracy_widom_scale(delta, gamma, kappa) * d ** (-2.0 / 3.0)
                 * tw1_quantile(1.0 - level))


def tw_statistic(top_eigenvalue, d: int, delta: float, gamma: float, kappa: float = 1.0):
    r"""The edge-rescaled top eigenvalue :math:`(\lambda_{\max} - \lambda_+)\,d^{2/3}/\sigma` (≈ TW₁ under the null)."""
    d = check_int(d, "d", 1)
    delta, gamma, kappa = _check_ratios(delta, gamma, kappa)
    lam = check_array(top_eigenvalue, "top_eigenvalue")
    out = (lam - soft_edge(delta, gamma, kappa)) * d ** (2.0 / 3.0) / tracy_widom_scale(
        delta, gamma, kappa)
    return float(out) if np.ndim(top_eigenvalue) == 0 else out


def tw_pvalue(top_eigenvalue, d: int, delta: float, gamma: float, kappa: float = 1.0):
    r"""Asymptotic p-value :math:`1 - F_1\big((\lambda_{\max} - \lambda_+)d^{2/3}/\sigma\big)`."""
    stat = tw_statistic(top_eigenvalue, d, delta, gamma, kappa)
    return 1.0 - tw1_cdf(stat)


@dataclass(frozen=True)
class OutlierTest:
    """Outcome of :func:`outlier_test`.

    Attributes
    ----------
    top_eigenvalue : float
        The observed largest eigenvalue (units of S).
    statistic : float
        :math:`(\\lambda_{\\max} - \\lambda_+)d^{2/3}/\\sigma`, ≈ TW₁ under the null.
    pvalue : float
        Tracy–Widom p-value, or the Monte Carlo p-value (1 + #{null >= observed})/(n + 1).
    critical_value : float
        Reject when ``top_eigenvalue > critical_value``.
    reject : bool
    level : float
    method : str
        ``"tracy-widom"`` or ``"simulated"``.
    """

    top_eigenvalue: float
    statistic: float
    pvalue: float
    critical_value: float
    reject: bool
    level: float
    method: str


def simulated_critical_value(null, level: float = 0.05) -> float:
    r"""Critical value of a Monte Carlo test from n simulated null top eigenvalues.

    The :math:`\lceil(n + 1)(1 - \text{level})\rceil`-th smallest value: rejecting above it
    has size at most ``level`` for exchangeable null draws (a Monte Carlo test, Dwass 1957).
    Needs n >= 1/level - 1.
    """
    null = np.sort(check_array(null, "null").ravel())
    level = _check_level(level)
    k = int(np.ceil((null.size + 1) * (1.0 - level)))
    if k > null.size:
        raise ValueError(f"null must hold at least {int(np.ceil(1 / level - 1))} draws for "
                         f"level {level}, got {null.size}")
    return float(null[k - 1])


def outlier_test(top_eigenvalue: float, *, d: int, delta: float, gamma: float,
                 kappa: float = 1.0, level: float = 0.05, null=None) -> OutlierTest:
    r"""Test "no signal" (μ = 0) against "signal present" from the top eigenvalue of S.

    Parameters
    ----------
    top_eigenvalue : float
        Largest eigenvalue of the pooled sample covariance (units of S).
    d : int
        Dimension.
    delta, gamma : float
        d/V >= 0 and d/N > 0.
    kappa : float, default 1.0
        κ = ‖w‖² (times the table's variance, if not 1).
    level : float, default 0.05
    null : array_like, optional
        Simulated null top eigenvalues in the units of S (e.g. ``kappa *
        top_eigenvalue_replicates(...)[:, 0]``); if given, the test is calibrated on them
        instead of the Tracy–Widom law.

    Returns
    -------
    OutlierTest
    """
    lam = float(check_array(top_eigenvalue, "top_eigenvalue"))
    level = _check_level(level)
    stat = tw_statistic(lam, d, delta, gamma, kappa)
    if null is None:
        return OutlierTest(lam, stat, float(1.0 - tw1_cdf(stat)),
                           tw_critical_value(d, delta, gamma, kappa, level),
                           bool(1.0 - tw1_cdf(stat) < level), level, "tracy-widom")
    null = check_array(null, "null").ravel()
    crit = simulated_critical_value(null, level)
    pvalue = float((1 + np.count_nonzero(null >= lam)) / (null.size + 1))
    return OutlierTest(lam, stat, pvalue, crit, bool(lam > crit), level, "simulated")


def _positive_count_2x2(a, b, c):
    """Number of positive eigenvalues of the symmetric 2×2 matrices [[a, b], [b, c]]."""
    det = a * c - b * b
    tr = a + c
    return np.where(det < 0, 1, np.where(tr > 0, 2, 0) * (det > 0)
                    + np.where(det == 0, (tr > 0).astype(int), 0))


def top_eigenvalue_rank_two(eigenvalues, eigenvectors, g, u, m, beta: float, *,
                            tol: float = 1e-13):
    r"""Largest eigenvalue of :math:`S_0 + m(gu^\top + ug^\top) + m^2\beta\,uu^\top` for many m.

    This is the pooled covariance :math:`S = (C_0 + mbu^\top)^\top(C_0 + mbu^\top)/N` with
    :math:`S_0 = C_0^\top C_0/N`, :math:`g = C_0^\top b/N` and :math:`\beta = \|b\|^2/N`: a
    rank-two update :math:`S_0 + WKW^\top`, :math:`W = [g, u]`,
    :math:`K = \begin{pmatrix}0 & m\\ m & m^2\beta\end{pmatrix}`. By the Haynsworth
    inertia formula applied to :math:`\begin{pmatrix}\Lambda - \lambda & P\\ P^\top & -K^{-1}\end{pmatrix}`
    (P = QᵀW in the eigenbasis Q of S₀), the number of eigenvalues of S above λ is

    .. math::

        \#\{i : \lambda_i(S_0) > \lambda\} + n_+\big(-K^{-1} - P^\top(\Lambda - \lambda)^{-1}P\big) - 1,

    (−K⁻¹ has one positive eigenvalue), a count that bisection turns into the top
    eigenvalue at O(d) cost per step, for all m at once. K has one negative eigenvalue, so
    :math:`\lambda_{\max}(S) \ge \lambda_2(S_0)` (Weyl), which brackets the search.

    Parameters
    ----------
    eigenvalues : array_like, shape (d,)
        Eigenvalues of S₀ (any order).
    eigenvectors : array_like, shape (d, d)
        Matching orthonormal eigenvectors (columns).
    g, u : array_like, shape (d,)
    m : float or array_like
        Signal amplitudes ‖μ‖ >= 0.
    beta : float
        ‖b‖²/N >= 0.
    tol : float, default 1e-13
        Relative width of the final bracket.

    Returns
    -------
    float or numpy.ndarray
        λ_max(S) for each m.
    """
    lam = check_array(eigenvalues, "eigenvalues").ravel()
    Q = check_array(eigenvectors, "eigenvectors")
    if Q.shape != (lam.size, lam.size):
        raise ValueError(f"eigenvectors must have shape ({lam.size}, {lam.size}), got {Q.shape}")
    g = check_array(g, "g").ravel()
    u = check_array(u, "u").ravel()
    if g.size != lam.size or u.size != lam.size:
        raise ValueError(f"g and u must have length d = {lam.size}")
    beta = check_nonnegative(beta, "beta")
    ms = check_array(m, "m")
    if np.any(ms < 0):
        raise ValueError(f"m must be >= 0, got min {ms.min()}")
    flat = ms.ravel()
    p, q = Q.T @ g, Q.T @ u
    order = np.argsort(lam)[::-1]
    top, second = lam[order[0]], lam[order[1]] if lam.size > 1 else lam[order[0]]
    out = np.full(flat.size, top)
    pos = flat > 0
    if np.any(pos):
        mm = flat[pos][:, None]
        lo = np.full(mm.shape, second - 1e-12 * max(abs(second), 1.0))
        hi = top + mm * 2.0 * np.linalg.norm(g) + mm**2 * beta + 1e-12 * max(abs(top), 1.0)
        pp, pq, qq = p * p, p * q, q * q
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            inv = 1.0 / (lam[None, :] - mid)
            # G = -K^{-1} - P^T (Λ - λ)^{-1} P, -K^{-1} = [[β, -1/m], [-1/m, 0]].
            a = beta - inv @ pp
            b = -1.0 / mm[:, 0] - inv @ pq
            c = -(inv @ qq)
            count = (np.sum(lam[None, :] > mid, axis=1)
                     + _positive_count_2x2(a, b, c) - 1)
            above = count >= 1
            lo = np.where(above[:, None], mid, lo)
            hi = np.where(above[:, None], hi, mid)
            if np.all(hi - lo <= tol * np.maximum(np.abs(hi), 1.0)):
                break
        else:
            raise RuntimeError("top_eigenvalue_rank_two: bisection did not converge "
                               f"(bracket width {float(np.max(hi - lo)):.2e})")
        out[pos] = 0.5 * (lo + hi)[:, 0]
    return float(out[0]) if np.ndim(m) == 0 else out.reshape(ms.shape)


def top_eigenvalue_replicates(*, d: int, delta: float, gamma: float, weights,
                              correlation: PositionalModel, rhos=(0.0,), n_replicates: int,
                              seed=0, dtype: str = "float64", cache: bool = True) -> np.ndarray:
    r"""Top eigenvalue of the pooled covariance, in units of κ, for replicates × signal strengths.

    Each replicate draws a centered Gaussian table (V = round(d/δ) rows), N = round(d/γ)
    sequences of uniform tokens with signs from ``correlation``, and a uniform direction
    u; the signal strength ρ enters as ‖μ‖ = (ρκ/α)^{1/2}. One eigendecomposition of the
    noise covariance :math:`S_0` per replicate serves every ρ
    (:func:`top_eigenvalue_rank_two`); ρ = 0 is the null. The same noise is used for every
    ρ (common random numbers), so the power curves are smooth in ρ.

    Parameters
    ----------
    d : int
        Dimension >= 2.
    delta, gamma : float
        Target ratios d/V and d/N (> 0).
    weights : array_like, shape (T,)
        Pooling weights.
    correlation : PositionalModel
        Sign model (fixes T and α = wᵀRw).
    rhos : array_like, default (0.0,)
        Signal strengths ρ >= 0.
    n_replicates : int
        Number of independent replicates >= 1.
    seed : int, numpy.random.Generator or None, default 0
    dtype : {"float64", "float32"}, default "float64"
        Precision of :math:`S_0` and its eigendecomposition. float32 halves the cost; its
        relative error (~1e-6) is far below the edge scale :math:`d^{-2/3}`.
    cache : bool, default True
        With an integer ``seed``, look the result up in :mod:`attnrmt_lib.cache` and store
        it there (a chapter executed twice, by the book build and in JupyterLab, draws the
        replicates once). A Generator seed is never cached: its state must advance.

    Returns
    -------
    numpy.ndarray, shape (n_replicates, len(rhos))
        :math:`\lambda_{\max}(S)/\kappa`.
    """
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    d = check_int(d, "d", 2)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    n_replicates = check_int(n_replicates, "n_replicates", 1)
    if not isinstance(correlation, PositionalModel):
        raise ValueError("correlation must be a PositionalModel such as iid(T), got "
                         f"{type(correlation).__name__}")
    w = check_weights(weights, correlation.T)
    rhos = check_array(rhos, "rhos").ravel()
    if np.any(rhos < 0):
        raise ValueError(f"rhos must be >= 0, got min {rhos.min()}")
    kappa, alpha = float(w @ w), float(w @ correlation.R @ w)
    if np.any(rhos > 0) and alpha <= 0:
        raise ValueError("the weights cancel the signal (alpha = w^T R w = 0)")
    m = np.sqrt(rhos * kappa / alpha) if alpha > 0 else np.zeros_like(rhos)
    if cache and isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        params = {"d": d, "delta": delta, "gamma": gamma, "weights": w, "correlation": correlation,
                  "rhos": rhos, "n_replicates": n_replicates, "seed": int(seed), "dtype": dtype}
        return _cache.memoize("top-eigenvalue-replicates", params, lambda: {
            "top": top_eigenvalue_replicates(d=d, delta=delta, gamma=gamma, weights=w,
                                             correlation=correlation, rhos=rhos,
                                             n_replicates=n_replicates, seed=seed,
                                             dtype=dtype, cache=False)})["top"]
    V, N = max(2, round(d / delta)), max(1, round(d / gamma))
    rng = as_generator(seed)
    out = np.empty((n_replicates, rhos.size))
    for r in range(n_replicates):
        Z, _ = gaussian_table(V, d, seed=rng)
        u = random_direction(d, seed=rng)
        tokens = uniform_tokens(V, N, w.size, seed=rng)
        b = correlation.sample(N, rng) @ w
        C0 = count_matrix(w, tokens, V) @ Z
        syrk = scipy.linalg.blas.dsyrk if dtype == "float64" else scipy.linalg.blas.ssyrk
        S0 = syrk(1.0 / N, C0.T.astype(dtype), lower=1)
        if np.all(m == 0):
            out[r] = scipy.linalg.eigvalsh(S0, lower=True, subset_by_index=[d - 1, d - 1])[0]
            continue
        lam, Q = scipy.linalg.eigh(S0, lower=True, driver="evd")
        out[r] = top_eigenvalue_rank_two(lam.astype(float), Q.astype(float), C0.T @ b / N, u,
                                         m, float(b @ b) / N)
    return out / kappa


def rejection_rate(replicates, critical_value) -> tuple[np.ndarray, np.ndarray]:
    r"""Fraction of replicates above the critical value, and its binomial standard error.

    Parameters
    ----------
    replicates : array_like, shape (n, k)
        Top eigenvalues (e.g. from :func:`top_eigenvalue_replicates`), one column per ρ.
    critical_value : float
        In the same units.

    Returns
    -------
    rate, standard_error : numpy.ndarray, shape (k,)
    """
    x = check_array(replicates, "replicates")
    if x.ndim == 1:
        x = x[:, None]
    crit = float(check_array(critical_value, "critical_value"))
    rate = np.mean(x > crit, axis=0)
    return rate, np.sqrt(np.maximum(rate * (1.0 - rate), 0.25 / x.shape[0]) / x.shape[0])


def crossing_point(x, y, target: float) -> float:
    r"""The first x where the piecewise-linear curve through (x, y) reaches ``target``.

    For a power curve (x = ρ/ρ₂, y = power) and target 0.9 this is the 90 % power point.
    Raises ``ValueError`` if the curve never reaches the target.
    """
    x = check_array(x, "x").ravel()
    y = check_array(y, "y").ravel()
    if x.size != y.size or x.size < 2:
        raise ValueError("x and y must have the same length >= 2")
    target = float(check_array(target, "target"))
    above = np.flatnonzero(y >= target)
    if above.size == 0:
        raise ValueError(f"the curve never reaches target = {target} (max {y.max():.3g})")
    i = int(above[0])
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
    return float(x0 + (target - y0) * (x1 - x0) / (y1 - y0))
