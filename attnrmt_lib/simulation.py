r"""Finite-dimensional simulation of the pooled sequence model.

Sequence n has tokens :math:`x_{n,t}` drawn uniformly from a vocabulary of V rows of a
Gaussian table Z (centered by default), class signs :math:`\xi_{n,t}` from a positional
model, and embeddings :math:`X^{(n)}_t = \xi_{n,t}\mu + z_{x_{n,t}}`. Pooling with weights w
gives :math:`C = AZ + (\Xi w)\mu^\top` with the sparse token-count matrix
:math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]`, so the N×T×d tensor of embeddings is never built.

Two ways to read the spectrum of :math:`S = C^\top C/N`:

- ``method="dense"`` (default) forms S and diagonalises it: every eigenvalue, exactly,
  for :math:`O(Nd^2 + d^3)` flops and :math:`O(d^2)` memory (d = 1,000: a fraction of a
  second; d = 10,000: minutes).
- ``method="lanczos"`` never forms S (:mod:`attnrmt_lib.matrix_free`): the top eigenpair
  by Lanczos and the bulk density by the kernel polynomial method, from products
  :math:`SX` at :math:`O(Vd + NT)` flops per vector and :math:`O(Vd)` memory (d = 10,000:
  well under a minute). Same seed, same table, tokens and signs as the dense path, so the
  two agree on the top eigenvalue and the alignment to solver precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.linalg.lapack

from ._validation import check_int, check_nonnegative, check_positive, check_weights
from .correlation import PositionalModel
from .matrix_free import MIN_DIMENSION, PooledCovariance, estimate_spectrum
from .sampling import (
    TABLE_DTYPES,
    as_generator,
    count_matrix,
    gaussian_table,
    random_direction,
    uniform_tokens,
)
from .weights import causal_attention_weights

__all__ = ["CausalAttention", "ModelDraw", "SimulationResult", "draw_model", "simulate"]

METHODS = ("dense", "lanczos")

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
    eigenvalues : numpy.ndarray or None
        All d eigenvalues of S = C^T C / N, ascending (``method="dense"``); None for
        ``method="lanczos"``, which never computes them: use ``density_grid`` and
        ``density`` for the bulk and ``top_eigenvalue`` for the outlier.
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
    method : str
        ``"dense"`` or ``"lanczos"``.
    density_grid, density, density_error : numpy.ndarray or None
        ``method="lanczos"`` only (None otherwise): a uniform grid (units of S, like the
        eigenvalues; divide by κ for units of κ), the kernel-polynomial estimate of the
        spectral density of S there without its top eigenvalue, normalised by d (so it
        integrates to (d - 1)/d, like a histogram of the other eigenvalues divided by d),
        and its standard error over the random probes. It is the Jackson-smoothed
        spectral density (resolution about the grid range × π/(2 × density_moments)),
        estimated without bias; compare it with
        :func:`attnrmt_lib.matrix_free.smoothed_bulk_density`, or with the bulk law
        away from the edges. None also when ``density_probes=0``.
    density_moments : int or None
        The number K of Chebyshev moments behind ``density`` (None without a density).
        The estimate's interval is ``(grid[0] - h/2, grid[-1] + h/2)``, h the grid step.
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
    method: str = "dense"
    density_grid: np.ndarray | None = None
    density: np.ndarray | None = None
    density_error: np.ndarray | None = None
    density_moments: int | None = None


def _spectrum_and_top_vector(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All eigenvalues of the symmetric S (ascending) and a unit top eigenvector.

    Only the lower triangle of ``S`` is read, and ``S`` is overwritten.

    One Householder tridiagonalisation Q^T S Q = T (blocked LAPACK ``sytrd``, the bulk of
    what ``eigvalsh`` costs) serves both: the eigenvalues of T by ``sterf``, the top
    eigenvector of T by ``stemr`` (O(d)), mapped back through the reflectors (O(d²)). So
    the eigenvector costs no more than the eigenvalues alone.
    """
    d = S.shape[0]
    if d == 1:
        return S[0].copy(), np.ones(1)
    lwork, _ = scipy.linalg.lapack.dsytrd_lwork(d, lower=1)
    # Reads the lower triangle only and overwrites S in place (the caller no longer needs
    # it); S in Fortran order avoids a copy.
    refl, diag, off, tau, info = scipy.linalg.lapack.dsytrd(S, lower=1, lwork=int(lwork),
                                                            overwrite_a=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"tridiagonalisation failed (LAPACK info {info})")
    eigenvalues = scipy.linalg.eigvalsh_tridiagonal(diag, off, lapack_driver="sterf")
    _, y = scipy.linalg.eigh_tridiagonal(diag, off, select="i", select_range=(d - 1, d - 1))
    v = y[:, 0].copy()
    # Q = H(0) H(1) ... H(d-2), H(i) = I - tau_i h h^T with h = (0, ..., 0, 1, refl[i+2:, i]).
    for i in range(d - 2, -1, -1):
        h = refl[i + 1:, i].copy()
        h[0] = 1.0
        v[i + 1:] -= tau[i] * (h @ v[i + 1:]) * h
    return eigenvalues, v / np.linalg.norm(v)


@dataclass(frozen=True, eq=False)
class ModelDraw:
    """One draw of the model: table, its mean row, signal direction, tokens and signs.

    ``rng`` is the Generator they were drawn from, positioned after them (the matrix-free
    path of :func:`simulate` draws its probe vectors from it).
    """

    Z: np.ndarray
    zbar: np.ndarray
    u: np.ndarray
    tokens: np.ndarray
    signs: np.ndarray
    rng: np.random.Generator


def draw_model(*, d, delta, gamma, correlation, mu_norm2, seed=0, center_table=True,
               table_dtype="float64") -> ModelDraw:
    """Validate the model's arguments and draw its randomness, in a fixed order.

    The table (V = round(d/δ) rows, :func:`attnrmt_lib.sampling.gaussian_table`), the
    signal direction, N = round(d/γ) sequences of uniform tokens and their signs, all from
    one Generator. :func:`simulate` and :func:`attnrmt_lib.pool_sequences` both draw
    through here, so the same seed gives them the same table, direction, tokens and signs.
    """
    d = check_int(d, "d", 1)
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    check_nonnegative(mu_norm2, "mu_norm2")
    if not isinstance(correlation, PositionalModel):
        raise ValueError(
            "correlation must be a positional model such as iid(T) or label_model(s), "
            f"got {type(correlation).__name__}"
        )
    V = max(1, round(d / delta))
    N = max(1, round(d / gamma))
    if center_table and V < 2:
        raise ValueError(f"d/delta must give a vocabulary of at least 2 rows to center, got V = {V}")
    rng = as_generator(seed)
    Z, zbar = gaussian_table(V, d, center=center_table, dtype=table_dtype, seed=rng)
    u = random_direction(d, seed=rng)
    tokens = uniform_tokens(V, N, correlation.T, seed=rng)
    signs = correlation.sample(N, rng)
    return ModelDraw(Z=Z, zbar=zbar, u=u, tokens=tokens, signs=signs, rng=rng)


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
    method: str = "dense",
    density_probes: int = 16,
    density_moments: int = 128,
    table_dtype: str = "float64",
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
    method : {"dense", "lanczos"}, default "dense"
        ``"dense"``: form S and compute all its eigenvalues. ``"lanczos"``: matrix-free
        (needs d >= 16); ``eigenvalues`` is None, the bulk comes as ``density_grid``,
        ``density``, ``density_error`` (see :class:`SimulationResult` and
        :mod:`attnrmt_lib.matrix_free`). Both draw the same table, tokens and signs
        from the same seed.
    density_probes : int, default 16
        ``"lanczos"`` only: random probe vectors of the density estimate (its standard
        error shrinks like 1/√(probes × d)); 0 skips the density (top eigenpair only,
        the fast choice for Monte Carlo sweeps).
    density_moments : int, default 128
        ``"lanczos"`` only: Chebyshev moments of the density estimate (its resolution);
        each two cost one product of S with all probes.
    table_dtype : {"float64", "float32"}, default "float64"
        ``"lanczos"`` only: precision in which the table is stored and multiplied.
        float32 halves memory and roughly halves the time of every product; it moves
        the top eigenvalue and alignment by ~1e-7 relative, far below their d^(-1/2)
        finite-size fluctuations (see ``benchmarks/scale.py``).

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from attnrmt_lib import simulate, mean_weights, iid
    >>> r = simulate(d=200, delta=0.5, gamma=0.5, weights=mean_weights(8),
    ...              correlation=iid(8), mu_norm2=3.0, seed=1)
    >>> r.rho  # α‖μ‖²/κ, and α = κ for i.i.d. signs
    3.0
    >>> big = simulate(d=500, delta=0.5, gamma=0.5, weights=mean_weights(16),
    ...                correlation=iid(16), mu_norm2=3.0, method="lanczos")
    >>> big.eigenvalues is None, big.density.shape
    (True, (400,))
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if table_dtype not in TABLE_DTYPES:
        raise ValueError(f"table_dtype must be one of {TABLE_DTYPES}, got {table_dtype!r}")
    density_probes = check_int(density_probes, "density_probes", 0)
    density_moments = check_int(density_moments, "density_moments", 2)
    d = check_int(d, "d", 1)
    if method == "lanczos" and d < MIN_DIMENSION:
        raise ValueError(f"method='lanczos' needs d >= {MIN_DIMENSION}, got d = {d}; "
                         "use method='dense' for small matrices")
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    causal = isinstance(weights, CausalAttention)
    if causal:
        tau = check_nonnegative(weights.tau, "tau")
    elif isinstance(correlation, PositionalModel):
        w = check_weights(weights, correlation.T)
    draw = draw_model(d=d, delta=delta, gamma=gamma, correlation=correlation,
                      mu_norm2=mu_norm2, seed=seed, center_table=center_table,
                      table_dtype=table_dtype if method == "lanczos" else "float64")
    Z, u, tokens, signs, rng = draw.Z, draw.u, draw.tokens, draw.signs, draw.rng
    (N, T), V = tokens.shape, Z.shape[0]
    mu = np.sqrt(mu_norm2) * u

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

    A = count_matrix(W, tokens, V)
    scalars = dict(kappa=kappa, alpha=alpha, rho=alpha * mu_norm2 / kappa, d=d, V=V, N=N, T=T,
                   delta=d / V, gamma=d / N, mu_norm2=mu_norm2, weights=W.mean(axis=0))
    if method == "lanczos":
        b = np.einsum("nt,nt->n", W, signs)
        est = estimate_spectrum(PooledCovariance(Z, A, b, mu), rng, n_probes=density_probes,
                                n_moments=density_moments)
        return SimulationResult(
            eigenvalues=None,
            top_eigenvalue=est.top_eigenvalue,
            overlap=float((est.top_eigenvector @ u) ** 2),
            **scalars,
            method="lanczos",
            density_grid=est.grid,
            density=est.density,
            density_error=est.density_error,
            density_moments=None if est.density is None else density_moments,
        )
    C = A @ Z
    C += np.multiply.outer(np.einsum("nt,nt->n", W, signs), mu)
    # Only the lower triangle of S = C^T C / N is formed (BLAS syrk, half the flops of a
    # product), in the Fortran order the LAPACK tridiagonalisation reads.
    S = scipy.linalg.blas.dsyrk(1.0 / N, C.T, lower=1)
    eigenvalues, v = _spectrum_and_top_vector(S)
    return SimulationResult(
        eigenvalues=eigenvalues,
        top_eigenvalue=float(eigenvalues[-1]),
        overlap=float((v @ u) ** 2),
        **scalars,
    )
