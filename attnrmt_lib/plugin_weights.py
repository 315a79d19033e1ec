r"""Data-driven (plug-in) attention weights: estimate R from the data, then pool with its top eigenvector.

The optimal pooling is the top eigenvector of the positional correlation R
(:func:`attnrmt_lib.optimal_weights`), which a user does not know. The plug-in procedure:

1. pool with starting weights :math:`w^{(0)}` (mean pooling) and take the top eigenvector
   û of the pooled covariance;
2. project every token on it, :math:`a_{n,t} = \hat u^\top X^{(n)}_t
   = \xi_{n,t}\,\hat u^\top\mu + \hat u^\top z_{x_{n,t}}`;
3. form :math:`\hat M = \frac1N\sum_n a_na_n^\top` and take its top eigenvector
   :math:`\hat w`; re-pool with it (and repeat from 2. for a second iteration).

Why it works: for a direction û independent of the sequences projected,
:math:`\mathbb E\hat M = c\,R + \sigma^2I` with :math:`c = (\hat u^\top\mu)^2` and
:math:`\sigma^2 = \hat u^\top\Sigma_Z\hat u` (tokens at different positions are
independent), and adding :math:`\sigma^2I` does not move eigenvectors. Independence
matters: projected *in sample*, the scores of one sequence share the part of û that its
own noise put there, which adds a term proportional to :math:`w^{(0)}w^{(0)\top}` to
:math:`\hat M` and drags :math:`\hat w` back towards the starting weights. The library
therefore cross-fits by default: û from one half of the sequences, projections of the
other half, and the other way round.

**The cost of estimating R.** First-order perturbation of the top eigenvector of a
sample second-moment matrix with population eigenvalues
:math:`\ell_j = c\lambda_j + \sigma^2` (:math:`\lambda_j` those of R, eigenvectors
:math:`e_j`) gives :math:`\mathbb E(e_j^\top\hat w)^2 \approx
\mathbb E[(e_1^\top a)^2(e_j^\top a)^2]/(N(\ell_1 - \ell_j)^2)`, hence the expected loss in
α/κ

.. math::

    \lambda_1 - \mathbb E\,\frac{\hat w^\top R\hat w}{\|\hat w\|^2}
    \approx \frac1N\sum_{j\ge2}\frac{F_j}{\lambda_1 - \lambda_j}, \qquad
    F_j = \mathbb E\big[(e_1^\top\xi)^2(e_j^\top\xi)^2\big] + \frac{\lambda_1 + \lambda_j}{q}
    + \frac{1}{q^2},

with :math:`q = c/\sigma^2` the token SNR along û (:func:`plugin_loss`). For Gaussian
signs the first term is :math:`\lambda_1\lambda_j` and :math:`F_j = (\lambda_1 + 1/q)
(\lambda_j + 1/q)`; for the label model it is computed exactly from the purity profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._validation import (
    check_array,
    check_correlation_matrix,
    check_int,
    check_nonnegative,
    check_positive,
    check_weights,
)
from .estimation import bulk_psi, bulk_trace
from .pooling import PooledData
from .sampling import as_generator, count_matrix
from .spikes import overlap, thresholds, top_eigenvalue
from .weights import optimal_weights

__all__ = [
    "top_direction",
    "position_projections",
    "repool",
    "positional_second_moment",
    "PluginWeights",
    "plugin_weights",
    "label_fourth_moments",
    "plugin_loss",
    "projected_noise",
    "projected_token_snr",
]


def _check_data(data) -> PooledData:
    if not isinstance(data, PooledData):
        raise ValueError(f"data must be a PooledData (pool_sequences, pool_table), got "
                         f"{type(data).__name__}")
    return data


def top_direction(C) -> np.ndarray:
    r"""Unit top eigenvector of :math:`C^\top C/N` for pooled vectors C (rows)."""
    C = check_array(C, "C")
    if C.ndim != 2 or min(C.shape) < 2:
        raise ValueError(f"C must be an (N, d) array with N, d >= 2, got shape {C.shape}")
    N, d = C.shape
    S = scipy.linalg.blas.dsyrk(1.0 / N, C.T, lower=1)
    return scipy.linalg.eigh(S, lower=True, subset_by_index=[d - 1, d - 1])[1][:, 0]


def position_projections(data: PooledData, direction, rows=None) -> np.ndarray:
    r"""Per-position projections :math:`a_{n,t} = v^\top X^{(n)}_t = \xi_{n,t}v^\top\mu + (Zv)_{x_{n,t}}`.

    Computed through the table (O(Vd + NT)), without the N×T×d embeddings.

    Parameters
    ----------
    data : PooledData
    direction : array_like, shape (d,)
    rows : array_like of int, optional
        Sequences to project (default all).

    Returns
    -------
    numpy.ndarray, shape (len(rows), T)
    """
    data = _check_data(data)
    v = check_array(direction, "direction").ravel()
    if v.size != data.d:
        raise ValueError(f"direction must have length d = {data.d}, got {v.size}")
    idx = np.arange(data.N) if rows is None else np.asarray(rows)
    table_part = (data.Z @ v)[data.tokens[idx]]
    return table_part + data.signs[idx] * float(data.mu @ v)


def repool(data: PooledData, weights) -> PooledData:
    r"""The same sequences (table, tokens, signs, μ) pooled with new ``weights``."""
    data = _check_data(data)
    w = check_weights(weights, data.T)
    A = count_matrix(w, data.tokens, data.V)
    A.sum_duplicates()
    C = np.asarray(A @ data.Z)
    C += np.multiply.outer(data.signs @ w, data.mu)
    return PooledData(C=C, A=A, Z=data.Z, zbar=data.zbar, tokens=data.tokens,
                      signs=data.signs, u=data.u, mu_norm2=data.mu_norm2, weights=w.copy(),
                      R=data.R)


def positional_second_moment(data: PooledData, *, cross_fit: bool = True, seed=0):
    r"""The T×T matrix :math:`\hat M = \frac1N\sum_n a_na_n^\top` of per-position projections.

    With ``cross_fit=True`` the sequences are split at random into two halves; each half is
    projected on the top eigenvector of the *other* half's pooled covariance, and the two
    second-moment matrices are averaged (then :math:`\mathbb E\hat M = cR + \sigma^2I`
    exactly given the directions). With ``cross_fit=False`` every sequence is projected on
    the top eigenvector of all of them (biased towards the current weights).

    Returns
    -------
    M : numpy.ndarray, shape (T, T)
    token_snr : float
        The realised :math:`q = \overline{(v^\top\mu)^2}/\overline{v^\top\Sigma_Zv}` of the
        direction(s) used (uses μ, so only a simulation knows it).
    """
    data = _check_data(data)
    if not cross_fit:
        v = top_direction(data.C)
        a = position_projections(data, v)
        sigma2 = float(np.sum((data.Z @ v) ** 2) / data.V)
        return a.T @ a / data.N, float(data.mu @ v) ** 2 / sigma2
    perm = as_generator(seed).permutation(data.N)
    halves = (perm[: data.N // 2], perm[data.N // 2:])
    M = np.zeros((data.T, data.T))
    signal = noise = 0.0
    for fit, project in (halves, halves[::-1]):
        v = top_direction(data.C[fit])
        a = position_projections(data, v, project)
        M += a.T @ a
        signal += float(data.mu @ v) ** 2 / 2.0
        noise += float(np.sum((data.Z @ v) ** 2) / data.V) / 2.0
    return M / data.N, signal / noise


@dataclass(frozen=True, eq=False)
class PluginWeights:
    r"""Outcome of :func:`plugin_weights`.

    Attributes
    ----------
    weights : list of numpy.ndarray
        :math:`w^{(0)}, \hat w^{(1)}, \dots`: the starting weights, then one estimate per
        iteration (unit norm, summing to a positive number).
    moments : list of numpy.ndarray
        The matrices :math:`\hat M` behind each estimate.
    token_snrs : list of float
        The realised token SNR q of the direction(s) behind each estimate.
    data : PooledData
        The sequences re-pooled with the last estimate.
    """

    weights: list
    moments: list
    token_snrs: list
    data: PooledData


def plugin_weights(data: PooledData, *, iterations: int = 1, cross_fit: bool = True,
                   seed=0) -> PluginWeights:
    r"""Estimate the optimal pooling weights from the data (the plug-in procedure).

    Starting from the weights ``data`` was pooled with, each iteration forms
    :math:`\hat M` (:func:`positional_second_moment`), takes its top eigenvector as the new
    weights and re-pools (:func:`repool`).

    Parameters
    ----------
    data : PooledData
        Sequences pooled with the starting weights (e.g. mean pooling).
    iterations : int, default 1
        Number of estimate-and-re-pool rounds >= 1.
    cross_fit : bool, default True
        Split the sequences in two halves (see :func:`positional_second_moment`).
    seed : int, numpy.random.Generator or None, default 0
        Randomness of the split.

    Returns
    -------
    PluginWeights
    """
    data = _check_data(data)
    iterations = check_int(iterations, "iterations", 1)
    rng = as_generator(seed)
    weights = [data.weights / np.linalg.norm(data.weights)]
    moments, snrs = [], []
    current = data
    for _ in range(iterations):
        M, q = positional_second_moment(current, cross_fit=cross_fit, seed=rng)
        w = optimal_weights(M)
        weights.append(w)
        moments.append(M)
        snrs.append(q)
        current = repool(current, w)
    return PluginWeights(weights, moments, snrs, current)


def label_fourth_moments(s, vectors) -> np.ndarray:
    r"""Exact :math:`\mathbb E[(x^\top\xi)^2(y^\top\xi)^2]` under the label model, x = first vector.

    :math:`\xi = \ell\varepsilon` with independent :math:`\varepsilon_t = \pm1` of mean
    :math:`s_t`; writing :math:`\varepsilon = s + \eta`, with :math:`v_t = 1 - s_t^2`,
    :math:`m_{3,t} = -2s_tv_t` and :math:`m_{4,t} = v_t(1 + 3s_t^2)` the central moments,
    and :math:`\bar x = x^\top s`, :math:`P = x^\top\eta`, :math:`Q = y^\top\eta`,

    .. math::

        \mathbb E[X^2Y^2] = \bar x^2\bar y^2 + \bar x^2\,\mathbb EQ^2 + \bar y^2\,\mathbb EP^2
        + 4\bar x\bar y\,\mathbb E PQ + 2\bar x\,\mathbb E PQ^2 + 2\bar y\,\mathbb EP^2Q
        + \mathbb EP^2Q^2 .

    Parameters
    ----------
    s : array_like, shape (T,)
    vectors : array_like, shape (T, k)
        Column 0 is x; the result has one entry per column y (column 0 included).
    """
    s = check_array(s, "s").ravel()
    E = check_array(vectors, "vectors")
    if E.ndim != 2 or E.shape[0] != s.size:
        raise ValueError(f"vectors must have shape ({s.size}, k), got {E.shape}")
    v = 1.0 - s**2
    m3 = -2.0 * s * v
    m4 = v * (1.0 + 3.0 * s**2)
    x = E[:, 0]
    xb, yb = x @ s, E.T @ s
    p2, q2, pq = (x * x) @ v, (E * E).T @ v, (x[:, None] * E).T @ v
    pq2 = (x[:, None] * E * E).T @ m3
    p2q = (x[:, None] ** 2 * E).T @ m3
    p2q2 = p2 * q2 + 2.0 * pq**2 + ((x[:, None] ** 2) * E * E).T @ (m4 - 3.0 * v * v)
    return (xb**2 * yb**2 + xb**2 * q2 + yb**2 * p2 + 4.0 * xb * yb * pq
            + 2.0 * xb * pq2 + 2.0 * yb * p2q + p2q2)


def plugin_loss(R, token_snr: float, N: int, *, s=None) -> float:
    r"""First-order expected loss in α/κ of the plug-in weights: :math:`\frac1N\sum_{j\ge2}F_j/(\lambda_1 - \lambda_j)`.

    Parameters
    ----------
    R : array_like, shape (T, T)
        Positional correlation matrix (unit diagonal), with a simple top eigenvalue.
    token_snr : float
        q = c/σ² > 0 along the direction the tokens are projected on.
    N : int
        Number of sequences projected.
    s : array_like, shape (T,), optional
        Purity profile of a label model (exact fourth moments,
        :func:`label_fourth_moments`); default Gaussian signs,
        :math:`\mathbb E[(e_1^\top\xi)^2(e_j^\top\xi)^2] = \lambda_1\lambda_j`.
    """
    R = check_correlation_matrix(R)
    q = check_positive(token_snr, "token_snr")
    N = check_int(N, "N", 1)
    lam, vec = np.linalg.eigh(R)
    lam, vec = lam[::-1], vec[:, ::-1]
    if lam[0] - lam[1] <= 1e-12 * max(lam[0], 1.0):
        raise ValueError("R must have a simple top eigenvalue (otherwise the optimal weights "
                         "are not unique)")
    if s is None:
        fourth = lam[0] * lam
    else:
        fourth = label_fourth_moments(s, vec)
    F = fourth[1:] + (lam[0] + lam[1:]) / q + 1.0 / q**2
    return float(np.sum(F / (lam[0] - lam[1:])) / N)


def projected_noise(rho, delta: float, gamma: float) -> float:
    r"""Limit of :math:`\hat u^\top\Sigma_Z\hat u`, the table's variance along the top eigenvector (ρ > ρ₂).

    From the eigen-equation :math:`\hat u = R(\hat\lambda)(a_1g + a_2u)` of the rank-two
    perturbation (:mod:`attnrmt_lib.estimation`), in units κ = α = 1,

    .. math::

        \hat u^\top\Sigma_Z\hat u = a_2^2\Big[\frac{\gamma(\lambda t_2 - t_1)}{\rho(1 + c)^2}
        + t_2\Big], \qquad a_2^{-2} = \frac{\gamma\tau_{2,1}}{\rho(1 + c)^2} + \tau_{2,0},

    with :math:`c = \gamma\tau_{1,1}`, the bulk traces :math:`\tau_{k,j}` at
    :math:`\lambda = \lambda_{out}`, and :math:`t_1 = \frac1d\operatorname{tr}\Sigma_ZR =
    \psi/(1 + \gamma\psi)`, :math:`t_2 = -t_1' = -\psi'/(1 + \gamma\psi)^2` from the
    deterministic equivalent :math:`(z - \Sigma_Z/(1 - \gamma e))^{-1}` of the resolvent
    (Silverstein & Bai 1995), whose :math:`e = \frac1d\operatorname{tr}\Sigma_ZR` satisfies
    :math:`e/(1 - \gamma e) = z G(z) - 1 = \psi`.
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    rho = float(check_nonnegative(rho, "rho"))
    _, rho2 = thresholds(delta, gamma)
    if rho <= rho2:
        raise ValueError(f"rho must be > rho_2 = {rho2:.6g}, got {rho}")
    lam = float(top_eigenvalue(rho, delta, gamma))
    c = gamma * bulk_trace(lam, 1, 1, delta, gamma)
    a2 = 1.0 / (gamma * bulk_trace(lam, 2, 1, delta, gamma) / (rho * (1.0 + c) ** 2)
                + bulk_trace(lam, 2, 0, delta, gamma))
    psi = bulk_psi(lam, delta, gamma)
    # ψ' from differentiating λψ = P(ψ): ψ' = ψ/(P'(ψ) - λ).
    dP = ((1 + delta * psi) * (1 + gamma * psi) + delta * (1 + psi) * (1 + gamma * psi)
          + gamma * (1 + psi) * (1 + delta * psi))
    dpsi = psi / (dP - lam)
    t1 = psi / (1.0 + gamma * psi)
    t2 = -dpsi / (1.0 + gamma * psi) ** 2
    return float(a2 * (gamma * (lam * t2 - t1) / (rho * (1.0 + c) ** 2) + t2))


def projected_token_snr(rho, mu_norm2: float, delta: float, gamma: float) -> float:
    r"""Token SNR along the top eigenvector, :math:`q = \|\mu\|^2\eta/(\hat u^\top\Sigma_Z\hat u)`.

    η = |ûᵀu|² (:func:`attnrmt_lib.overlap`) and the denominator from
    :func:`projected_noise`: the q of :func:`plugin_loss` when the tokens are projected on
    the top eigenvector of sequences pooled at signal strength ρ with ratio γ (for
    cross-fitting use the γ of one half, 2d/N). It is also the token SNR of the
    out-of-sample classifier :math:`\operatorname{sign}(\hat u^\top c)`.
    """
    mu_norm2 = check_positive(mu_norm2, "mu_norm2")
    return float(mu_norm2 * overlap(rho, delta, gamma) / projected_noise(rho, delta, gamma))
