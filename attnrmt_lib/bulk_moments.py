r"""Moments of the bulk law κ(MP_δ ⊠ MP_γ): exact, and by quadrature of the density.

Write :math:`z = 1/\lambda` and :math:`\psi = \sum_{k \ge 1} m_k z^k` for the moment
series of the law with κ = 1. The cubic
:math:`\psi\lambda = (1 + \psi)(1 + \delta\psi)(1 + \gamma\psi)` reads
:math:`\psi = z\,P(\psi)` with :math:`P(w) = (1 + w)(1 + \delta w)(1 + \gamma w)`, so
Lagrange inversion gives every moment as a polynomial in δ and γ with non-negative
coefficients:

.. math::

    m_k = \frac{\kappa^k}{k}\,[w^{k-1}]\,P(w)^k, \qquad k \ge 1,

e.g. :math:`m_1 = \kappa`, :math:`m_2 = \kappa^2(1 + \delta + \gamma)`. At δ = γ = 1,
:math:`P(w) = (1 + w)^3` and :math:`m_k = \binom{3k}{k}/(2k + 1)`, the Fuss–Catalan
numbers (Penson & Życzkowski 2011). As δ → 0 they become the Narayana polynomials, the
moments of MP_γ.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import polynomial as P

from ._validation import check_int, check_positive
from .bulk import bulk_atom, bulk_quadrature

__all__ = ["bulk_moments", "bulk_moments_quadrature"]


def bulk_moments(k_max: int, delta: float, gamma: float, kappa: float = 1.0) -> np.ndarray:
    r"""Exact moments :math:`m_0, \dots, m_{k_{\max}}` of κ(MP_δ ⊠ MP_γ), atom included.

    Uses Lagrange inversion of the cubic,
    :math:`m_k = \frac{\kappa^k}{k}[w^{k-1}]\big((1 + w)(1 + \delta w)(1 + \gamma w)\big)^k`.
    All coefficients are non-negative, so there is no cancellation.

    Parameters
    ----------
    k_max : int
        Highest moment, >= 0.
    delta, gamma : float
        Ratios δ = d/V > 0 and γ = d/N > 0.
    kappa : float, default 1.0
        Scale κ = ‖w‖².

    Returns
    -------
    numpy.ndarray
        Array of length ``k_max + 1``; ``m_0 = 1`` (the atom at zero is part of the law).

    References
    ----------
    Nica & Speicher (2006), moment series and S-transforms; Penson & Życzkowski (2011)
    for the Fuss–Catalan case δ = γ = 1.

    Examples
    --------
    >>> bulk_moments(5, 1.0, 1.0).round().astype(int).tolist()
    [1, 1, 3, 12, 55, 273]
    """
    k_max = check_int(k_max, "k_max", 0)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    poly = P.polymul(P.polymul([1.0, 1.0], [1.0, delta]), [1.0, gamma])
    out = np.empty(k_max + 1)
    out[0] = 1.0
    power = np.array([1.0])
    for k in range(1, k_max + 1):
        power = P.polymul(power, poly)
        out[k] = kappa**k * power[k - 1] / k
    return out


def bulk_moments_quadrature(
    k_max: int, delta: float, gamma: float, kappa: float = 1.0, *, nodes: int = 400
) -> np.ndarray:
    r"""Moments of κ(MP_δ ⊠ MP_γ) by quadrature of :func:`~attnrmt_lib.bulk_density`.

    Computes :math:`\int \lambda^k f(\lambda)\,d\lambda` over the continuous part
    :math:`[\ell, u]` (plus the atom at zero for k = 0), with Gauss–Legendre nodes in θ after
    :math:`\lambda = \ell + (m - \ell)\sin^6(\theta/2)` on :math:`[\ell, m]` and the mirror
    image on :math:`[m, u]`, :math:`m = (\ell + u)/2`. The substitution makes the integrand
    smooth at square-root edges and at the hard edges :math:`\lambda^{-1/2}` and
    :math:`\lambda^{-2/3}`. It checks the density independently of :func:`bulk_moments`.

    Parameters
    ----------
    k_max : int
        Highest moment, >= 0.
    delta, gamma, kappa : float
        Parameters of the law, as in :func:`~attnrmt_lib.bulk_density`.
    nodes : int, default 400
        Gauss–Legendre nodes on each half of the support, >= 8.

    Returns
    -------
    numpy.ndarray
        Array of length ``k_max + 1``; entry 0 is the total mass (should be 1).
    """
    k_max = check_int(k_max, "k_max", 0)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    nodes = check_int(nodes, "nodes", 8)
    lam, weight = bulk_quadrature(delta, gamma, kappa, nodes=nodes)
    powers = lam[None, :] ** np.arange(k_max + 1)[:, None]
    out = powers @ weight
    out[0] += bulk_atom(delta, gamma)
    return out
