r"""Causal softmax self-attention as pooling, and when it beats mean pooling.

Causal self-attention with identity query and key maps and score scaling τ/d pools a
sequence with weights :math:`w_s = \frac1T\sum_{t\ge s} a_{ts}`,
:math:`a_{ts}\propto\exp(\tau X_t\cdot X_s/d)` for :math:`s\le t`
(:func:`attnrmt_lib.causal_attention_weights`). As d → ∞ these weights become the
deterministic :func:`attnrmt_lib.harmonic_weights` (exactly so at τ = 0). This module
measures and predicts the finite-d deviation, which is :math:`O(\tau/\sqrt d)`, and
decides when the harmonic weights beat mean pooling: exactly when their Rayleigh quotient
:math:`\alpha/\kappa` is larger (Seddik 2026, "How does attention help?"); under the label
model that quotient has the closed form :func:`attnrmt_lib.labels.label_snr`.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from ._deprecation import moved
from ._validation import check_array, check_correlation_matrix, check_int, check_nonnegative
from .sampling import as_generator
from .weights import causal_attention_weights, harmonic_weights, mean_weights, snr

__all__ = [
    "causal_attention_limit",
    "causal_weight_error",
    "causal_weight_error_theory",
    "harmonic_gain",
    "harmonic_threshold",
]

# The label model's closed forms moved to attnrmt_lib.labels.
__getattr__ = moved(__name__, {"geometric_purity": "attnrmt_lib.labels",
                               "label_snr": "attnrmt_lib.labels"})

# Gaussian entries materialised at once by causal_weight_error (float64).
_CHUNK_ENTRIES = 1 << 22


def _check_taus(tau):
    arr = check_array(tau, "tau", nonnegative=True)
    if arr.ndim > 1:
        raise ValueError(f"tau must be a number or a 1-D array, got shape {arr.shape}")
    return arr


def causal_weight_error(T: int, tau, d: int, n: int = 200, seed=0):
    r"""Root-mean-square distance of finite-d causal attention weights from their limit.

    Draws n sequences of T tokens with i.i.d. :math:`N(0, I_d)` rows, computes their causal
    softmax weights :math:`\hat w` (:func:`attnrmt_lib.causal_attention_weights`) and returns

    .. math::

        \varepsilon = \Big(\frac1n\sum_{k=1}^n \|\hat w^{(k)} - w(\tau)\|_2^2\Big)^{1/2},

    :math:`w(\tau)` the deterministic :func:`attnrmt_lib.harmonic_weights`. It is 0 at τ = 0
    (the softmax ignores the scores) and :math:`\approx` :func:`causal_weight_error_theory`
    :math:`= \tau C(T,\tau)/\sqrt d` for τ > 0.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    tau : float or 1-D array_like
        Score scale(s) τ >= 0. Several values reuse the same tokens (common random numbers).
    d : int
        Embedding dimension >= 1.
    n : int, default 200
        Number of sequences >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same tokens.

    Returns
    -------
    float or numpy.ndarray
        ε, with the shape of ``tau``.
    """
    T = check_int(T, "T", 1)
    d = check_int(d, "d", 1)
    n = check_int(n, "n", 1)
    taus = _check_taus(tau)
    flat = np.atleast_1d(taus)
    limits = [harmonic_weights(T, float(t)) for t in flat]
    rng = as_generator(seed)
    total = np.zeros(flat.size)
    step = max(1, _CHUNK_ENTRIES // (T * d))
    for start in range(0, n, step):
        X = rng.standard_normal((min(step, n - start), T, d))
        for i, t in enumerate(flat):
            diff = causal_attention_weights(X, float(t)) - limits[i]
            total[i] += np.sum(diff * diff)
    err = np.sqrt(total / n)
    return float(err[0]) if taus.ndim == 0 else err


def causal_weight_error_theory(T: int, tau, d=1):
    r"""First-order prediction :math:`\tau C(T,\tau)/\sqrt d` of :func:`causal_weight_error`.

    Write :math:`X_t\cdot X_s/d = 1[t=s] + \varepsilon_{ts}`. For Gaussian tokens the
    :math:`\varepsilon_{ts}` (s <= t) are uncorrelated with variance 1/d (2/d when s = t), and
    each pair enters only the row of query t = max(s, t). Linearising the softmax of row t,
    :math:`\delta a_t = \tau(\operatorname{diag}a_t - a_ta_t^\top)\varepsilon_t`, and
    :math:`\delta w = \frac1T\sum_t\delta a_t`, so

    .. math::

        \mathbb E\|\delta w\|^2 = \frac{\tau^2}{T^2 d}\sum_{t=1}^T\sum_{j\le t}
            D_j\,a_{tj}^2\,\big(1 - 2a_{tj} + \|a_t\|^2\big),\qquad
            D_j = 1 + 1[j = t],

    with the limit rows :math:`a_{tt} = e^\tau/(e^\tau+t-1)`, :math:`a_{tj} = 1/(e^\tau+t-1)`
    for j < t. The correction (the bias) is :math:`O(\tau^2/d)`.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    tau : float or array_like
        Score scale(s) τ >= 0.
    d : float or array_like, default 1
        Embedding dimension(s) > 0 (broadcast against ``tau``); d = 1 returns τC(T, τ).

    Returns
    -------
    float or numpy.ndarray
        The predicted root-mean-square error, broadcast shape of ``tau`` and ``d``.
    """
    T = check_int(T, "T", 1)
    taus = check_array(tau, "tau", nonnegative=True)
    ds = check_array(d, "d")
    if np.any(ds <= 0):
        raise ValueError(f"d must contain only numbers > 0, got min {ds.min()}")
    t = np.arange(1, T + 1)
    p = np.exp(-taus)[..., None]  # e^{-τ}: stable for large τ
    self_w = 1.0 / (1.0 + (t - 1) * p)  # a_tt
    other = p * self_w  # a_tj, j < t
    q = self_w**2 + (t - 1) * other**2  # ‖a_t‖²
    row = (t - 1) * other**2 * (1.0 - 2.0 * other + q) + 2.0 * self_w**2 * (1.0 - 2.0 * self_w + q)
    out = taus * np.sqrt(row.sum(axis=-1)) / T / np.sqrt(ds)
    return float(out) if np.ndim(out) == 0 else out


def harmonic_gain(R, tau: float = 0.0) -> float:
    r"""Ratio :math:`(\alpha/\kappa)_{w(\tau)} / (\alpha/\kappa)_{mean}` for the correlation R.

    Harmonic (causal-attention) pooling with score scale τ detects the signal at a lower
    ‖μ‖² and aligns better at every ‖μ‖² than mean pooling exactly when this exceeds 1.

    Parameters
    ----------
    R : array_like, shape (T, T)
        Positional correlation matrix (symmetric PSD).
    tau : float, default 0.0
        Score scale τ >= 0 (τ = 0: the harmonic weights).
    """
    R = check_correlation_matrix(R)
    tau = check_nonnegative(tau, "tau")
    T = R.shape[0]
    mean = snr(mean_weights(T), R)
    if mean <= 0:
        raise ValueError("mean pooling has alpha = 0 for this R; the ratio is undefined")
    return snr(harmonic_weights(T, tau), R) / mean


def harmonic_threshold(T: int, tau: float = 0.0) -> float:
    r"""Decay r* below which causal pooling beats mean pooling for :math:`s_t = s_0 r^{t-1}`.

    In the label model, :math:`\alpha/\kappa(w) = 1 + s_0^2 D_w(r)` with
    :math:`D_w(r) = [(w\cdot q)^2 - \sum_t w_t^2q_t^2]/\|w\|^2`, :math:`q_t = r^{t-1}`, so the
    comparison does not depend on :math:`s_0 > 0`: the weights :math:`w(\tau)` beat mean
    pooling iff :math:`D_{w(\tau)}(r) > D_{mean}(r)`, i.e. iff 0 < r < r*. Both sides vanish at
    r = 0 (a single informative token gives R = I) and mean pooling wins at r = 1 (constant
    purity, where it is optimal).

    Parameters
    ----------
    T : int
        Sequence length >= 2.
    tau : float, default 0.0
        Score scale τ >= 0.

    Returns
    -------
    float
        r* in (0, 1); 0.0 when causal pooling never wins (T <= 2) and 1.0 when its weights
        equal mean pooling to rounding (τ very large).
    """
    T = check_int(T, "T", 2)
    tau = check_nonnegative(tau, "tau")
    w = harmonic_weights(T, tau)
    if np.abs(w - 1.0 / T).max() <= 1e-12:
        return 1.0  # τ so large that the weights are mean pooling to rounding
    # D_w(r) - D_mean(r) = Σ_{t≠u} c_tu r^{t+u-2}, c_tu = w_t w_u/‖w‖² - 1/T; divide by r.
    c = np.outer(w, w) / (w @ w) - 1.0 / T
    np.fill_diagonal(c, 0.0)
    idx = np.arange(T)
    coeffs = np.bincount((idx[:, None] + idx[None, :]).ravel(), weights=c.ravel(),
                         minlength=2 * T - 1)[1:]  # coefficient of r^(k-1), k = t+u-2 >= 1

    def poly(r):
        return np.polynomial.polynomial.polyval(r, coeffs)

    if coeffs[0] <= 0:
        return 0.0  # already the first pair (t, u) = (1, 2) favours mean pooling (T = 2)
    if poly(1.0) >= 0:
        return 1.0
    return float(scipy.optimize.brentq(poly, 0.0, 1.0, xtol=1e-14, rtol=1e-14))


def causal_attention_limit(T: int, tau: float = 0.0) -> np.ndarray:
    r"""The limit as d → ∞ of the causal attention matrix with score scaling τ/d.

    The scores :math:`X_t\cdot X_s/d` tend to :math:`1[t = s]`, so query t puts
    :math:`a_{tt} = e^\tau/(e^\tau + t - 1)` on itself and :math:`a_{ts} = 1/(e^\tau + t - 1)`
    on each earlier token s < t, and nothing on later ones. Its column means are the pooling
    weights :math:`w(\tau)` of :func:`attnrmt_lib.harmonic_weights`; at τ = 0 the rows are
    uniform, :math:`a_{ts} = 1/t`, for every d.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    tau : float, default 0.0
        Score scale τ >= 0.

    Returns
    -------
    ndarray, shape (T, T)
        Row-stochastic lower-triangular matrix :math:`(a_{ts})`, queries t in rows.

    Examples
    --------
    >>> np.round(causal_attention_limit(3), 3)
    array([[1.   , 0.   , 0.   ],
           [0.5  , 0.5  , 0.   ],
           [0.333, 0.333, 0.333]])
    """
    T = check_int(T, "T", 1)
    tau = check_nonnegative(tau, "tau")
    # Divided by e^tau, so that a large tau underflows to mean pooling instead of inf/inf.
    p = np.exp(-tau)
    t = np.arange(1, T + 1)
    a = np.tril(np.full((T, T), p)) / (1.0 + (t[:, None] - 1.0) * p)
    a[np.diag_indices(T)] = 1.0 / (1.0 + (t - 1.0) * p)
    return a
