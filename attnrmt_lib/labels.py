r"""The label model: a sequence label, positions that agree with it, and what follows from it.

Each sequence has a label :math:`y = \pm1`; position t carries the class sign
:math:`\xi_t = y` with probability :math:`(1 + s_t)/2` and :math:`-y` otherwise,
independently over t, so the purity :math:`s_t = \mathbb E[\xi_t y]` says how much position
t knows about the label. The signs have mean zero and correlation matrix

.. math::

    R = ss^\top + \operatorname{diag}(1 - s_t^2),

rank one plus diagonal (``chapters/01_model.ipynb``). This module holds the
model (:func:`label_model`), the profile the book uses, :math:`s_t = s_0 r^{t-1}`
(:func:`geometric_purity`), the ratio α/κ any pooling reaches under it in closed form
(:func:`label_snr`, ``chapters/05_causal_attention.ipynb``) and the pooling that maximises it (:func:`label_model_optimum`,
``chapters/04_optimal_attention.ipynb``). Its signs are drawn by :func:`attnrmt_lib.sampling.labels_and_signs`.

References
----------
Seddik (2026), "How does attention help?".
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.optimize

from ._validation import check_array, check_int, check_interval, check_weights
from .correlation import PositionalModel
from .sampling import label_signs

__all__ = ["label_model", "geometric_purity", "label_snr", "label_max_snr",
           "label_model_optimum"]


def _check_purity(s) -> np.ndarray:
    s = check_array(s, "s")
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"s must be a non-empty 1-D array, got shape {s.shape}")
    if np.any(np.abs(s) > 1):
        raise ValueError(f"every purity s_t must lie in [-1, 1], got max |s_t| = {np.abs(s).max()}")
    return s


def _check_profiles(s, T: int | None = None) -> np.ndarray:
    """Purity profiles of shape (..., T), entries in [-1, 1] (T given: that many positions,
    to match the weights)."""
    s = check_array(s, "s")
    if s.ndim == 0 or s.shape[-1] == 0 or (T is not None and s.shape[-1] != T):
        wanted = "(..., T) with T >= 1" if T is None else f"(..., {T}) to match the weights"
        raise ValueError(f"s must have shape {wanted}, got {s.shape}")
    if np.any(np.abs(s) > 1):
        raise ValueError("every purity s_t must lie in [-1, 1]")
    return s


def _label_matrix(s: np.ndarray) -> np.ndarray:
    r""":math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)` of each profile (shape (..., T, T))."""
    return s[..., :, None] * s[..., None, :] + np.eye(s.shape[-1]) * (1.0 - s**2)[..., None, :]


def label_model(s) -> PositionalModel:
    r"""Sequence label ℓ = ±1; position t agrees with ℓ with probability (1 + s_t)/2.

    :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`. A decreasing purity profile s
    (e.g. :math:`s_t = s_0 r^{t-1}`) means early tokens carry more signal.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile, every entry in [-1, 1].

    Examples
    --------
    >>> label_model([1.0, 0.0]).R.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    s = _check_purity(s)
    R = _label_matrix(s)
    return PositionalModel("label model", R, functools.partial(label_signs, s.copy()))


def geometric_purity(T: int, s0: float, r):
    r"""Purity profile :math:`s_t = s_0 r^{t-1}`, t = 1..T: early tokens carry more signal.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    s0 : float
        Purity of the first token, in [0, 1].
    r : float or array_like
        Decay per position, in [0, 1] (r = 1: constant purity, the exchangeable model).

    Returns
    -------
    numpy.ndarray, shape ``np.shape(r) + (T,)``

    Examples
    --------
    >>> geometric_purity(3, 0.9, 0.5).tolist()
    [0.9, 0.45, 0.225]
    """
    T = check_int(T, "T", 1)
    s0 = check_interval(s0, "s0", 0.0, 1.0)
    r = check_array(r, "r")
    if np.any(r < 0) or np.any(r > 1):
        raise ValueError("every decay r must lie in [0, 1]")
    return s0 * r[..., None] ** np.arange(T)


def label_snr(weights, s):
    r"""α/κ of pooling weights w under the label model with purity profile s.

    With :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`,

    .. math::

        \frac{\alpha}{\kappa} = \frac{(w\cdot s)^2 + \sum_t w_t^2(1 - s_t^2)}{\|w\|^2}
            = 1 + \frac{(w\cdot s)^2 - \sum_t w_t^2 s_t^2}{\|w\|^2}.

    Same as ``snr(weights, label_model(s).R)`` but vectorised over profiles.

    Parameters
    ----------
    weights : array_like, shape (T,)
        Pooling weights, not all zero.
    s : array_like, shape (..., T)
        Purity profile(s), entries in [-1, 1].

    Returns
    -------
    float or numpy.ndarray, shape ``s.shape[:-1]``

    Examples
    --------
    >>> round(label_snr([0.5, 0.5], [0.8, 0.8]), 10)  # mean pooling, constant purity
    1.64
    """
    w = check_weights(weights)
    s = _check_profiles(s, w.size)
    kappa = w @ w
    out = 1.0 + ((s @ w) ** 2 - (s**2) @ (w**2)) / kappa
    return float(out) if np.ndim(out) == 0 else out


def label_max_snr(s):
    r"""The best α/κ any pooling reaches under the label model: :math:`\lambda_{max}(R)`.

    With :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`, the maximum of
    :math:`w^\top R w / w^\top w` over weights is the top eigenvalue of R (the optimal
    weights are its eigenvector, :func:`label_model_optimum`). Vectorised over profiles,
    like :func:`label_snr`.

    Parameters
    ----------
    s : array_like, shape (..., T)
        Purity profiles, entries in [-1, 1]; one without two non-zero purities has R = I.

    Returns
    -------
    float or numpy.ndarray, shape ``s.shape[:-1]``
        :math:`\lambda_{max}(R)` of each profile (1 when R = I).

    Examples
    --------
    >>> round(label_max_snr([0.6, 0.6]), 10)
    1.36
    """
    out = np.linalg.eigvalsh(_label_matrix(_check_profiles(s)))[..., -1]
    return float(out) if np.ndim(out) == 0 else out


def label_model_optimum(s) -> tuple[float, np.ndarray]:
    r"""Top eigenpair of the label-model matrix :math:`R = ss^\top + D`, D diagonal.

    With :math:`D = \operatorname{diag}(1 - s_t^2)`, the eigen-equation reads
    :math:`(\lambda I - D)w = s\,(s^\top w)`; for :math:`\lambda > \max_t D_{tt}` on the coupled
    positions,

    .. math::

        w_t \propto \frac{s_t}{\lambda - 1 + s_t^2}, \qquad
        \sum_t \frac{s_t^2}{\lambda - 1 + s_t^2} = 1,

    and :math:`\lambda_{max}(R)` is the unique root :math:`\lambda > 1` of this secular
    equation (its left side falls from the number of non-zero purities to below 1 on
    :math:`\lambda - 1 \in (0, \|s\|^2]`). So the optimal weights follow the purity profile:
    :math:`w_t` increases with :math:`s_t` as long as :math:`s_t^2 < \lambda - 1`, which can
    fail for at most one position; for small purities :math:`w \propto s` to first order.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile, entries in [-1, 1], at least two of them non-zero (otherwise
        R = I and every weighting is optimal).

    Returns
    -------
    lam : float
        :math:`\lambda_{max}(R) = \max_w \alpha/\kappa`.
    weights : numpy.ndarray, shape (T,)
        The optimal weights, unit norm, summing to a positive number (as
        :func:`attnrmt_lib.optimal_weights`).

    Examples
    --------
    >>> lam, w = label_model_optimum([0.6, 0.6])  # R = [[1, .36], [.36, 1]]
    >>> round(lam, 10), w.round(6).tolist()
    (1.36, [0.707107, 0.707107])
    """
    s = _check_purity(s)
    s2 = s**2
    if np.count_nonzero(s) < 2:
        raise ValueError("s needs at least two non-zero purities; otherwise R = I and every "
                         "weighting is optimal (alpha/kappa = 1)")

    def secular(a):
        return np.sum(s2 / (a + s2)) - 1.0

    top = float(s2.sum())
    # secular(a) -> (#non-zero s_t) - 1 >= 1 as a -> 0+, and secular(||s||^2) <= 0.
    a = scipy.optimize.brentq(secular, 1e-300, top, xtol=1e-15 * top, rtol=4 * np.finfo(float).eps)
    w = s / (a + s2)
    w /= np.linalg.norm(w)
    total = w.sum()
    if abs(total) > 1e-12 * np.sqrt(w.size):
        w *= np.sign(total)
    else:
        w *= np.sign(w[np.flatnonzero(np.abs(w) > 1e-12)[0]])
    return 1.0 + float(a), w
