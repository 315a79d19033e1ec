r"""The two phase transitions: population and sample outliers and eigenvector alignment.

With effective signal-to-noise ratio :math:`\rho = \alpha\|\mu\|^2/\kappa` the population
covariance of a pooled vector is :math:`\kappa(\Sigma_Z + \rho\,uu^\top)`, a rank-one spike on
:math:`\kappa\,\mathrm{MP}_\delta`. Writing :math:`x = \rho - \delta`:

* population outlier (Baik, Ben Arous & Péché 2005; Benaych-Georges & Nadakuditi 2011)
  iff :math:`\rho > \rho_1 = \delta + \sqrt\delta`, at :math:`\beta = \kappa\rho(1 + 1/x)`,
  with alignment :math:`1 - \delta/x^2`;
* sample outlier iff :math:`\rho > \rho_2 = \delta + x_*`, :math:`x_*` the largest root of
  :math:`p(x) = x^3 - (\delta + \gamma + \gamma\delta)x - 2\gamma\delta`, at
  :math:`\lambda_{out} = \kappa\rho(x + 1)(x + \gamma)/x^2` (the Bai–Yao map of β), with
  squared alignment :math:`p(x)/(x^2(x + \gamma))`.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive, check_rho, check_weights
from .bulk import bulk_edges

__all__ = [
    "thresholds",
    "population_outlier",
    "population_overlap",
    "top_eigenvalue",
    "overlap",
    "mean_token_snr",
    "threshold_root",
]


def threshold_root(delta, gamma):
    r"""The largest root :math:`x_*` of :math:`p(x) = x^3 - (\delta+\gamma+\gamma\delta)x - 2\gamma\delta`.

    The sample threshold is :math:`\rho_2 = \delta + x_*` (:func:`thresholds`). p has three
    real roots (its discriminant is >= 0 by AM-GM), so the trigonometric form of Cardano,

    .. math::

        x_* = 2\sqrt{s/3}\,\cos\Bigl(\tfrac13\arccos\frac{\gamma\delta}{(s/3)^{3/2}}\Bigr),
        \qquad s = \delta + \gamma + \gamma\delta,

    gives it without cancellation. Vectorised (broadcast) over ``delta`` and ``gamma``; no
    validation (callers check δ, γ > 0).

    Examples
    --------
    >>> round(float(threshold_root(0.5, 0.5)), 5)
    1.28078
    """
    s = delta + gamma + gamma * delta
    r = np.sqrt(s / 3.0)
    arg = np.clip(gamma * delta / r**3, -1.0, 1.0)
    return 2.0 * r * np.cos(np.arccos(arg) / 3.0)


def thresholds(delta: float, gamma: float) -> tuple[float, float]:
    r"""The population and sample thresholds ``(rho1, rho2)``.

    :math:`\rho_1 = \delta + \sqrt\delta` (BBP for a spike on :math:`\mathrm{MP}_\delta`) and
    :math:`\rho_2 = \delta + x_*` with :math:`x_*` the largest root of
    :math:`x^3 - (\delta + \gamma + \gamma\delta)x - 2\gamma\delta`. Always
    :math:`\rho_2 > \rho_1`; :math:`\rho_2 \to \rho_1` as γ → 0 and :math:`\rho_2 \to \sqrt\gamma`
    as δ → 0 (the classical BBP threshold).

    Examples
    --------
    >>> [round(r, 5) for r in thresholds(0.5, 0.5)]
    [1.20711, 1.78078]
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    return float(delta + np.sqrt(delta)), float(delta + threshold_root(delta, gamma))


def _scalar_or_array(values, like):
    return float(values) if np.ndim(like) == 0 else values


def population_outlier(rho, delta: float, kappa: float = 1.0):
    r"""Top eigenvalue of the population covariance :math:`\kappa(\Sigma_Z + \rho uu^\top)`.

    :math:`\beta = \kappa\rho(1 + 1/(\rho - \delta))` for :math:`\rho > \rho_1`, else the
    upper edge :math:`\kappa(1 + \sqrt\delta)^2` of :math:`\kappa\,\mathrm{MP}_\delta`.
    Vectorised over ``rho``.
    """
    delta = check_positive(delta, "delta")
    kappa = check_positive(kappa, "kappa")
    r = check_rho(rho)
    rho1 = delta + np.sqrt(delta)
    x = np.where(r > rho1, r - delta, 1.0)
    beta = np.where(r > rho1, kappa * r * (1.0 + 1.0 / x), kappa * (1.0 + np.sqrt(delta)) ** 2)
    return _scalar_or_array(beta, rho)


def population_overlap(rho, delta: float):
    r"""Squared alignment of the population top eigenvector with u: :math:`1 - \delta/x^2`.

    Zero for :math:`\rho \le \rho_1`. Vectorised over ``rho``.
    """
    delta = check_positive(delta, "delta")
    r = check_rho(rho)
    rho1 = delta + np.sqrt(delta)
    x = np.where(r > rho1, r - delta, 1.0)
    out = np.where(r > rho1, 1.0 - delta / x**2, 0.0)
    return _scalar_or_array(out, rho)


def top_eigenvalue(rho, delta: float, gamma: float, kappa: float = 1.0):
    r"""Limit of the largest eigenvalue of the pooled sample covariance S.

    :math:`\lambda_{out} = \kappa\rho(x + 1)(x + \gamma)/x^2`, :math:`x = \rho - \delta`,
    above :math:`\rho_2`; the upper bulk edge of κ(MP_δ ⊠ MP_γ) at and below it (the two
    agree at :math:`\rho_2`). Vectorised over ``rho``.

    Examples
    --------
    >>> round(top_eigenvalue(3.0, 0.5, 0.5), 10)
    5.04
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    r = check_rho(rho)
    _, rho2 = thresholds(delta, gamma)
    edge = bulk_edges(delta, gamma, kappa)[1]
    x = np.where(r > rho2, r - delta, 1.0)
    out = np.where(r > rho2, kappa * r * (x + 1.0) * (x + gamma) / x**2, edge)
    return _scalar_or_array(out, rho)


def overlap(rho, delta: float, gamma: float):
    r"""Limit of the squared alignment :math:`|\hat u^\top u|^2` of the top eigenvector of S.

    :math:`p(x)/(x^2(x + \gamma))` with :math:`p(x) = x^3 - (\delta + \gamma + \gamma\delta)x -
    2\gamma\delta` above :math:`\rho_2` (where :math:`p(x_*) = 0`, so it is continuous), zero
    below. It factors as (population alignment) × :math:`\beta\psi'(\beta)/\psi(\beta)`, ψ
    the Bai–Yao map (Bai & Yao 2012). As δ → 0 it tends to Paul's (2007)
    :math:`(1 - \gamma/\rho^2)/(1 + \gamma/\rho)`. Vectorised over ``rho``.

    Examples
    --------
    >>> round(overlap(3.0, 0.5, 0.5), 10)
    0.64
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    r = check_rho(rho)
    _, rho2 = thresholds(delta, gamma)
    x = np.where(r > rho2, r - delta, 1.0)
    p = x**3 - (delta + gamma + gamma * delta) * x - 2.0 * gamma * delta
    out = np.where(r > rho2, np.maximum(p, 0.0) / (x**2 * (x + gamma)), 0.0)
    return _scalar_or_array(out, rho)


def mean_token_snr(weights, delta: float) -> float:
    r"""Effective ρ of the spurious spike of an *uncentered* vocabulary table.

    Without centering, the pooled vectors share the mean :math:`(\sum_t w_t)\bar z`, with
    :math:`\|\bar z\|^2 \to \delta` and :math:`\bar z` independent of the centered table, so
    :math:`\mathbb E[cc^\top] = \kappa\Sigma_Z + (\sum_t w_t)^2\bar z\bar z^\top`: a rank-one
    spike of ratio :math:`\rho_{spur} = (\sum_t w_t)^2\delta/\kappa` (= Tδ for mean pooling).
    Feed it to :func:`top_eigenvalue` to locate the outlier it creates.
    """
    delta = check_positive(delta, "delta")
    w = check_weights(weights)
    return float(w.sum()) ** 2 * delta / float(w @ w)
