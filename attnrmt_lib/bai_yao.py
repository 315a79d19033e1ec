r"""The Bai–Yao map of a spike on the population law :math:`H = \kappa\,\mathrm{MP}_\delta`.

Conditionally on the vocabulary table, the pooled vectors are N samples of a population
whose covariance is the rank-one spike :math:`\kappa\Sigma_Z + \theta uu^\top`
(:math:`\theta = \kappa\rho`) on the law :math:`H = \kappa\,\mathrm{MP}_\delta`. A population
eigenvalue :math:`\beta` outside the support of H is seen by the sample covariance
(:math:`\gamma = d/N`) at

.. math::

    \psi(\beta) = \beta\Bigl(1 + \gamma\int\frac{t\,dH(t)}{\beta - t}\Bigr)
                = \beta\bigl(1 - \gamma + \gamma\beta G_H(\beta)\bigr),

provided :math:`\psi'(\beta) = 1 - \gamma\int t^2\,dH(t)/(\beta - t)^2 > 0`
(Bai & Yao 2012). This module evaluates ψ and ψ' for :math:`H = \kappa\,\mathrm{MP}_\delta`
*directly from the Stieltjes transform* :math:`G_H`, without the closed forms of
:mod:`attnrmt_lib.spikes`, so the two can be checked against each other.

The Stieltjes transform of :math:`\mathrm{MP}_\delta` (mean 1, ratio δ) solves
:math:`\delta zG^2 - (z - 1 + \delta)G + 1 = 0`; above the upper edge
:math:`(1 + \sqrt\delta)^2` it is the root

.. math::

    G(z) = \frac{z - 1 + \delta - \sqrt{(z - 1 - \delta)^2 - 4\delta}}{2\delta z}.

References
----------
Z. Bai and J. Yao, "On sample eigenvalues in a generalized spiked population model",
J. Multivariate Anal. 106 (2012).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_positive

__all__ = ["mp_stieltjes", "bai_yao_map", "bai_yao_derivative"]


def _check_above_edge(z, delta, name):
    z = check_array(z, name)
    edge = (1.0 + np.sqrt(delta)) ** 2
    if np.any(z <= edge):
        raise ValueError(
            f"{name} must lie above the upper edge of the population law "
            f"(kappa (1 + sqrt(delta))^2 = {edge:.6g} kappa), got min {z.min():.6g} kappa"
        )
    return z


def _g_and_dg(z, delta):
    """G_MP(z) and G_MP'(z) for real z above the upper MP edge (arrays)."""
    disc = np.sqrt((z - 1.0 - delta) ** 2 - 4.0 * delta)
    # Rationalised form of (z - 1 + δ - disc)/(2δz): no cancellation for large z.
    g = 2.0 / (z - 1.0 + delta + disc)
    # Implicit differentiation of δzG² - (z - 1 + δ)G + 1 = 0; the denominator equals -disc.
    dg = (g - delta * g * g) / (2.0 * delta * z * g - (z - 1.0 + delta))
    return g, dg


def _out(values, like):
    return float(values) if np.ndim(like) == 0 else values


def mp_stieltjes(z, delta: float):
    r"""Stieltjes transform :math:`G(z) = \int d\mathrm{MP}_\delta(t)/(z - t)` above the support.

    .. math::

        G(z) = \frac{z - 1 + \delta - \sqrt{(z - 1 - \delta)^2 - 4\delta}}{2\delta z},
        \qquad z > (1 + \sqrt\delta)^2,

    the root of :math:`\delta zG^2 - (z - 1 + \delta)G + 1 = 0` that behaves like 1/z at
    infinity (Marchenko & Pastur 1967). Vectorised over ``z``.

    Parameters
    ----------
    z : array_like
        Real points above :math:`(1 + \sqrt\delta)^2`.
    delta : float
        Ratio δ = d/V > 0.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(mp_stieltjes(4.0, 0.5), 10)  # the root of 2G² - 3.5G + 1 = 0 below 1/2
    0.3596117968
    """
    delta = check_positive(delta, "delta")
    zz = _check_above_edge(z, delta, "z")
    return _out(_g_and_dg(zz, delta)[0], z)


def bai_yao_map(beta, delta: float, gamma: float, kappa: float = 1.0):
    r"""The Bai–Yao map :math:`\psi(\beta)` for the population law :math:`H = \kappa\,\mathrm{MP}_\delta`.

    .. math::

        \psi(\beta) = \beta\Bigl(1 + \gamma\int\frac{t\,dH(t)}{\beta - t}\Bigr)
                    = \beta\bigl(1 - \gamma + \gamma\beta G_H(\beta)\bigr),\qquad
        G_H(\beta) = G(\beta/\kappa)/\kappa

    (Bai & Yao 2012), with G from :func:`mp_stieltjes`. When :math:`\psi'(\beta) > 0` a
    population spike at β produces a sample outlier at ψ(β); on the decreasing branch it
    does not. At the population outlier of :func:`attnrmt_lib.population_outlier` it equals
    :math:`\kappa\rho(x + 1)(x + \gamma)/x^2`, :math:`x = \rho - \delta`. Vectorised over
    ``beta``.

    Parameters
    ----------
    beta : array_like
        Population eigenvalues above :math:`\kappa(1 + \sqrt\delta)^2`.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    kappa : float, default 1
        Scale κ = ‖w‖² > 0.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(bai_yao_map(4.2, 0.5, 0.5), 10)  # the spike of ρ = 3 (β = 4.2) lands at 5.04
    5.04
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    b = _check_above_edge(np.asarray(beta, dtype=float) / kappa, delta, "beta")
    g, _ = _g_and_dg(b, delta)
    return _out(kappa * b * (1.0 - gamma + gamma * b * g), beta)


def bai_yao_derivative(beta, delta: float, gamma: float, kappa: float = 1.0):
    r"""Derivative :math:`\psi'(\beta)` of the Bai–Yao map for :math:`H = \kappa\,\mathrm{MP}_\delta`.

    .. math::

        \psi'(\beta) = 1 - \gamma\int\frac{t^2\,dH(t)}{(\beta - t)^2}
                     = 1 - \gamma\bigl(1 - 2\beta G_H(\beta) - \beta^2 G_H'(\beta)\bigr),

    using :math:`t^2 = \beta^2 - 2\beta(\beta - t) + (\beta - t)^2` (Bai & Yao 2012). Its
    sign decides whether a population spike at β is visible in the sample covariance;
    it vanishes at the population outlier of the threshold :math:`\rho_2`. Dimensionless
    (independent of κ once β is scaled with κ). Vectorised over ``beta``.

    Parameters
    ----------
    beta : array_like
        Population eigenvalues above :math:`\kappa(1 + \sqrt\delta)^2`.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    kappa : float, default 1
        Scale κ = ‖w‖² > 0.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(bai_yao_derivative(4.2, 0.5, 0.5), 10)  # p(x)/(x(x² - δ)) = 12/14.375 at x = 2.5
    0.8347826087
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    b = _check_above_edge(np.asarray(beta, dtype=float) / kappa, delta, "beta")
    g, dg = _g_and_dg(b, delta)
    return _out(1.0 - gamma * (1.0 - 2.0 * b * g - b * b * dg), beta)
