r"""The pooled data themselves, and the table of α/κ across poolings and sign models.

:func:`pool_sequences` draws the model of :func:`attnrmt_lib.simulate` and keeps every
ingredient: the vocabulary table Z (V×d), its mean row :math:`\bar z` (removed when the
table is centered), the tokens, the class signs Ξ (N×T), the signal μ and the pooled matrix

.. math::

    C = AZ + (\Xi w)\mu^\top, \qquad A_{n,v} = \sum_t w_t\,1[x_{n,t} = v],

built from the sparse token-count matrix A, so that the N×T×d tensor of token embeddings
:math:`X^{(n)}_t = \xi_{n,t}\mu + z_{x_{n,t}}` is never formed. With the same arguments and
seed it draws exactly the data of :func:`attnrmt_lib.simulate` (fixed weights), so
``pool_sequences(...).covariance()`` has the spectrum of ``simulate(...)``.

:func:`snr_table` tabulates the ratio :math:`\alpha/\kappa = w^\top Rw/\|w\|^2` through which
attention enters the theory (Seddik 2026), for several poolings under several sign models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from ._validation import check_nonnegative, check_weights
from .correlation import PositionalModel
from .sampling import count_matrix
from .simulation import draw_model
from .weights import snr

__all__ = ["PooledData", "pool_sequences", "snr_table"]


@dataclass(frozen=True, eq=False)
class PooledData:
    r"""Pooled sequences of the model, with everything they were built from.

    Attributes
    ----------
    C : numpy.ndarray, shape (N, d)
        Pooled vectors :math:`c_n = \sum_t w_t X^{(n)}_t`, one per row.
    A : scipy.sparse.csr_matrix, shape (N, V)
        Token-count matrix :math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]`.
    Z : numpy.ndarray, shape (V, d)
        The vocabulary table used (centered unless ``center_table=False``).
    zbar : numpy.ndarray, shape (d,)
        Mean row of the raw Gaussian table, :math:`\bar z`; it was subtracted from ``Z``
        when the table is centered and is still inside ``Z`` otherwise.
    tokens : numpy.ndarray of int, shape (N, T)
        Token indices :math:`x_{n,t}`.
    signs : numpy.ndarray, shape (N, T)
        Class signs :math:`\xi_{n,t}`.
    u : numpy.ndarray, shape (d,)
        Unit signal direction; μ = sqrt(mu_norm2) u.
    mu_norm2 : float
        ‖μ‖².
    weights : numpy.ndarray, shape (T,)
        Pooling weights w.
    R : numpy.ndarray, shape (T, T)
        Positional correlation matrix of the signs.
    """

    C: np.ndarray
    A: scipy.sparse.csr_matrix
    Z: np.ndarray
    zbar: np.ndarray
    tokens: np.ndarray
    signs: np.ndarray
    u: np.ndarray
    mu_norm2: float
    weights: np.ndarray
    R: np.ndarray

    @property
    def N(self) -> int:
        return self.C.shape[0]

    @property
    def d(self) -> int:
        return self.C.shape[1]

    @property
    def V(self) -> int:
        return self.Z.shape[0]

    @property
    def T(self) -> int:
        return self.weights.size

    @property
    def delta(self) -> float:
        """Realised ratio d/V."""
        return self.d / self.V

    @property
    def gamma(self) -> float:
        """Realised ratio d/N."""
        return self.d / self.N

    @property
    def kappa(self) -> float:
        """κ = ‖w‖²."""
        return float(self.weights @ self.weights)

    @property
    def alpha(self) -> float:
        """α = wᵀRw."""
        return float(self.weights @ self.R @ self.weights)

    @property
    def rho(self) -> float:
        """Effective signal-to-noise ratio ρ = α‖μ‖²/κ."""
        return self.alpha * self.mu_norm2 / self.kappa

    @property
    def mu(self) -> np.ndarray:
        """The signal μ = sqrt(‖μ‖²) u."""
        return np.sqrt(self.mu_norm2) * self.u

    @property
    def signal(self) -> np.ndarray:
        r"""Signal coefficient of each pooled vector, :math:`(\Xi w)_n = \sum_t w_t\xi_{n,t}`."""
        return self.signs @ self.weights

    def covariance(self) -> np.ndarray:
        r"""The sample covariance :math:`S = C^\top C/N` (d×d, not re-centered)."""
        return self.C.T @ self.C / self.N

    def embeddings(self) -> np.ndarray:
        r"""The dense N×T×d tensor :math:`X^{(n)}_t = \xi_{n,t}\mu + z_{x_{n,t}}`.

        Only for checking the sparse form on small examples: it takes N·T·d floats.
        """
        return self.Z[self.tokens] + self.signs[:, :, None] * self.mu


def pool_sequences(
    *,
    d: int,
    delta: float,
    gamma: float,
    weights,
    correlation: PositionalModel,
    mu_norm2: float,
    seed=0,
    center_table: bool = True,
) -> PooledData:
    r"""Draw N sequences of the model and pool them with fixed weights.

    The table has V = round(d/δ) rows of i.i.d. N(0, I_d) entries, centered unless
    ``center_table=False``; there are N = round(d/γ) sequences of T uniform tokens; the
    signs come from ``correlation``; μ has squared norm ``mu_norm2`` in a uniformly random
    direction. The pooled matrix is :math:`C = AZ + (\Xi w)\mu^\top` with the sparse
    token-count matrix A (memory O(NT + Vd + Nd) instead of O(NTd)). Same arguments and
    seed as :func:`attnrmt_lib.simulate` give the same random draws.

    Parameters
    ----------
    d : int
        Embedding dimension >= 1.
    delta, gamma : float
        Target ratios d/V and d/N (> 0).
    weights : array_like, shape (T,)
        Fixed pooling weights.
    correlation : PositionalModel
        Sign model, e.g. :func:`attnrmt_lib.label_model`; fixes T.
    mu_norm2 : float
        ‖μ‖² >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same data.
    center_table : bool, default True
        Subtract the mean row :math:`\bar z` from the table.

    Returns
    -------
    PooledData

    Examples
    --------
    >>> from attnrmt_lib import iid, mean_weights
    >>> data = pool_sequences(d=50, delta=0.5, gamma=0.5, weights=mean_weights(4),
    ...                       correlation=iid(4), mu_norm2=1.0)
    >>> data.C.shape, data.A.nnz <= data.N * data.T
    ((100, 50), True)
    """
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    if isinstance(correlation, PositionalModel):
        w = check_weights(weights, correlation.T)
    draw = draw_model(d=d, delta=delta, gamma=gamma, correlation=correlation,
                      mu_norm2=mu_norm2, seed=seed, center_table=center_table)
    Z, zbar, u, tokens, signs = draw.Z, draw.zbar, draw.u, draw.tokens, draw.signs
    A = count_matrix(w, tokens, Z.shape[0])
    A.sum_duplicates()
    C = A @ Z
    C += np.multiply.outer(signs @ w, np.sqrt(mu_norm2) * u)
    return PooledData(C=C, A=A, Z=Z, zbar=zbar, tokens=tokens, signs=signs, u=u,
                      mu_norm2=mu_norm2, weights=w.copy(), R=correlation.R)


def snr_table(weights: dict, models: dict) -> np.ndarray:
    r"""The ratio α/κ = wᵀRw/‖w‖² for every pooling (rows) under every sign model (columns).

    Parameters
    ----------
    weights : dict
        Pooling name -> weights of shape (T,), or a callable taking R and returning the
        weights (e.g. :func:`attnrmt_lib.optimal_weights`, which gives :math:`\lambda_{max}(R)`).
    models : dict
        Model name -> :class:`~attnrmt_lib.PositionalModel` or a T×T correlation matrix.

    Returns
    -------
    numpy.ndarray, shape (len(weights), len(models))
        Entry (i, j) is α/κ of pooling i under model j; ρ = (α/κ)‖μ‖².

    Examples
    --------
    >>> from attnrmt_lib import iid, exchangeable, mean_weights, token_weights
    >>> snr_table({"mean": mean_weights(4), "first": token_weights(4, 0)},
    ...           {"iid": iid(4), "exch": exchangeable(4, 0.5)}).round(3).tolist()
    [[1.0, 2.5], [1.0, 1.0]]
    """
    if not isinstance(weights, dict) or not weights:
        raise ValueError("weights must be a non-empty dict of name -> weights or callable(R)")
    if not isinstance(models, dict) or not models:
        raise ValueError("models must be a non-empty dict of name -> PositionalModel or R")
    table = np.empty((len(weights), len(models)))
    for j, model in enumerate(models.values()):
        R = model.R if isinstance(model, PositionalModel) else np.asarray(model, dtype=float)
        for i, w in enumerate(weights.values()):
            table[i, j] = snr(w(R) if callable(w) else w, R)
    return table
