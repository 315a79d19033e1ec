r"""The two thresholds over the (δ, γ) plane (the phase diagram) and the δ → 0 limit.

With :math:`x = \rho - \delta`, the population covariance has an outlier iff
:math:`\rho > \rho_1 = \delta + \sqrt\delta` and the sample covariance iff
:math:`\rho > \rho_2 = \delta + x_*`, :math:`x_*` the largest root of
:math:`p(x) = x^3 - (\delta + \gamma + \gamma\delta)x - 2\gamma\delta`
(see :func:`attnrmt_lib.thresholds`). This module evaluates them on grids (the phase
diagram) and gives Paul's (2007) formulas for the spiked identity, the δ → 0 edge of the
diagram. (The smallest detectable signal strength ‖μ‖² = ρ₂κ/α for given attention
weights is :func:`attnrmt_lib.detection.detection_threshold`.)
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_positive, check_rho
from .spikes import threshold_root

__all__ = ["threshold_grid", "paul_top_eigenvalue", "paul_overlap"]


def _positive_axis(values, name):
    arr = check_array(values, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must contain only numbers > 0, got min {arr.min()}")
    return arr


def threshold_grid(deltas, gammas) -> tuple[np.ndarray, np.ndarray]:
    r"""Both thresholds on the grid ``deltas`` × ``gammas``: the phase diagram.

    .. math::

        \rho_1(\delta) = \delta + \sqrt\delta,\qquad
        \rho_2(\delta, \gamma) = \delta + x_*,\quad
        x_* = 2\sqrt{s/3}\,\cos\Bigl(\tfrac13\arccos\frac{\gamma\delta}{(s/3)^{3/2}}\Bigr),
        \quad s = \delta + \gamma + \gamma\delta,

    the trigonometric (Cardano) form of the largest root of
    :math:`x^3 - sx - 2\gamma\delta` (three real roots, so no cancellation). Same values as
    :func:`attnrmt_lib.thresholds`, vectorised.

    Parameters
    ----------
    deltas : array_like, 1-D
        Values of δ = d/V (> 0), along the columns.
    gammas : array_like, 1-D
        Values of γ = d/N (> 0), along the rows.

    Returns
    -------
    rho1, rho2 : numpy.ndarray of shape (len(gammas), len(deltas))
        ``rho2[i, j]`` is :math:`\rho_2(\delta_j, \gamma_i)` (the layout of
        :func:`numpy.meshgrid` and :meth:`matplotlib.axes.Axes.pcolormesh`).

    Examples
    --------
    >>> r1, r2 = threshold_grid([0.5], [0.5, 2.0])
    >>> r2.round(5).tolist()
    [[1.78078], [2.60909]]
    """
    deltas = _positive_axis(deltas, "deltas")
    gammas = _positive_axis(gammas, "gammas")
    D, G = np.meshgrid(deltas, gammas)
    rho1 = D + np.sqrt(D)
    rho2 = D + threshold_root(D, G)
    return rho1, rho2


def paul_top_eigenvalue(rho, gamma: float, kappa: float = 1.0):
    r"""Top sample eigenvalue for a spike on the identity (Paul 2007; the δ → 0 limit).

    For the population :math:`\kappa(I + \rho uu^\top)` and ratio γ = d/N,

    .. math::

        \lambda_{out} = \kappa(1 + \rho)\Bigl(1 + \frac{\gamma}{\rho}\Bigr)
        \quad (\rho > \sqrt\gamma),\qquad
        \kappa(1 + \sqrt\gamma)^2 \quad (\rho \le \sqrt\gamma),

    the Baik–Ben Arous–Péché transition. :func:`attnrmt_lib.top_eigenvalue` tends to it
    as δ → 0. Vectorised over ``rho``.

    Examples
    --------
    >>> round(paul_top_eigenvalue(2.0, 0.5), 10)
    3.75
    """
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    r = check_rho(rho)
    above = r > np.sqrt(gamma)
    safe = np.where(above, r, 1.0)
    out = np.where(above, kappa * (1.0 + safe) * (1.0 + gamma / safe),
                   kappa * (1.0 + np.sqrt(gamma)) ** 2)
    return float(out) if np.ndim(rho) == 0 else out


def paul_overlap(rho, gamma: float):
    r"""Squared alignment of the top sample eigenvector for a spike on the identity (Paul 2007).

    .. math::

        |\hat u^\top u|^2 = \frac{1 - \gamma/\rho^2}{1 + \gamma/\rho}\quad(\rho > \sqrt\gamma),
        \qquad 0 \quad (\rho \le \sqrt\gamma).

    :func:`attnrmt_lib.overlap` tends to it as δ → 0. Vectorised over ``rho``.

    Examples
    --------
    >>> round(paul_overlap(2.0, 0.5), 10)
    0.7
    """
    gamma = check_positive(gamma, "gamma")
    r = check_rho(rho)
    above = r > np.sqrt(gamma)
    safe = np.where(above, r, 1.0)
    out = np.where(above, (1.0 - gamma / safe**2) / (1.0 + gamma / safe), 0.0)
    return float(out) if np.ndim(rho) == 0 else out
