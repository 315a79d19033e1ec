r"""Finite-dimensional simulation of the pooled sequence model.

Sequence n has tokens :math:`x_{n,t}` drawn uniformly from a vocabulary of V rows of a
Gaussian table Z (centered by default), class signs :math:`\xi_{n,t}` from a positional
model, and embeddings :math:`X^{(n)}_t = \xi_{n,t}\mu + z_{x_{n,t}}`. Pooling with weights w
gives :math:`C = AZ + (\Xi w)\mu^\top` with the sparse token-count matrix
:math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]`, so the N×T×d tensor of embeddings is never built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse

from ._validation import check_int, check_nonnegative, check_positive, check_weights
from .correlation import PositionalModel
from .weights import causal_attention_weights

__all__ = ["CausalAttention", "SimulationResult", "simulate"]

# Embeddings materialised at once when pooling with real causal attention (float64 entries).
_CHUNK_ENTRIES = 1 << 22


@dataclass(frozen=True)
class CausalAttention:
    """Pool each sequence with its own causal softmax attention weights (score scale τ/d).

    Pass as ``weights=CausalAttention(tau)`` to :func:`simulate`; the weights are computed
    from the actual token embeddings by :func:`attnrmt_lib.causal_attention_weights`.
    """

    tau: float = 0.0


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Outcome of one :func:`simulate` run.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        All d eigenvalues of S = C^T C / N, ascending.
    top_eigenvalue : float
        The largest eigenvalue.
    overlap : float
        Squared alignment |û^T u|² of the top eigenvector with the signal direction.
    kappa, alpha, rho : float
        Realised κ = mean ‖w_n‖², α = mean w_n^T R w_n and ρ = α‖μ‖²/κ (for fixed
        weights these are exactly ‖w‖², w^T R w).
    d, V, N, T : int
        Dimension, vocabulary size, number of sequences, sequence length.
    delta, gamma : float
        Realised ratios d/V and d/N (compare theory with these).
    mu_norm2 : float
        ‖μ‖².
    weights : numpy.ndarray
        The pooling weights (their mean over sequences for causal attention).
    """

    eigenvalues: np.ndarray
    top_eigenvalue: float
    overlap: float
    kappa: float
    alpha: float
    rho: float
    d: int
    V: int
    N: int
    T: int
    delta: float
    gamma: float
    mu_norm2: float
    weights: np.ndarray


def _top_eigenvector(S: np.ndarray, lam_max: float, rng: np.random.Generator) -> np.ndarray:
    # Inverse iteration with a shift just above λ_max: σI - S is positive definite, so one
    # Cholesky factorisation (d³/3 flops, far below the eigenvalue solver) and two solves
    # give the eigenvector to machine precision even at a bulk edge.
    scale = max(abs(lam_max), np.finfo(float).tiny)
    v = rng.standard_normal(S.shape[0])
    for gap in (1e-9, 1e-6, 1e-3):
        try:
            factor = scipy.linalg.cho_factor(
                (lam_max + gap * scale) * np.eye(S.shape[0]) - S, lower=True, check_finite=False
            )
        except np.linalg.LinAlgError:
            continue
        for _ in range(3):
            v = scipy.linalg.cho_solve(factor, v, check_finite=False)
            v /= np.linalg.norm(v)
        return v
    raise np.linalg.LinAlgError("inverse iteration failed for the top eigenvector")


def simulate(
    *,
    d: int,
    delta: float,
    gamma: float,
    weights,
    correlation: PositionalModel,
    mu_norm2: float,
    seed=0,
    center_table: bool = True,
) -> SimulationResult:
    r"""Simulate the pooled sample covariance S and its spectrum.

    Draws a V×d Gaussian table (V = round(d/δ)), centered unless ``center_table=False``;
    N = round(d/γ) sequences of T uniform tokens; class signs from ``correlation``; a
    signal μ of squared norm ``mu_norm2`` in a uniformly random direction u. Pools with
    ``weights`` through a sparse token-count matrix and returns the spectrum of
    :math:`S = C^\top C/N` with the alignment of its top eigenvector with u.

    Parameters
    ----------
    d : int
        Embedding dimension >= 1.
    delta, gamma : float
        Target ratios d/V and d/N (> 0); the realised ones are in the result.
    weights : array_like of shape (T,) or CausalAttention
        Fixed pooling weights, or causal softmax attention computed from the tokens.
    correlation : PositionalModel
        Sign model, e.g. :func:`attnrmt_lib.label_model`; fixes T.
    mu_norm2 : float
        ‖μ‖² >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same result.
    center_table : bool, default True
        Subtract the mean row from the table. Without it the mean token z̄ produces a
        spurious outlier unrelated to μ.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from attnrmt_lib import simulate, mean_weights, iid
    >>> r = simulate(d=200, delta=0.5, gamma=0.5, weights=mean_weights(8),
    ...              correlation=iid(8), mu_norm2=24.0, seed=1)
    >>> r.rho
    3.0
    """
    d = check_int(d, "d", 1)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    if not isinstance(correlation, PositionalModel):
        raise ValueError(
            "correlation must be a positional model such as iid(T) or label_model(s), "
            f"got {type(correlation).__name__}"
        )
    T = correlation.T
    causal = isinstance(weights, CausalAttention)
    if causal:
        tau = check_nonnegative(weights.tau, "tau")
    else:
        w = check_weights(weights, T)
    V = max(1, round(d / delta))
    N = max(1, round(d / gamma))
    if center_table and V < 2:
        raise ValueError(f"d/delta must give a vocabulary of at least 2 rows to center, got V = {V}")

    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((V, d))
    if center_table:
        Z -= Z.mean(axis=0)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    mu = np.sqrt(mu_norm2) * u
    tokens = rng.integers(0, V, size=(N, T))
    signs = correlation.sample(N, rng)

    if causal:
        W = np.empty((N, T))
        step = max(1, _CHUNK_ENTRIES // (T * d))
        for start in range(0, N, step):
            sl = slice(start, start + step)
            X = Z[tokens[sl]] + signs[sl, :, None] * mu
            W[sl] = causal_attention_weights(X, tau)
    else:
        W = np.broadcast_to(w, (N, T))
    R = correlation.R
    kappa = float(np.mean(np.einsum("nt,nt->n", W, W)))
    alpha = float(np.mean(np.einsum("nt,ts,ns->n", W, R, W)))

    # Duplicate (n, v) entries, a token repeated in a sequence, are summed by the product.
    A = scipy.sparse.csr_matrix(
        (W.ravel(), tokens.ravel(), np.arange(0, N * T + 1, T)), shape=(N, V)
    )
    C = A @ Z
    C += np.multiply.outer(np.einsum("nt,nt->n", W, signs), mu)
    S = C.T @ C
    S /= N
    eigenvalues = np.linalg.eigvalsh(S)
    v = _top_eigenvector(S, eigenvalues[-1], rng)
    return SimulationResult(
        eigenvalues=eigenvalues,
        top_eigenvalue=float(eigenvalues[-1]),
        overlap=float((v @ u) ** 2),
        kappa=kappa,
        alpha=alpha,
        rho=alpha * mu_norm2 / kappa,
        d=d,
        V=V,
        N=N,
        T=T,
        delta=d / V,
        gamma=d / N,
        mu_norm2=mu_norm2,
        weights=W.mean(axis=0),
    )
