r"""Edges and thresholds as critical points of explicit inverse functions.

Two curves of the book are inverses of Stieltjes-type functions, and the places where they
turn are the edges and thresholds of the spectrum.

* The bulk κ(MP_δ ⊠ MP_γ): outside the support the moment function
  :math:`\eta(\lambda) = \int x/(\lambda - x)\,d\nu(x)` is inverted by

  .. math:: \lambda(\eta) = \kappa\,\frac{(1 + \eta)(1 + \delta\eta)(1 + \gamma\eta)}{\eta},

  and the edges are its values at the real roots of
  :math:`2\delta\gamma\eta^3 + (\delta + \gamma + \delta\gamma)\eta^2 - 1 = 0`
  (Voiculescu 1987; Nica & Speicher 2006; chapter "The bulk law").
* The spike: with :math:`x = \rho - \delta` the population outlier
  :math:`\beta(x) = \kappa(x + 1 + \delta + \delta/x)` is smallest at :math:`x = \sqrt\delta`
  (the first threshold), and its image under the Bai–Yao map,
  :math:`\Lambda(x) = \kappa(x + \delta)(x + 1)(x + \gamma)/x^2`, is smallest at the largest
  root :math:`x_*` of :math:`x^3 - (\delta + \gamma + \gamma\delta)x - 2\gamma\delta`
  (the second threshold; Bai & Yao 2012; chapter "Two phase transitions").

The functions return both branches of each curve, the spurious ones included, so that a
figure can show why only one branch is an edge or an outlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_positive
from .spikes import threshold_root

__all__ = ["BulkCriticalPoints", "bulk_inverse", "bulk_critical_points", "outlier_curves"]


def bulk_inverse(eta, delta: float, gamma: float, kappa: float = 1.0):
    r"""The inverse :math:`\lambda(\eta) = \kappa(1+\eta)(1+\delta\eta)(1+\gamma\eta)/\eta`.

    Outside the support of κ(MP_δ ⊠ MP_γ) the moment function η(λ) is real and this is its
    inverse; the cubic of the bulk law reads η λ/κ = (1 + η)(1 + δη)(1 + γη).

    Parameters
    ----------
    eta : float or array_like
        Real points, not 0.
    delta, gamma, kappa : float
        Ratios d/V, d/N and the scale κ = ‖w‖² (all > 0).

    Returns
    -------
    float or ndarray
        λ(η), of the shape of ``eta``.

    Examples
    --------
    >>> round(float(bulk_inverse(0.5, 1.0, 1.0)), 6)   # the Fuss–Catalan edge 27/4
    6.75
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    e = check_array(eta, "eta")
    if np.any(e == 0.0):
        raise ValueError("eta must be non-zero (lambda(eta) has a pole at 0)")
    lam = kappa * (1.0 + e) * (1.0 + delta * e) * (1.0 + gamma * e) / e
    return float(lam) if lam.ndim == 0 else lam


@dataclass(frozen=True)
class BulkCriticalPoints:
    r"""The real critical points of λ(η) and the roles they play.

    Attributes
    ----------
    upper : float
        The positive root; λ(upper) is the upper edge of the bulk.
    lower : float
        The root in :math:`(-q_2, -q_1)`, where :math:`q_1 \le q_2 \le q_3` order
        :math:`1, 1/\delta, 1/\gamma`; λ(lower) is the lower edge. NaN when that interval is
        empty (the bulk reaches zero).
    other : tuple of float
        The remaining real roots: not edges (λ < 0 there, or a factor of the cubic vanishes).
    poles : tuple of float
        :math:`-q_1, -q_2, -q_3`, the zeros of the three factors of λ(η).
    """

    upper: float
    lower: float
    other: tuple
    poles: tuple


def bulk_critical_points(delta: float, gamma: float) -> BulkCriticalPoints:
    r"""Critical points of λ(η): the roots of :math:`2\delta\gamma\eta^3 + (\delta + \gamma
    + \delta\gamma)\eta^2 - 1`, classified as upper edge, lower edge and the rest.

    Parameters
    ----------
    delta, gamma : float
        Ratios d/V and d/N (> 0).

    Returns
    -------
    BulkCriticalPoints

    Raises
    ------
    RuntimeError
        If a root polished by Newton's method does not reach rounding accuracy.

    Examples
    --------
    >>> cp = bulk_critical_points(0.5, 0.5)
    >>> round(cp.upper, 6), round(float(bulk_inverse(cp.upper, 0.5, 0.5)), 5)
    (0.780776, 4.40915)
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    a = 2.0 * delta * gamma
    b = delta + gamma + delta * gamma

    def g(e):
        return (a * e + b) * e * e - 1.0

    roots = np.roots([a, b, 0.0, -1.0])
    roots = np.sort(roots[np.abs(roots.imag) <= 1e-9 * np.abs(roots)].real)
    polished = []
    for e in roots:
        for _ in range(4):  # Newton polish of the companion-matrix roots
            slope = (3.0 * a * e + 2.0 * b) * e
            if slope == 0.0:
                break
            e -= g(e) / slope
        if not abs(g(e)) <= 1e-10:
            raise RuntimeError(f"bulk_critical_points: a root did not converge "
                               f"(residual {g(e):.3g}) at delta={delta}, gamma={gamma}")
        polished.append(float(e))
    q1, q2, q3 = sorted((1.0, 1.0 / delta, 1.0 / gamma))
    upper = max(polished)
    lower = [e for e in polished if -q2 * (1.0 - 1e-9) < e < -q1 * (1.0 + 1e-9)]
    lower = lower[0] if lower else float("nan")
    other = tuple(e for e in polished if e != upper and e != lower)
    return BulkCriticalPoints(upper, lower, other, (-q1, -q2, -q3))


def outlier_curves(x, delta: float, gamma: float, kappa: float = 1.0):
    r"""The population outlier β(x) and the sample outlier Λ(x) = ψ(β(x)), both branches.

    .. math::

        \beta(x) = \kappa\Big(x + 1 + \delta + \frac{\delta}{x}\Big), \qquad
        \Lambda(x) = \kappa\,\frac{(x + \delta)(x + 1)(x + \gamma)}{x^2},
        \qquad x = \rho - \delta > 0 .

    β is the population outlier only for :math:`x > \sqrt\delta` (its minimum, the
    population edge :math:`\kappa(1+\sqrt\delta)^2`), Λ the sample outlier only for
    :math:`x > x_*` (its minimum, the upper edge of the bulk). The returned curves include
    the spurious branches; :func:`attnrmt_lib.population_outlier` and
    :func:`attnrmt_lib.top_eigenvalue` return the physical values only.

    Parameters
    ----------
    x : float or array_like
        Points x > 0.
    delta, gamma, kappa : float
        Ratios d/V, d/N and the scale κ (> 0).

    Returns
    -------
    beta, lam : float or ndarray
        β(x) and Λ(x), of the shape of ``x``.
    x_min_beta, x_min_lam : float
        The minimisers √δ and :math:`x_*`.

    Examples
    --------
    >>> beta, lam, xb, xl = outlier_curves(2.5, 0.5, 0.5)
    >>> round(float(beta), 4), round(float(lam), 4)
    (4.2, 5.04)
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    xs = check_array(x, "x")
    if np.any(xs <= 0.0):
        raise ValueError("x = rho - delta must be > 0")
    beta = kappa * (xs + 1.0 + delta + delta / xs)
    lam = kappa * (xs + delta) * (xs + 1.0) * (xs + gamma) / xs**2
    if beta.ndim == 0:
        beta, lam = float(beta), float(lam)
    return beta, lam, float(np.sqrt(delta)), float(threshold_root(delta, gamma))
