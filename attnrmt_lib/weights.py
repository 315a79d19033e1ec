r"""Attention pooling weights and the signal-to-noise ratio they achieve.

A pooling vector :math:`w \in \mathbb{R}^T` enters the whole theory through
:math:`\kappa = \|w\|^2` (noise) and :math:`\alpha = w^\top R w` (signal), R the positional
correlation matrix of the class signs; detection improves with the Rayleigh quotient
:math:`\alpha/\kappa`.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_correlation_matrix, check_int, check_nonnegative, check_weights

__all__ = [
    "mean_weights",
    "token_weights",
    "harmonic_weights",
    "optimal_weights",
    "causal_attention_weights",
    "snr",
    "positive_sign",
    "top_eigenvalue_is_simple",
]


def mean_weights(T: int) -> np.ndarray:
    """Mean pooling, ``w_t = 1/T``."""
    T = check_int(T, "T", 1)
    return np.full(T, 1.0 / T)


def token_weights(T: int, position: int) -> np.ndarray:
    """Pool a single token: ``w = e_position`` (0-based; -1 is the last token)."""
    T = check_int(T, "T", 1)
    if not isinstance(position, (int, np.integer)) or not -T <= position < T:
        raise ValueError(f"position must be an integer in [-{T}, {T - 1}], got {position!r}")
    w = np.zeros(T)
    w[position] = 1.0
    return w


def harmonic_weights(T: int, tau: float = 0.0) -> np.ndarray:
    r"""Deterministic limit of causal softmax attention pooling with score scaling τ/d.

    As d → ∞, :math:`X_t\cdot X_s/d \to 1[t = s]`, so query t puts weight
    :math:`e^\tau/(e^\tau + t - 1)` on itself and :math:`1/(e^\tau + t - 1)` on each earlier
    token; averaging over queries gives

    .. math::

        w_s(\tau) = \frac1T\Big[\frac{e^\tau}{e^\tau + s - 1}
                    + \sum_{t=s+1}^{T} \frac{1}{e^\tau + t - 1}\Big].

    At τ = 0 these are the harmonic weights :math:`(H_T - H_{s-1})/T`, exact for every d.
    They sum to one and decrease in s.

    Parameters
    ----------
    T : int
        Sequence length >= 1.
    tau : float, default 0.0
        Score scale τ >= 0.
    """
    T = check_int(T, "T", 1)
    tau = check_nonnegative(tau, "tau")
    e = np.exp(tau)
    t = np.arange(1, T + 1)
    others = 1.0 / (e + t - 1.0)
    # Suffix sums: the earlier-token share that queries t = s+1..T give to token s.
    tail = np.concatenate([np.cumsum(others[::-1])[::-1][1:], [0.0]])
    return (e * others + tail) / T


def optimal_weights(R) -> np.ndarray:
    r"""Weights maximising :math:`\alpha/\kappa = w^\top R w / w^\top w`: the top eigenvector of R.

    Returned with unit norm (κ = 1; any scale gives the same α/κ) and the sign that
    makes the weights sum to a positive number (or, if they sum to zero, makes the
    first non-zero weight positive). The maximum of α/κ is :math:`\lambda_{max}(R)`.
    """
    R = check_correlation_matrix(R)
    _, vecs = np.linalg.eigh(R)
    return positive_sign(vecs[:, -1])


def positive_sign(w: np.ndarray) -> np.ndarray:
    """w or -w, whichever sums to a positive number (if it sums to zero, whichever has its
    first non-zero entry positive): the book's sign convention for weight profiles.

    Examples
    --------
    >>> positive_sign(np.array([-0.6, -0.8])).tolist()
    [0.6, 0.8]
    >>> positive_sign(np.array([0.0, -1.0, 1.0])).tolist()
    [-0.0, 1.0, -1.0]
    """
    w = np.asarray(w, dtype=float)
    scale = np.abs(w).max()
    total = w.sum()
    if abs(total) > 1e-12 * np.sqrt(w.size) * scale:
        return w * np.sign(total)
    return w * np.sign(w[np.flatnonzero(np.abs(w) > 1e-12 * scale)[0]])


def top_eigenvalue_is_simple(R) -> bool:
    r"""Whether :math:`\lambda_{max}(R)` is a simple eigenvalue (to a relative 1e-9).

    Then the weights maximising α/κ (:func:`optimal_weights`) are unique up to scale;
    otherwise (e.g. R = I) every vector of the top eigenspace is optimal.
    """
    vals = np.linalg.eigvalsh(check_correlation_matrix(R))
    return bool(vals.size == 1 or vals[-1] - vals[-2] > 1e-9 * max(1.0, abs(vals[-1])))


def causal_attention_weights(X, tau: float) -> np.ndarray:
    r"""Equivalent pooling weights of causal softmax self-attention on the tokens X.

    With identity query and key maps and score scaling τ/d, query t attends to
    :math:`s \le t` with :math:`a_{ts} \propto \exp(\tau X_t\cdot X_s/d)`, and the pooled
    output :math:`\frac1T\sum_t\sum_s a_{ts}X_s = \sum_s w_s X_s` with
    :math:`w_s = \frac1T\sum_{t\ge s} a_{ts}`.

    Parameters
    ----------
    X : array_like, shape (..., T, d)
        Token embeddings, one row per position (a batch of sequences allowed).
    tau : float
        Score scale τ >= 0.

    Returns
    -------
    numpy.ndarray, shape (..., T)
        The weights; they sum to one. At τ = 0 they equal :func:`harmonic_weights`.
    """
    X = check_array(X, "X")
    if X.ndim < 2 or X.shape[-2] < 1 or X.shape[-1] < 1:
        raise ValueError(f"X must have shape (..., T, d) with T, d >= 1, got {X.shape}")
    tau = check_nonnegative(tau, "tau")
    T, d = X.shape[-2:]
    scores = (tau / d) * np.matmul(X, np.swapaxes(X, -1, -2))
    causal = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(causal, scores, -np.inf)
    scores -= scores.max(axis=-1, keepdims=True)
    a = np.exp(scores)
    a /= a.sum(axis=-1, keepdims=True)
    return a.sum(axis=-2) / T


def snr(weights, R) -> float:
    r"""The ratio :math:`\alpha/\kappa = w^\top R w / w^\top w` through which attention acts.

    The effective signal-to-noise ratio is :math:`\rho = (\alpha/\kappa)\,\|\mu\|^2`.
    """
    w = check_weights(weights)
    R = check_correlation_matrix(R, T=w.size)
    return float(w @ R @ w / (w @ w))
