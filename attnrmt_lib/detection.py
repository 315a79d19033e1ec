r"""Detection thresholds in signal strength, and the attention weights that minimise them.

Attention enters the theory only through the Rayleigh quotient
:math:`\alpha/\kappa = w^\top Rw/w^\top w` (Seddik 2026, "How does attention help?"): the
effective signal-to-noise ratio is :math:`\rho = (\alpha/\kappa)\|\mu\|^2`, so the pooled
sample covariance has an informative outlier exactly when

.. math::

    \|\mu\|^2 > \|\mu\|^2_c = \frac{\rho_2\,\kappa}{\alpha},

with :math:`\rho_2(\delta, \gamma)` the sample threshold of :func:`attnrmt_lib.thresholds`.
The quotient is maximised by the top eigenvector of R, with maximum :math:`\lambda_{max}(R)`;
for the label model :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)` (rank one plus
diagonal) the maximiser has the closed form of :func:`attnrmt_lib.labels.label_model_optimum`.
"""

from __future__ import annotations

import numpy as np

from ._deprecation import moved
from ._validation import (
    check_array,
    check_correlation_matrix,
    check_int,
    check_nonnegative,
    check_weights,
)
from .correlation import PositionalModel
from .pooling import snr_table
from .spikes import overlap, thresholds
from .weights import harmonic_weights, mean_weights, optimal_weights, snr, token_weights

__all__ = [
    "detection_threshold",
    "detection_threshold_table",
    "max_snr",
    "standard_weightings",
    "alignment_at_signal",
]


# The label model's optimum moved to attnrmt_lib.labels.
__getattr__ = moved(__name__, {"label_model_optimum": "attnrmt_lib.labels"})


def _matrix(R, T=None) -> np.ndarray:
    if isinstance(R, PositionalModel):
        R = R.R
    return check_correlation_matrix(R, T=T)


def max_snr(R) -> float:
    r"""The largest achievable :math:`\alpha/\kappa`: :math:`\lambda_{max}(R)`.

    By the Rayleigh–Ritz theorem :math:`w^\top Rw \le \lambda_{max}(R)\,w^\top w` for every
    w, with equality exactly on the top eigenspace (:func:`attnrmt_lib.optimal_weights`).
    Since every correlation matrix of ±1 signs has unit diagonal, :math:`\lambda_{max}(R) \ge 1`:
    the best weights never do worse than a single token.

    Parameters
    ----------
    R : array_like, shape (T, T), or PositionalModel
        Positional correlation matrix (symmetric PSD).
    """
    return float(np.linalg.eigvalsh(_matrix(R))[-1])


def detection_threshold(weights, R, delta: float, gamma: float) -> float:
    r"""Smallest signal strength :math:`\|\mu\|^2` the pooled covariance can detect.

    .. math::

        \|\mu\|^2_c = \frac{\rho_2(\delta, \gamma)\,\kappa}{\alpha}
                    = \frac{\rho_2\,\|w\|^2}{w^\top Rw}:

    above it the top eigenvalue of S separates from the bulk and its eigenvector aligns with
    μ; below it neither happens (Seddik 2026). Returns ``inf`` when :math:`\alpha = 0` (the
    weights cancel the signal).

    Parameters
    ----------
    weights : array_like, shape (T,)
        Pooling weights, not all zero (any scale).
    R : array_like, shape (T, T), or PositionalModel
        Positional correlation matrix.
    delta, gamma : float
        Ratios d/V and d/N (> 0).

    Examples
    --------
    >>> from attnrmt_lib import mean_weights, exchangeable
    >>> round(detection_threshold(mean_weights(16), exchangeable(16, 0.2), 0.5, 0.5), 5)
    0.44519
    """
    w = check_weights(weights)
    R = _matrix(R, T=w.size)
    _, rho2 = thresholds(delta, gamma)
    alpha_over_kappa = snr(w, R)
    if alpha_over_kappa <= 1e-15:
        return float("inf")
    return rho2 / alpha_over_kappa


def detection_threshold_table(weights: dict, models: dict, delta: float,
                              gamma: float) -> np.ndarray:
    r"""Thresholds :math:`\rho_2\kappa/\alpha` for every pooling (rows) under every model (columns).

    Parameters
    ----------
    weights : dict
        Pooling name -> weights of shape (T,), or a callable taking R and returning weights
        (e.g. :func:`attnrmt_lib.optimal_weights`); see :func:`standard_weightings`.
    models : dict
        Model name -> :class:`~attnrmt_lib.PositionalModel` or a T×T correlation matrix.
    delta, gamma : float
        Ratios d/V and d/N (> 0).

    Returns
    -------
    numpy.ndarray, shape (len(weights), len(models))
        ``inf`` where a pooling has α = 0 under a model.
    """
    _, rho2 = thresholds(delta, gamma)
    table = snr_table(weights, models)
    with np.errstate(divide="ignore"):
        return np.where(table > 1e-15, rho2 / np.maximum(table, 1e-300), np.inf)


def standard_weightings(T: int, tau: float = 0.0) -> dict:
    r"""The poolings the book compares, as a dict name -> weights (or callable of R).

    ``"mean"`` (1/T), ``"first token"``, ``"last token"``, ``"harmonic"`` (causal attention
    with score scale τ, :func:`attnrmt_lib.harmonic_weights`) and ``"optimal"``
    (:func:`attnrmt_lib.optimal_weights`, a callable because it depends on R). Pass it to
    :func:`detection_threshold_table` or :func:`attnrmt_lib.pooling.snr_table`.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    tau : float, default 0.0
        Score scale of the causal attention (τ >= 0).
    """
    T = check_int(T, "T", 1)
    tau = check_nonnegative(tau, "tau")
    return {
        "mean": mean_weights(T),
        "first token": token_weights(T, 0),
        "last token": token_weights(T, -1),
        "harmonic": harmonic_weights(T, tau),
        "optimal": optimal_weights,
    }


def alignment_at_signal(mu_norm2, weights, R, delta: float, gamma: float):
    r"""Limit of :math:`|\hat u^\top u|^2` as a function of the signal strength :math:`\|\mu\|^2`.

    :func:`attnrmt_lib.overlap` evaluated at :math:`\rho = (\alpha/\kappa)\|\mu\|^2`: zero up
    to :func:`detection_threshold`, then increasing to one. Better weights shift the whole
    curve left by the factor :math:`\kappa/\alpha`. Vectorised over ``mu_norm2``.

    Parameters
    ----------
    mu_norm2 : float or array_like
        Signal strengths :math:`\|\mu\|^2 \ge 0`.
    weights : array_like, shape (T,)
        Pooling weights, not all zero.
    R : array_like, shape (T, T), or PositionalModel
        Positional correlation matrix.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    """
    w = check_weights(weights)
    R = _matrix(R, T=w.size)
    m = check_array(mu_norm2, "mu_norm2")
    if np.any(m < 0):
        raise ValueError(f"mu_norm2 must be >= 0, got min {m.min()}")
    out = overlap(snr(w, R) * m, delta, gamma)
    return float(out) if np.ndim(mu_norm2) == 0 else np.asarray(out)
