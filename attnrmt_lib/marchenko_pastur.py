r"""The Marchenko–Pastur law MP_δ, the spectrum of the vocabulary table's covariance.

For a table :math:`Z \in \mathbb{R}^{V\times d}` with i.i.d. standard entries and
:math:`d/V \to \delta`, the eigenvalues of :math:`Z^\top Z / V` follow

.. math::

    f_\delta(x) = \frac{\sqrt{(b - x)(x - a)}}{2\pi\delta x}, \qquad
    a, b = (1 \mp \sqrt{\delta})^2,

plus an atom of mass :math:`1 - 1/\delta` at zero when :math:`\delta > 1`
(Marchenko & Pastur, 1967).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_int, check_positive

__all__ = ["mp_density", "mp_edges", "mp_atom", "mp_quantiles"]


def mp_edges(delta: float) -> tuple[float, float]:
    """Edges ``((1 - sqrt(delta))**2, (1 + sqrt(delta))**2)`` of the continuous part of MP_δ."""
    delta = check_positive(delta, "delta")
    r = np.sqrt(delta)
    return (1.0 - r) ** 2, (1.0 + r) ** 2


def mp_atom(delta: float) -> float:
    """Mass ``max(0, 1 - 1/delta)`` of the atom of MP_δ at zero."""
    delta = check_positive(delta, "delta")
    return max(0.0, 1.0 - 1.0 / delta)


def mp_density(x, delta: float) -> np.ndarray:
    """Density of the continuous part of MP_δ (variance-one entries) at the points ``x``.

    Parameters
    ----------
    x : array_like
        Points at which to evaluate the density.
    delta : float
        Aspect ratio d/V > 0.

    Returns
    -------
    numpy.ndarray
        ``sqrt((b - x)(x - a)) / (2 pi delta x)`` inside ``[a, b]``, zero outside. The
        atom at zero (for ``delta > 1``) is not included; see :func:`mp_atom`.
    """
    a, b = mp_edges(delta)
    x = check_array(x, "x")
    out = np.zeros_like(x)
    inside = (x > a) & (x < b) & (x > 0)
    xi = x[inside]
    out[inside] = np.sqrt((b - xi) * (xi - a)) / (2 * np.pi * delta * xi)
    return out


def mp_quantiles(delta: float, n: int) -> np.ndarray:
    """``n`` equally spaced quantiles of MP_δ, including the atom at zero.

    The quantile levels are the midpoints ``(i - 1/2)/n``, so the returned list is the
    natural discretisation of MP_δ by ``n`` equal-weight atoms (a population spectrum for
    :func:`attnrmt_lib.sample_density`).

    Parameters
    ----------
    delta : float
        Aspect ratio d/V > 0.
    n : int
        Number of quantiles, >= 1.

    Returns
    -------
    numpy.ndarray
        Sorted array of length ``n``.
    """
    delta = check_positive(delta, "delta")
    n = check_int(n, "n", 1)
    a, b = mp_edges(delta)
    atom = mp_atom(delta)
    # Substituting x = a + (b - a)(1 - cos θ)/2 makes the integrand smooth at both
    # square-root edges, so a trapezoid rule in θ converges fast.
    theta = np.linspace(0.0, np.pi, 8193)
    x = a + (b - a) * (1.0 - np.cos(theta)) / 2.0
    integrand = (b - a) ** 2 * np.sin(theta) ** 2 / (8 * np.pi * delta * np.maximum(x, 1e-300))
    cdf = np.concatenate([[0.0], np.cumsum((integrand[1:] + integrand[:-1]) / 2 * np.diff(theta))])
    cdf = atom + cdf * (1.0 - atom) / cdf[-1]
    levels = (np.arange(n) + 0.5) / n
    out = np.zeros(n)
    cont = levels > atom
    theta_q = np.interp(levels[cont], cdf, theta)
    out[cont] = a + (b - a) * (1.0 - np.cos(theta_q)) / 2.0
    return out
