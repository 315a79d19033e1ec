r"""The bulk law at finite sequence length, through the token-count matrix.

The pooled noise is :math:`C_0 = AZ` with the N×V token-count matrix
:math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]` and the V×d table Z. Given A, the nonzero
eigenvalues of :math:`S_0 = Z^\top A^\top A Z/N` are those of

.. math::

    \frac{d}{N}\,\frac{1}{d}\,M^{1/2} Z Z^\top M^{1/2}, \qquad M = A^\top A,

a V×V sample covariance of the d Gaussian columns of Z with population covariance M
(independent of Z). Its limit is the general law :math:`H_M \boxtimes \mathrm{MP}_{1/\delta}`
of :func:`attnrmt_lib.sample_density`, with :math:`H_M` the spectrum of M, scaled by
:math:`\gamma = d/N` (Silverstein & Bai 1995). This holds at every sequence length T and for
every weight vector. The closed form :math:`\kappa(\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma)`
of the main chapters is its limit when :math:`H_M` tends to a Marchenko–Pastur law, which
needs many tokens per sequence: for T = 1, M is the diagonal matrix of the token counts
(the table resampled with Poisson(N/V) multiplicities) and the bulk law differs.

How many tokens pooling really mixes is measured by the effective length
:math:`T_{\rm eff} = (\sum_t w_t^2)^2/\sum_t w_t^4` (T for mean pooling, 1 for a single
token).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from ._validation import check_int, check_positive, check_weights
from .general_spectrum import sample_atom, sample_density, sample_support
from .pooling import PooledData
from .sampling import token_count_matrix

__all__ = [
    "effective_length",
    "token_count_matrix",
    "count_spectrum",
    "count_bulk_density",
    "count_bulk_cdf",
    "count_bulk_edge",
]


def effective_length(weights) -> float:
    r"""Effective number of pooled tokens, :math:`T_{\rm eff} = (\sum_t w_t^2)^2/\sum_t w_t^4`.

    It is T for mean pooling, 1 for a single token, and between the two otherwise (the
    inverse participation ratio of :math:`w_t^2/\kappa`).

    Parameters
    ----------
    weights : array_like, shape (T,)
        Pooling weights, not all zero.
    """
    w = check_weights(weights)
    w2 = w * w
    return float(w2.sum() ** 2 / np.sum(w2 * w2))


def count_spectrum(counts, *, center: bool = True) -> np.ndarray:
    r"""Eigenvalues of :math:`M = A^\top A`, the population side of the pooled noise.

    With ``center=True`` M is projected off the all-ones direction, :math:`PMP` with
    :math:`P = I - \mathbf 1\mathbf 1^\top/V`, which is what centering the table does
    (the rows of a centered table sum to zero).

    Parameters
    ----------
    counts : PooledData or array_like or scipy.sparse matrix, shape (N, V)
        The token-count matrix A, or pooled data (:func:`attnrmt_lib.pool_sequences`), whose
        ``A`` is used.
    center : bool, default True
        Project off the constant direction (use the ``center_table`` of the data). The
        projection is rank one along a delocalised vector, so it moves one eigenvalue to
        zero and the others by O(1/V); without it, pooling a single token gives the
        diagonal of word counts at no cost, however large V.

    Returns
    -------
    numpy.ndarray, shape (V,)
        Ascending eigenvalues (the ``V - N`` structural zeros included when V > N).
    """
    A = counts.A if isinstance(counts, PooledData) else counts
    A = scipy.sparse.csr_matrix(A, dtype=float)
    if A.ndim != 2 or min(A.shape) == 0:
        raise ValueError(f"counts must be a non-empty N x V matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A.data)):
        raise ValueError("counts must contain only finite numbers")
    return _count_eigenvalues(A, center)


def _count_eigenvalues(A, center: bool) -> np.ndarray:
    # The nonzero eigenvalues of P A^T A P are those of the smaller Gram matrix.
    N, V = A.shape
    A.sum_duplicates()
    if not center and np.all(np.diff(A.indptr) <= 1):
        # One word per sequence (a single pooled token): M is the diagonal of word counts.
        return np.sort(np.asarray(A.multiply(A).sum(axis=0), dtype=float).ravel())
    if N <= V:
        G = (A @ A.T).toarray()
        if center:
            rows = np.asarray(A.sum(axis=1)).ravel()
            G -= np.outer(rows, rows) / V
    else:
        G = (A.T @ A).toarray()
        if center:
            cols = G.sum(axis=1)
            G += G.sum() / V**2 - (cols[:, None] + cols[None, :]) / V
    eig = np.clip(np.linalg.eigvalsh(G), 0.0, None)
    return np.sort(np.concatenate([np.zeros(V - eig.size), eig]))


def _check_law(count_eigenvalues, delta, gamma) -> tuple[np.ndarray, float, float]:
    t = np.asarray(count_eigenvalues, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"count_eigenvalues must be a non-empty 1-D array, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0) or not np.any(t > 0):
        raise ValueError("count_eigenvalues must be finite, >= 0 and not all zero")
    return t, check_positive(delta, "delta"), check_positive(gamma, "gamma")


def count_bulk_density(x, count_eigenvalues, delta: float, gamma: float) -> np.ndarray:
    r"""Limiting density of the pooled noise spectrum given the count spectrum.

    .. math::

        f(\lambda) = \frac{1}{\delta\gamma}\, g\!\left(\frac{\lambda}{\gamma}\right),
        \qquad g = \text{density of } H_M \boxtimes \mathrm{MP}_{1/\delta},

    with :math:`H_M` the spectrum of :math:`M = A^\top A` (:func:`count_spectrum`): the
    V×V companion matrix has V/d times as many eigenvalues as S, all scaled by γ.

    Parameters
    ----------
    x : array_like
        Eigenvalues of S (same units as :func:`attnrmt_lib.simulate`).
    count_eigenvalues : array_like, shape (V,)
        Spectrum of M.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    """
    t, delta, gamma = _check_law(count_eigenvalues, delta, gamma)
    x = np.asarray(x, dtype=float)
    return sample_density(x / gamma, t, 1.0 / delta) / (delta * gamma)


def count_bulk_edge(count_eigenvalues, delta: float, gamma: float) -> float:
    """Upper end of the support of :func:`count_bulk_density` (the top noise eigenvalue)."""
    t, delta, gamma = _check_law(count_eigenvalues, delta, gamma)
    return float(gamma * sample_support(t, 1.0 / delta)[-1][1])


def count_bulk_cdf(x, count_eigenvalues, delta: float, gamma: float, *,
                   nodes: int = 400) -> np.ndarray:
    r"""Cumulative distribution of the pooled noise spectrum given the count spectrum.

    The atom at zero, :math:`1 - (1 - a)/\delta` with a the atom of
    :math:`H_M\boxtimes\mathrm{MP}_{1/\delta}` (S has d eigenvalues, the companion V), plus
    the density integrated over each interval of the support on ``nodes`` Chebyshev
    points (which resolves the square-root edges).

    Parameters
    ----------
    x : array_like
        Points at which to evaluate F.
    count_eigenvalues : array_like, shape (V,)
        Spectrum of M.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    nodes : int, default 400
        Grid points per support interval.
    """
    t, delta, gamma = _check_law(count_eigenvalues, delta, gamma)
    nodes = check_int(nodes, "nodes", 8)
    grid, mass = [0.0], [1.0 - (1.0 - sample_atom(t, 1.0 / delta)) / delta]
    theta = np.linspace(0.0, np.pi, nodes)
    for lo, hi in sample_support(t, 1.0 / delta):
        y = lo + (hi - lo) * (1.0 - np.cos(theta)) / 2.0
        f = sample_density(y, t, 1.0 / delta) / delta
        steps = np.concatenate([[0.0], np.cumsum(np.diff(y) * (f[1:] + f[:-1]) / 2.0)])
        grid.extend(gamma * y)
        mass.extend(mass[-1] + steps)
    grid, mass = np.asarray(grid), np.asarray(mass)
    x = np.asarray(x, dtype=float)
    return np.where(x < 0, 0.0, np.interp(x, grid, np.minimum(mass, 1.0), right=1.0))
