r"""Estimating the signal from one spectrum: invert the outlier map, with finite-size error bars.

**Inverting the outlier map.** Above the edge, the bulk law κ(MP_δ ⊠ MP_γ) has a real
moment-generating function :math:`\psi(\lambda) = \int x\,d\mu(x)/(\lambda - x)`, the root
in :math:`(0, \psi_*)` of the cubic
:math:`\lambda\psi/\kappa = (1 + \psi)(1 + \delta\psi)(1 + \gamma\psi)` (:mod:`attnrmt_lib.bulk`).
The outlier :math:`\lambda_{out} = \kappa(x + 1)(x + \delta)(x + \gamma)/x^2`,
:math:`x = \rho - \delta`, is that cubic read at :math:`\psi = 1/x`, so the outlier map is
inverted in one line:

.. math::

    \hat\rho = \delta + \frac{1}{\psi(\hat\lambda)} ,

then :math:`\|\hat\mu\|^2 = \hat\rho\kappa/\alpha` and the alignment
:math:`|\hat u^\top u|^2 = p(\hat x)/(\hat x^2(\hat x + \gamma))` (:func:`attnrmt_lib.overlap`).

**Finite-size error bar.** With :math:`C = C_0 + m\,bu^\top` (m = ‖μ‖),
:math:`S_0 = C_0^\top C_0/N`, :math:`g = C_0^\top b/N` and the resolvent
:math:`R(z) = (z - S_0)^{-1}`, an eigenvalue of S outside the spectrum of :math:`S_0` solves
(the rank-two determinant lemma)

.. math::

    f(z) = (1 - mB)^2 - m^2A\,(\beta + C) = 0,\qquad
    A = u^\top Ru,\ B = g^\top Ru,\ C = g^\top Rg,\ \beta = \|b\|^2/N .

In units κ = α = 1 (so m² = ρ) the four quadratic forms concentrate on
:math:`A \to G(z) = \tau_{1,0}`, :math:`B \to 0`, :math:`C \to \gamma\tau_{1,1}`,
:math:`\beta \to 1`, with :math:`\tau_{k,j} = \int t^j(z - t)^{-k}\,d\mu(t)` over the bulk
law, and they fluctuate by independent Gaussian amounts of order :math:`d^{-1/2}`
(u is uniform and independent of :math:`S_0`; b has i.i.d. entries independent of
:math:`C_0`; odd forms are uncorrelated with even ones):

.. math::

    d\operatorname{Var}A = 2(\tau_{2,0} - \tau_{1,0}^2),\quad
    d\operatorname{Var}B = \gamma\tau_{2,1},\quad
    d\operatorname{Var}(\beta + C) = \gamma\big[2(1 + 2c) + 2\gamma\tau_{2,2}
    + k_4(1 + c)^2\big],

with :math:`c = \gamma\tau_{1,1}` and :math:`k_4 = \mathbb E b^4/\alpha^2 - 3` the excess
kurtosis of the pooled signs :math:`b_n = \sum_tw_t\xi_{n,t}` (−2/T for i.i.d. signs and
mean pooling, 0 for Gaussian signs, down to −2 for pure labels). The implicit function
theorem carries them to the outlier:

.. math::

    \sqrt d\,(\hat\lambda - \lambda_{out}) \to N(0, \sigma_\lambda^2),\qquad
    \sigma_\lambda^2 = \frac{4\rho\,d\operatorname{Var}B + \rho^2\big[(1 + c)^2
    d\operatorname{Var}A + A^2d\operatorname{Var}(\beta + C)\big]}{f'(\lambda_{out})^2},
    \quad f' = \rho\big[\tau_{2,0}(1 + c) + \gamma\tau_{1,0}\tau_{2,1}\big],

and the delta method gives :math:`\operatorname{sd}(\hat\rho) = \sigma_\lambda/(\sqrt d\,
\lambda_{out}'(\rho))`. As ρ ↓ ρ₂ the derivative :math:`\lambda_{out}'` vanishes: the error
bar blows up, and the estimator is biased (the outlier is pushed into the edge, where it
fluctuates on the :math:`d^{-2/3}` scale instead).

**The bulk's moments.** κ, δ and γ can be read off the spectrum itself: the law has mean κ,
second moment :math:`\kappa^2(1 + \delta + \gamma)` and third moment
:math:`\kappa^3\big((1 + \delta + \gamma)^2 + \delta + \gamma + \delta\gamma\big)`
(:func:`attnrmt_lib.bulk_moments`), so :func:`bulk_parameters_from_moments` recovers κ and
δ + γ from two moments, and δ and γ (as an unordered pair: the law is symmetric in them)
from three.

References
----------
Z. Bai and J. Yao, "Central limit theorems for eigenvalues in a spiked population model",
Ann. Inst. H. Poincaré Probab. Statist. 44 (2008); D. Paul (2007); F. Benaych-Georges and
R. R. Nadakuditi (2011), the determinant lemma for finite-rank perturbations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import check_array, check_int, check_nonnegative, check_positive
from .bulk import bulk_atom, bulk_quadrature
from .outlier_test import edge_critical_point, soft_edge
from .spikes import overlap, thresholds, top_eigenvalue

__all__ = [
    "bulk_psi",
    "bulk_stieltjes",
    "bulk_trace",
    "invert_top_eigenvalue",
    "outlier_slope",
    "outlier_fluctuation",
    "spectral_outlier_fluctuation",
    "SignalEstimate",
    "estimate_signal",
    "bulk_parameters_from_moments",
]


def _check_law(delta, gamma, kappa):
    return (check_positive(delta, "delta"), check_positive(gamma, "gamma"),
            check_positive(kappa, "kappa"))


def bulk_psi(z, delta: float, gamma: float, kappa: float = 1.0):
    r"""Moment-generating function :math:`\psi(z) = \int x\,d\mu(x)/(z - x)` of the bulk above its edge.

    The root in :math:`(0, \psi_*]` of :math:`z\psi/\kappa = (1 + \psi)(1 + \delta\psi)
    (1 + \gamma\psi)`: on :math:`(0, \psi_*)` the right side over ψ decreases from ∞ to the
    edge :math:`\lambda_+/\kappa`, so the root is unique (Brent's method).

    Parameters
    ----------
    z : float or array_like
        Points at or above the upper edge :math:`\lambda_+` (units of S).
    delta, gamma, kappa : float
        Parameters of the law.

    Returns
    -------
    float or numpy.ndarray
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    zz = check_array(z, "z")
    edge = soft_edge(delta, gamma, kappa)
    if np.any(zz < edge * (1.0 - 1e-12)):
        raise ValueError(f"z must lie at or above the upper bulk edge {edge:.6g}, "
                         f"got min {zz.min():.6g}")
    star = edge_critical_point(delta, gamma)
    out = np.empty(zz.size)
    for i, zi in enumerate(zz.ravel()):
        y = zi / kappa
        if zi <= edge:
            out[i] = star
            continue
        fun = lambda p: (1.0 + p) * (1.0 + delta * p) * (1.0 + gamma * p) - y * p  # noqa: E731
        # fun(0) = 1 > 0 and fun(ψ*) < 0 above the edge; ψ ≈ 1/y for large y.
        root, info = brentq(fun, 0.0, star, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                            full_output=True, disp=False)
        if not info.converged:
            raise RuntimeError(f"bulk_psi: Brent's method did not converge at z = {zi} "
                               f"(residual {fun(root):.2e})")
        out[i] = root
    return float(out[0]) if np.ndim(z) == 0 else out.reshape(zz.shape)


def bulk_stieltjes(z, delta: float, gamma: float, kappa: float = 1.0):
    r"""Stieltjes transform :math:`G(z) = \int d\mu(x)/(z - x) = (1 + \psi(z))/z` above the edge.

    The atom at zero is included. See :func:`bulk_psi`.
    """
    zz = check_array(z, "z")
    out = (1.0 + np.asarray(bulk_psi(zz, delta, gamma, kappa))) / zz
    return float(out) if np.ndim(z) == 0 else out


def invert_top_eigenvalue(top_eigenvalue, delta: float, gamma: float, kappa: float = 1.0):
    r"""The ρ whose limiting outlier is ``top_eigenvalue``: :math:`\hat\rho = \delta + 1/\psi(\hat\lambda)`.

    The inverse of :func:`attnrmt_lib.top_eigenvalue` on :math:`\rho > \rho_2`. A value at or
    below the edge :math:`\lambda_+` is the limit of every :math:`\rho \le \rho_2`; it is
    mapped to :math:`\rho_2`, the largest of them (so the estimator is censored at ρ₂).

    Parameters
    ----------
    top_eigenvalue : float or array_like
        Largest eigenvalue(s) of S (units of S).
    delta, gamma, kappa : float
        Parameters of the bulk (κ in the units of S).

    Examples
    --------
    >>> round(invert_top_eigenvalue(5.04, 0.5, 0.5), 10)
    3.0
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    lam = check_array(top_eigenvalue, "top_eigenvalue")
    edge = soft_edge(delta, gamma, kappa)
    out = delta + 1.0 / np.asarray(bulk_psi(np.maximum(lam, edge), delta, gamma, kappa))
    return float(out) if np.ndim(top_eigenvalue) == 0 else out


def outlier_slope(rho, delta: float, gamma: float):
    r"""Derivative :math:`d\lambda_{out}/d\rho` (units of κ) above ρ₂.

    :math:`\lambda_{out} = (x + 1)(x + \delta)(x + \gamma)/x^2` with x = ρ − δ, so
    :math:`\lambda_{out}' = \lambda_{out}\big(\frac1{x + 1} + \frac1{x + \delta}
    + \frac1{x + \gamma} - \frac2x\big)`, which vanishes at ρ₂.
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    r = check_array(rho, "rho")
    _, rho2 = thresholds(delta, gamma)
    if np.any(r < rho2):
        raise ValueError(f"rho must be >= rho_2 = {rho2:.6g}, got min {r.min():.6g}")
    x = r - delta
    lam = (x + 1.0) * (x + delta) * (x + gamma) / x**2
    out = lam * (1.0 / (x + 1.0) + 1.0 / (x + delta) + 1.0 / (x + gamma) - 2.0 / x)
    return float(out) if np.ndim(rho) == 0 else out


@functools.lru_cache(maxsize=32)
def _quadrature(delta: float, gamma: float, nodes: int):
    t, w = bulk_quadrature(delta, gamma, 1.0, nodes=nodes)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w, bulk_atom(delta, gamma)


def bulk_trace(z: float, k: int, j: int, delta: float, gamma: float) -> float:
    r"""The resolvent moment :math:`\tau_{k,j}(z) = \int t^j(z - t)^{-k}\,d\mu(t)` of the bulk law (κ = 1).

    :math:`\mu = \mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma` with its atom at zero, z above
    the upper edge; by quadrature of the density (:func:`attnrmt_lib.bulk_quadrature`,
    400 nodes on each half of the support). :math:`\tau_{1,0} = G(z)` and
    :math:`\tau_{1,1} = zG(z) - 1 = \psi(z)`.
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    k = check_int(k, "k", 0)
    j = check_int(j, "j", 0)
    z = float(check_array(z, "z"))
    edge = soft_edge(delta, gamma)
    if z <= edge:
        raise ValueError(f"z must lie above the upper bulk edge {edge:.6g}, got {z:.6g}")
    return _bulk_traces(z, delta, gamma)(k, j)


def _bulk_traces(z: float, delta: float, gamma: float, nodes: int = 400):
    """τ_{k,j} = ∫ t^j (z - t)^{-k} dμ(t) over the bulk law (κ = 1, atom included)."""
    t, w, atom = _quadrature(float(delta), float(gamma), int(nodes))

    def tau(k, j):
        value = float(np.sum(w * t**j / (z - t) ** k))
        return value + (atom / z**k if j == 0 else 0.0)

    return tau


def outlier_fluctuation(rho, delta: float, gamma: float, *, excess_kurtosis: float = 0.0):
    r"""Limit :math:`\sigma_\lambda` of :math:`\sqrt d\,\operatorname{sd}(\hat\lambda/\kappa)` for ρ > ρ₂.

    The Gaussian fluctuation of the outlier derived in the module docstring (determinant
    lemma, four quadratic forms, implicit function theorem).

    Parameters
    ----------
    rho : float or array_like
        Signal strengths ρ > ρ₂.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    excess_kurtosis : float, default 0.0
        :math:`k_4 = \mathbb E b^4/\alpha^2 - 3` of the pooled signs
        :math:`b = \sum_tw_t\xi_t`, in [-2, ∞) (0: Gaussian signs; −2/T: i.i.d. ±1 signs
        with mean pooling).

    Returns
    -------
    float or numpy.ndarray
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    k4 = check_array(excess_kurtosis, "excess_kurtosis")
    if k4.ndim != 0 or k4 < -2.0:
        raise ValueError(f"excess_kurtosis must be a number >= -2, got {excess_kurtosis!r}")
    k4 = float(k4)
    r = check_array(rho, "rho")
    _, rho2 = thresholds(delta, gamma)
    if np.any(r <= rho2):
        raise ValueError(f"rho must be > rho_2 = {rho2:.6g} (no outlier below it), "
                         f"got min {r.min():.6g}")
    out = np.empty(r.size)
    for i, ri in enumerate(r.ravel()):
        lam = float(top_eigenvalue(ri, delta, gamma))
        out[i] = _sigma_from_traces(_bulk_traces(lam, delta, gamma), ri, gamma, k4)
    return float(out[0]) if np.ndim(rho) == 0 else out.reshape(r.shape)


def _sigma_from_traces(tau, rho: float, gamma: float, k4: float) -> float:
    """σ_λ of the module docstring from the traces τ_{k,j} at the outlier (units κ = α = 1)."""
    A, c = tau(1, 0), gamma * tau(1, 1)
    t20, t21, t22 = tau(2, 0), tau(2, 1), tau(2, 2)
    var_a = 2.0 * (t20 - A * A)
    var_b = gamma * t21
    var_bc = gamma * (2.0 * (1.0 + 2.0 * c) + 2.0 * gamma * t22 + k4 * (1.0 + c) ** 2)
    slope = rho * (t20 * (1.0 + c) + gamma * A * t21)
    var_f = 4.0 * rho * var_b + rho**2 * ((1.0 + c) ** 2 * var_a + A * A * var_bc)
    return float(np.sqrt(var_f) / slope)


def spectral_outlier_fluctuation(bulk_eigenvalues, top_eigenvalue: float, rho: float,
                                 gamma: float, *, excess_kurtosis: float = 0.0) -> float:
    r"""σ_λ of :func:`outlier_fluctuation` for any table, from the observed bulk spectrum.

    The same formula with the traces :math:`\tau_{k,j}` taken over the empirical spectrum,
    :math:`\frac1d\sum_i\lambda_i^j/(\hat\lambda - \lambda_i)^k` (the bulk eigenvalues of
    :math:`S/\kappa`, outlier excluded, zeros included), at the observed outlier
    :math:`\hat\lambda/\kappa`: a data-driven error bar that does not assume a Gaussian
    table (the bulk law is then :math:`H\boxtimes\mathrm{MP}_\gamma`, H the table's
    spectrum; chapter A2).

    Parameters
    ----------
    bulk_eigenvalues : array_like
        Eigenvalues of S/κ without the outlier.
    top_eigenvalue : float
        The outlier of S/κ, above every bulk eigenvalue.
    rho : float
        ρ (e.g. the estimate) > 0.
    gamma : float
        d/N > 0.
    excess_kurtosis : float, default 0.0
    """
    lam = check_array(bulk_eigenvalues, "bulk_eigenvalues").ravel()
    z = float(check_array(top_eigenvalue, "top_eigenvalue"))
    if lam.size < 2 or z <= lam.max():
        raise ValueError("top_eigenvalue must lie above every bulk eigenvalue "
                         f"(max {lam.max():.6g}), got {z:.6g}")
    rho = check_positive(rho, "rho")
    gamma = check_positive(gamma, "gamma")
    k4 = float(check_array(excess_kurtosis, "excess_kurtosis"))
    if k4 < -2.0:
        raise ValueError(f"excess_kurtosis must be >= -2, got {k4}")

    def tau(k, j):
        return float(np.mean(lam**j / (z - lam) ** k))

    return _sigma_from_traces(tau, rho, gamma, k4)


@dataclass(frozen=True)
class SignalEstimate:
    r"""Outcome of :func:`estimate_signal`.

    Attributes
    ----------
    detected : bool
        Whether the top eigenvalue lies above the bulk edge λ₊ (otherwise ρ is censored at
        ρ₂ and the standard errors are ``inf``).
    rho, rho_se : float
        :math:`\hat\rho = \delta + 1/\psi(\hat\lambda)` and its finite-size standard error.
    alignment, alignment_se : float
        Predicted :math:`|\hat u^\top u|^2` at :math:`\hat\rho`, and its standard error
        (delta method through ρ̂).
    mu_norm2, mu_norm2_se : float or None
        :math:`\hat\rho\kappa/\alpha` and its standard error, when α is given.
    """

    detected: bool
    rho: float
    rho_se: float
    alignment: float
    alignment_se: float
    mu_norm2: float | None = None
    mu_norm2_se: float | None = None


def estimate_signal(top_eigenvalue: float, *, d: int, delta: float, gamma: float,
                    kappa: float = 1.0, alpha: float | None = None,
                    excess_kurtosis: float = 0.0) -> SignalEstimate:
    r"""Estimate ρ, the alignment and (given α) ‖μ‖² from the top eigenvalue of S.

    :math:`\hat\rho` from :func:`invert_top_eigenvalue`; its standard error
    :math:`\sigma_\lambda(\hat\rho)/(\sqrt d\,\lambda_{out}'(\hat\rho))` with σ_λ from
    :func:`outlier_fluctuation`; the alignment :func:`attnrmt_lib.overlap` at
    :math:`\hat\rho` with standard error :math:`|\partial_\rho\,\mathrm{overlap}|\,\mathrm{sd}(\hat\rho)`.

    Parameters
    ----------
    top_eigenvalue : float
        Largest eigenvalue of S (units of S).
    d : int
        Dimension.
    delta, gamma : float
        d/V and d/N.
    kappa : float, default 1.0
        κ = ‖w‖² (times the table's variance).
    alpha : float, optional
        α = wᵀRw; if given, also estimate ‖μ‖² = ρκ/α.
    excess_kurtosis : float, default 0.0
        Of the pooled signs, see :func:`outlier_fluctuation`.
    """
    d = check_int(d, "d", 1)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    if alpha is not None:
        alpha = check_positive(alpha, "alpha")
    lam = float(check_array(top_eigenvalue, "top_eigenvalue"))
    rho = invert_top_eigenvalue(lam, delta, gamma, kappa)
    _, rho2 = thresholds(delta, gamma)
    detected = lam > soft_edge(delta, gamma, kappa) and rho > rho2 * (1.0 + 1e-9)
    if detected:
        rho_se = (outlier_fluctuation(rho, delta, gamma, excess_kurtosis=excess_kurtosis)
                  / (np.sqrt(d) * outlier_slope(rho, delta, gamma)))
        h = 1e-6 * rho
        dov = (overlap(rho + h, delta, gamma) - overlap(rho - h, delta, gamma)) / (2 * h)
        al_se = abs(dov) * rho_se
    else:
        rho_se = al_se = float("inf")
    al = float(overlap(rho, delta, gamma))
    if alpha is None:
        return SignalEstimate(bool(detected), float(rho), float(rho_se), al, float(al_se))
    return SignalEstimate(bool(detected), float(rho), float(rho_se), al, float(al_se),
                          float(rho * kappa / alpha), float(rho_se * kappa / alpha))


def bulk_parameters_from_moments(eigenvalues, *, gamma: float | None = None,
                                 exclude_top: int = 1) -> dict:
    r"""Estimate κ, δ and γ from the first moments of the spectrum of S.

    With :math:`m_k = \frac1n\sum_i\lambda_i^k` over the eigenvalues without the
    ``exclude_top`` largest (the outlier; n = d − exclude_top):
    :math:`\hat\kappa = m_1`, :math:`\widehat{\delta + \gamma} = m_2/m_1^2 - 1`. If γ = d/N
    is given (the number of sequences is always known), :math:`\hat\delta =
    \widehat{\delta + \gamma} - \gamma`. Otherwise the third moment gives
    :math:`\widehat{\delta\gamma} = m_3/m_1^3 - \widehat{\delta+\gamma} - (1 + \widehat{\delta+\gamma})^2`,
    and δ, γ are the roots of :math:`x^2 - \widehat{\delta+\gamma}\,x + \widehat{\delta\gamma}`,
    returned as ``ratio_large``, ``ratio_small``: the bulk law is symmetric in δ and γ, so its
    moments cannot tell which is which.

    Parameters
    ----------
    eigenvalues : array_like
        All eigenvalues of S (any order).
    gamma : float, optional
        Known γ = d/N.
    exclude_top : int, default 1
        Number of largest eigenvalues left out (outliers), >= 0.

    Returns
    -------
    dict
        ``kappa``, ``delta_plus_gamma`` and either ``delta`` (γ given) or
        ``ratio_large``, ``ratio_small`` (``nan`` if the quadratic has no real roots,
        which happens when the sampling error of m₃ exceeds the gap between δ and γ).
    """
    lam = np.sort(check_array(eigenvalues, "eigenvalues").ravel())
    exclude_top = check_int(exclude_top, "exclude_top", 0)
    if lam.size - exclude_top < 3:
        raise ValueError(f"eigenvalues must hold at least exclude_top + 3 = {exclude_top + 3} "
                         f"values, got {lam.size}")
    bulk = lam[:lam.size - exclude_top]
    m1, m2, m3 = (float(np.mean(bulk**k)) for k in (1, 2, 3))
    if m1 <= 0:
        raise ValueError("eigenvalues must have a positive mean")
    s = m2 / m1**2 - 1.0
    out = {"kappa": m1, "delta_plus_gamma": s}
    if gamma is not None:
        gamma = check_nonnegative(gamma, "gamma")
        out["delta"] = s - gamma
        return out
    p = m3 / m1**3 - s - (1.0 + s) ** 2
    disc = s * s - 4.0 * p
    root = np.sqrt(disc) if disc >= 0 else float("nan")
    out["ratio_large"] = 0.5 * (s + root)
    out["ratio_small"] = 0.5 * (s - root)
    return out
