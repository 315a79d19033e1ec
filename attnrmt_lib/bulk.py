r"""The bulk law κ(MP_δ ⊠ MP_γ) of the pooled sample covariance.

The noise part of the pooled representation has population covariance
:math:`\kappa\,\Sigma_Z` with :math:`\Sigma_Z = Z^\top Z/V \to \mathrm{MP}_\delta`, and it is
sampled :math:`N = d/\gamma` times, so the bulk of :math:`S` is the free multiplicative
convolution :math:`\kappa(\mathrm{MP}_\delta \boxtimes \mathrm{MP}_\gamma)` (Voiculescu 1987;
Nica & Speicher 2006). S-transforms multiply, :math:`S_{\mathrm{MP}_c}(z) = 1/(1 + cz)`, and
the moment-generating function :math:`\psi(\lambda) = \int x/(\lambda - x)\,d\mu(x)` solves

.. math::

    \frac{\psi\lambda}{\kappa} = (1 + \psi)(1 + \delta\psi)(1 + \gamma\psi),

a cubic in :math:`\psi`. The density is :math:`|\operatorname{Im}\psi(\lambda + i0)|/(\pi\lambda)`
and the Stieltjes transform is :math:`G(\lambda) = (1 + \psi)/\lambda`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ._validation import check_array, check_int, check_nonnegative_array, check_positive

__all__ = ["bulk_density", "bulk_edges", "bulk_atom", "bulk_cdf", "bulk_quadrature",
           "upper_edge_bound", "upper_edge_first_order"]

_SQRT3_2 = np.sqrt(3.0) / 2.0


def _check_law(delta, gamma, kappa):
    return (
        check_positive(delta, "delta"),
        check_positive(gamma, "gamma"),
        check_positive(kappa, "kappa"),
    )


def _im_psi(y: np.ndarray, delta: float, gamma: float) -> np.ndarray:
    """|Im ψ| at real points ``y = λ/κ`` (zero where all three roots are real)."""
    # ψ solves a ψ³ + b ψ² + (c0 - y) ψ + 1 = 0; in the depressed variable t = ψ + b/(3a)
    # the monic cubic is t³ + p t + q. At y = 0 its roots are -1, -1/δ, -1/γ, so the
    # y-independent parts p0, q0 are written through the centred roots t_i: this keeps
    # them accurate where they nearly vanish (δ, γ near 1, hard edges, tiny y).
    a = delta * gamma
    b = delta + gamma + delta * gamma
    id_, ig = 1.0 / delta, 1.0 / gamma
    t1 = ((id_ - 1.0) + (ig - 1.0)) / 3.0
    t2 = ((1.0 - id_) + (ig - id_)) / 3.0
    t3 = ((1.0 - ig) + (id_ - ig)) / 3.0
    p0 = -(t1 * t1 + t2 * t2 + t3 * t3) / 2.0
    q0 = -t1 * t2 * t3
    beta = b / (3.0 * a * a)
    p = p0 - y / a
    q = q0 + y * beta
    # disc = (q/2)² + (p/3)³ expanded in y, its constant term from the root differences
    # (-Δ/108): exact zero where two roots coincide (δ = 1, γ = 1 or δ = γ).
    disc0 = -(((id_ - 1.0) * (ig - 1.0) * (ig - id_)) ** 2) / 108.0
    d1 = q0 * beta / 2.0 - p0 * p0 / (9.0 * a)
    d2 = beta * beta / 4.0 + p0 / (9.0 * a * a)
    d3 = -1.0 / (27.0 * a**3)
    disc = disc0 + y * (d1 + y * (d2 + y * d3))
    cplx = disc > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Cardano for the complex pair, on all points at once (masked at the end, which is
        # cheaper than indexing): take the cube root of the larger-magnitude term and get
        # the other from uv = -p/3, avoiding the cancellation in -q/2 - sqrt(disc).
        s = -0.5 * q
        u = np.cbrt(s + np.copysign(np.sqrt(np.maximum(disc, 0.0)), s))
        v = -p / (3.0 * u)
        psi = (-0.5 * (u + v) - b / (3.0 * a)) + 1j * (_SQRT3_2 * np.abs(u - v))
        # Cardano loses digits where the discriminant nearly cancels or the shift b/(3a)
        # is large (small δγ). One Newton step on the factored cubic
        # f(ψ) = (1 + ψ)(1 + δψ)(1 + γψ) - yψ, whose terms do not cancel, squares the
        # error. It is kept only where it lowers the residual: near a double root (a hard
        # edge at tiny λ) the slope vanishes and Newton would overshoot.
        f1, f2, f3 = 1.0 + psi, 1.0 + delta * psi, 1.0 + gamma * psi
        resid = f1 * f2 * f3 - y * psi
        step = psi - resid / (f2 * f3 + delta * f1 * f3 + gamma * f1 * f2 - y)
        new_resid = (1.0 + step) * (1.0 + delta * step) * (1.0 + gamma * step) - y * step
        better = np.abs(new_resid) < np.abs(resid)
        im = np.where(better, step.imag, psi.imag)
    return np.where(cplx & np.isfinite(im), np.abs(im), 0.0)


def bulk_density(x, delta: float, gamma: float, kappa: float = 1.0) -> np.ndarray:
    r"""Density of the bulk law κ(MP_δ ⊠ MP_γ) at the points ``x``.

    Solves the cubic :math:`\psi\lambda/\kappa = (1 + \psi)(1 + \delta\psi)(1 + \gamma\psi)`
    in closed form (real-arithmetic Cardano, polished by Newton steps), vectorised over
    ``x``, and returns :math:`f(\lambda) = |\operatorname{Im}\psi|/(\pi\lambda)`.

    Parameters
    ----------
    x : array_like
        Evaluation points (any shape).
    delta : float
        Vocabulary ratio δ = d/V > 0.
    gamma : float
        Sample ratio γ = d/N > 0.
    kappa : float, default 1.0
        Scale κ = ‖w‖² of the pooling weights.

    Returns
    -------
    numpy.ndarray
        Density of the continuous part, same shape as ``x``; zero outside the support
        and at ``x <= 0``. The atom at zero (:func:`bulk_atom`) is not included.

    References
    ----------
    Voiculescu (1987); Nica & Speicher (2006), S-transforms of free multiplicative
    convolution; Seddik (2026), the source paper.
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    x = check_array(x, "x")
    y = np.atleast_1d(x / kappa).astype(float)
    out = np.zeros_like(y)
    pos = y > 0
    out[pos] = _im_psi(y[pos], delta, gamma) / (np.pi * y[pos] * kappa)
    return out.reshape(np.shape(x))


def bulk_atom(delta: float, gamma: float) -> float:
    """Mass ``max(0, 1 - 1/delta, 1 - 1/gamma)`` of the atom of the bulk law at zero.

    The table covariance has rank ``V`` and the sample covariance rank ``N``, so at least
    a fraction ``1 - V/d`` and ``1 - N/d`` of the eigenvalues vanish.
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    return max(0.0, 1.0 - 1.0 / delta, 1.0 - 1.0 / gamma)


def _lambda_of_psi(psi: float, delta: float, gamma: float) -> float:
    return (1.0 + psi) * (1.0 + delta * psi) * (1.0 + gamma * psi) / psi


def bulk_edges(delta: float, gamma: float, kappa: float = 1.0) -> tuple[float, float]:
    r"""Edges ``(lower, upper)`` of the continuous part of κ(MP_δ ⊠ MP_γ).

    The edges are the values :math:`\lambda(\psi) = \kappa(1 + \psi)(1 + \delta\psi)
    (1 + \gamma\psi)/\psi` at the real critical points of :math:`\lambda(\psi)`, the roots of
    :math:`2\delta\gamma\psi^3 + (\delta + \gamma + \delta\gamma)\psi^2 - 1 = 0`. The upper
    edge comes from the positive root. Below the support :math:`\psi < 0` and exactly one
    of the three factors is negative, so the lower edge comes from the root in
    :math:`(-m_2, -m_1)`, where :math:`m_1 \le m_2` are the two smallest of
    :math:`1, 1/\delta, 1/\gamma`. When there is no such root the continuous part reaches
    zero and the lower edge is 0: a hard edge for δ = 1 ≥ γ or γ = 1 ≥ δ, and also for
    δ = γ > 1. (For δ = 1 < γ the atom at zero is separated from a continuous part that
    starts above zero, and symmetrically.)

    Examples
    --------
    >>> lo, hi = bulk_edges(0.5, 0.5)
    >>> round(float(lo), 5), round(float(hi), 5)
    (0.02835, 4.40915)
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    a = 2.0 * delta * gamma
    b = delta + gamma + delta * gamma

    def g(psi):
        return (a * psi + b) * psi * psi - 1.0

    # g is increasing on (0, ∞) with g(0) = -1 and g(1/sqrt(b)) > 0.
    psi_up = brentq(g, 0.0, 1.0 / np.sqrt(b), xtol=1e-15)
    upper = kappa * _lambda_of_psi(psi_up, delta, gamma)

    m1, m2, _ = sorted((1.0, 1.0 / delta, 1.0 / gamma))
    lower = 0.0
    roots = np.roots([a, b, 0.0, -1.0])
    roots = roots[np.abs(roots.imag) <= 1e-9 * np.abs(roots)].real
    # Roots at -1, -1/δ or -1/γ make a factor vanish (λ = 0): they are not edges.
    inside = roots[(roots > -m2 * (1.0 - 1e-9)) & (roots < -m1 * (1.0 + 1e-9))]
    if inside.size:
        psi_lo = inside[0]
        for _ in range(3):  # Newton polish of the companion-matrix root
            psi_lo -= g(psi_lo) / ((3.0 * a * psi_lo + 2.0 * b) * psi_lo)
        # g's terms are O(1) at a root in [-1/m1, -1/m2]: its residual must be at rounding.
        if not abs(g(psi_lo)) <= 1e-10:
            raise RuntimeError(f"bulk_edges: the lower critical point did not converge "
                               f"(residual {g(psi_lo):.3g}) at delta={delta}, gamma={gamma}")
        lower = max(0.0, kappa * _lambda_of_psi(psi_lo, delta, gamma))
    return lower, upper


def upper_edge_bound(delta, gamma: float, kappa: float = 1.0):
    r"""Upper bound on the bulk's upper edge: :math:`\kappa(1 + \sqrt\delta)^2(1 + \sqrt\gamma)^2`.

    The support of a free multiplicative convolution lies below the product of the supports'
    upper ends, here the Marchenko–Pastur edges :math:`(1 + \sqrt\delta)^2` and
    :math:`(1 + \sqrt\gamma)^2` (operator norms are submultiplicative); equality holds only
    in the limit δ → 0 or γ → 0. ``delta`` may be an array (one bound per δ).

    Examples
    --------
    >>> round(float(upper_edge_bound(0.5, 0.5)), 5) >= bulk_edges(0.5, 0.5)[1]
    True
    """
    delta = check_array(delta, "delta")
    if np.any(delta <= 0):
        raise ValueError(f"delta must be > 0, got min {delta.min()}")
    gamma, kappa = check_positive(gamma, "gamma"), check_positive(kappa, "kappa")
    return kappa * (1.0 + np.sqrt(delta)) ** 2 * (1.0 + np.sqrt(gamma)) ** 2


def upper_edge_first_order(delta, gamma: float, kappa: float = 1.0):
    r"""The upper edge to first order in δ: :math:`\kappa(1 + \sqrt\gamma)^2(1 + \delta/\sqrt\gamma)`.

    At δ = 0 the bulk is κ MP_γ, with upper edge :math:`\kappa(1 + \sqrt\gamma)^2`;
    differentiating the critical-point equation of :func:`bulk_edges` at δ = 0 gives the
    slope :math:`\kappa(1 + \sqrt\gamma)^2/\sqrt\gamma`. The remainder is O(δ²).
    ``delta`` may be an array.

    Examples
    --------
    >>> edge = bulk_edges(1e-3, 0.5)[1]
    >>> abs(edge - float(upper_edge_first_order(1e-3, 0.5))) < 1e-5
    True
    """
    delta = check_nonnegative_array(delta, "delta")
    gamma, kappa = check_positive(gamma, "gamma"), check_positive(kappa, "kappa")
    return kappa * (1.0 + np.sqrt(gamma)) ** 2 * (1.0 + delta / np.sqrt(gamma))


def bulk_cdf(x, delta: float, gamma: float, kappa: float = 1.0, *, nodes: int = 128) -> np.ndarray:
    r"""Cumulative distribution function of κ(MP_δ ⊠ MP_γ), atom at zero included.

    Integrates :func:`bulk_density` from the lower edge :math:`\ell` with Gauss–Legendre
    quadrature in θ, where :math:`\lambda = \ell + (x - \ell)\sin^6(\theta/2)`: the
    substitution makes the integrand smooth at square-root edges and at the hard edges
    :math:`\lambda^{-1/2}` (δ = 1 or γ = 1) and :math:`\lambda^{-2/3}` (δ = γ = 1).

    Parameters
    ----------
    x : array_like
        Evaluation points.
    delta, gamma, kappa : float
        Parameters of the law, as in :func:`bulk_density`.
    nodes : int, default 128
        Quadrature nodes per point.

    Returns
    -------
    numpy.ndarray
        :math:`F(x) = \mu((-\infty, x])`, same shape as ``x``.
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    x = check_array(x, "x")
    lower, upper = bulk_edges(delta, gamma, kappa)
    atom = bulk_atom(delta, gamma)
    xs = np.clip(np.atleast_1d(x).astype(float).ravel(), lower, upper)
    t, wq = np.polynomial.legendre.leggauss(nodes)
    half_theta = (t + 1.0) * np.pi / 4.0
    s, c = np.sin(half_theta), np.cos(half_theta)
    span = (xs - lower)[:, None]
    lam = lower + span * (s**6)[None, :]
    integrand = bulk_density(lam, delta, gamma, kappa) * span * (3.0 * s**5 * c)[None, :]
    cont = integrand @ wq * (np.pi / 2.0)
    out = np.where(np.atleast_1d(x).ravel() >= 0, atom, 0.0) + cont
    # The quadrature carries the continuous mass; the clip makes F flat beyond the edges.
    return np.clip(out, 0.0, 1.0).reshape(np.shape(x))


def bulk_quadrature(delta: float, gamma: float, kappa: float = 1.0, *, nodes: int = 400):
    r"""Nodes and weights integrating against the continuous part of κ(MP_δ ⊠ MP_γ).

    :math:`\sum_i w_i\,g(\lambda_i) \approx \int g(\lambda) f(\lambda)\,d\lambda` (the atom at
    zero, :func:`bulk_atom`, is not included). Gauss–Legendre in θ after
    :math:`\lambda = \ell + (m - \ell)\sin^6(\theta/2)` on the lower half
    :math:`[\ell, m]` of the support and the mirror image on the upper half, which makes the
    integrand smooth at square-root edges and at hard edges (:math:`\lambda^{-1/2}`,
    :math:`\lambda^{-2/3}`).

    Parameters
    ----------
    delta, gamma, kappa : float
        Parameters of the law, as in :func:`bulk_density`.
    nodes : int, default 400
        Gauss–Legendre nodes on each half of the support, >= 8.

    Returns
    -------
    points, weights : numpy.ndarray
        Arrays of length ``2 * nodes``; the weights include the density.
    """
    delta, gamma, kappa = _check_law(delta, gamma, kappa)
    nodes = check_int(nodes, "nodes", 8)
    lower, upper = bulk_edges(delta, gamma, kappa)
    t, wq = np.polynomial.legendre.leggauss(nodes)
    half = (t + 1.0) * np.pi / 4.0
    s, c = np.sin(half), np.cos(half)
    jac = 3.0 * s**5 * c * (np.pi / 2.0) * wq
    mid = (lower + upper) / 2.0
    points = np.concatenate([lower + (mid - lower) * s**6, upper - (upper - mid) * s**6])
    weights = np.concatenate([(mid - lower) * jac, (upper - mid) * jac])
    return points, weights * bulk_density(points, delta, gamma, kappa)
