r"""Matrix-free spectra of the pooled sample covariance, for dimensions in the tens of thousands.

The dense simulator forms :math:`S = C^\top C/N` (:math:`N d^2` flops) and diagonalises it
(:math:`d^3`): minutes at d = 10,000. Everything the theory predicts about S can be read
off products :math:`S X` instead, and those never need the d × d matrix. With the pooled
data :math:`C = AZ + b\mu^\top` (sparse token counts A, table Z, per-sequence signal
coefficients :math:`b_n = \sum_t w_{n,t}\xi_{n,t}`),

.. math::

    C X = A(ZX) + b(\mu^\top X), \qquad C^\top Y = Z^\top(A^\top Y) + \mu(b^\top Y),
    \qquad SX = C^\top(CX)/N,

two passes over the V × d table and two sparse products with N·T entries:
:math:`O(Vd + NT)` per vector, memory :math:`O(Vd)`.

- Top eigenpair: Lanczos (ARPACK's implicitly restarted Lanczos through
  :func:`scipy.sparse.linalg.eigsh`) on a :class:`~scipy.sparse.linalg.LinearOperator`,
  from a seeded start vector. A separated outlier converges in a few dozen products.
- Bulk density: the kernel polynomial method (KPM; Weiße, Wellein, Alvermann & Fehske,
  Rev. Mod. Phys. 78, 275, 2006) with Hutchinson's stochastic trace estimator. With
  :math:`\tilde S = (S - c)/h` mapping the spectrum into [-1, 1] and m random probe
  vectors :math:`z_p`, the Chebyshev moments

  .. math::

      \mu_k = \frac{1}{d}\operatorname{tr} T_k(\tilde S)
            \approx \frac{1}{md}\sum_{p=1}^{m} z_p^\top T_k(\tilde S) z_p

  give the Jackson-damped density
  :math:`f_K(\lambda) = \big[g_0\mu_0 + 2\sum_{k\ge 1} g_k\mu_k T_k(\tilde\lambda)\big] /
  \big(\pi h\sqrt{1 - \tilde\lambda^2}\big)`. All probes advance together, so every step
  is a matrix-matrix product (BLAS-3); the doubling identities
  :math:`T_{2k} = 2T_k^2 - T_0`, :math:`T_{2k+1} = 2T_{k+1}T_k - T_1` give K moments from
  K/2 products. The estimator is unbiased for the Jackson-smoothed spectral density of
  the matrix itself (:func:`kpm_density_of_eigenvalues` computes that exactly from a
  list of eigenvalues), with a standard error that shrinks like :math:`(md)^{-1/2}`.

The top eigenvector is deflated before the density is estimated (probes are projected
orthogonally to it), so the outlier neither stretches the Chebyshev interval nor appears
in the bulk estimate; the density then describes the other d - 1 eigenvalues and is
normalised by d, like the histograms of :func:`attnrmt_lib.plot_spectrum`. The upper end
of the interval comes from a short Lanczos run and the Kuczyński–Woźniakowski bound
(SIAM J. Matrix Anal. Appl. 13, 1094, 1992): for a positive semi-definite matrix, k
Lanczos steps from a random start leave the largest Ritz value below
:math:`(1 - \varepsilon)\lambda_{max}` with probability at most
:math:`1.648\sqrt{d}\,e^{-\sqrt{\varepsilon}(2k - 1)}` (k = 40, ε = 0.05: below 4e-6 at
d = 10,000), so the interval ends at :math:`\theta_{max}/(1 - \varepsilon)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, eigsh

from ._validation import check_int, check_positive
from .bulk import bulk_atom, bulk_edges, bulk_quadrature

__all__ = [
    "PooledCovariance",
    "SpectrumEstimate",
    "estimate_spectrum",
    "jackson_kernel",
    "kpm_density",
    "kpm_density_of_eigenvalues",
    "kpm_moments",
    "smoothed_bulk_density",
    "top_eigenpair",
]

# Lanczos steps and relative margin for the upper end of the KPM interval (module docstring).
_BOUND_STEPS = 40
_BOUND_EPS = 0.05
# Lower end of the KPM interval, as a fraction of the upper one: S is PSD, the margin only
# keeps rounding-level negative eigenvalues (the atom at zero) strictly inside.
_LOWER_MARGIN = 1e-3
# Smallest dimension the Lanczos path accepts (ARPACK needs room for its Krylov basis).
MIN_DIMENSION = 16


class PooledCovariance:
    r"""The pooled sample covariance :math:`S = C^\top C/N` as products, never as a matrix.

    Parameters
    ----------
    Z : numpy.ndarray, shape (V, d)
        Token table (float64, or float32 to halve memory and bandwidth).
    A : scipy.sparse matrix, shape (N, V)
        Pooling weights per (sequence, token): :math:`A_{n,v} = \sum_t w_{n,t}1[x_{n,t} = v]`.
    b : numpy.ndarray, shape (N,)
        Signal coefficients :math:`b_n = \sum_t w_{n,t}\xi_{n,t}`.
    mu : numpy.ndarray, shape (d,)
        The signal vector μ.

    Notes
    -----
    ``apply(X)`` computes :math:`SX = \big(Z^\top A^\top(A Z X + b\mu^\top X) +
    \mu\, b^\top(AZX + b\mu^\top X)\big)/N` for X of shape (d,) or (d, m); the two table
    products run in the table's precision, everything else in float64. ``products``
    counts the vectors multiplied so far.
    """

    def __init__(self, Z: np.ndarray, A, b: np.ndarray, mu: np.ndarray):
        if Z.ndim != 2 or Z.dtype not in (np.float32, np.float64):
            raise ValueError(f"Z must be a 2-D float32 or float64 array, got {Z.dtype} {Z.shape}")
        self.Z = Z
        self.V, self.d = Z.shape
        self.A = scipy.sparse.csr_matrix(A, dtype=np.float64)
        self.N = self.A.shape[0]
        if self.A.shape[1] != self.V:
            raise ValueError(f"A must have V = {self.V} columns, got shape {self.A.shape}")
        self.AT = self.A.T.tocsr()
        self.b = np.asarray(b, dtype=np.float64)
        self.mu = np.asarray(mu, dtype=np.float64)
        self.products = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (self.d, self.d)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """S X for X of shape (d,) or (d, m), returned in float64."""
        X = np.asarray(X, dtype=np.float64)
        vector = X.ndim == 1
        if vector:
            X = X[:, None]
        self.products += X.shape[1]
        dt = self.Z.dtype
        CX = self.A @ (self.Z @ X.astype(dt, copy=False))                 # (N, m)
        CX = CX.astype(np.float64, copy=False) + np.outer(self.b, self.mu @ X)
        SX = self.Z.T @ (self.AT @ CX).astype(dt, copy=False)            # (d, m)
        SX = SX.astype(np.float64, copy=False) + np.outer(self.mu, self.b @ CX)
        SX /= self.N
        return SX[:, 0] if vector else SX

    def as_linear_operator(self) -> LinearOperator:
        """A :class:`scipy.sparse.linalg.LinearOperator` (symmetric) for SciPy's solvers."""
        return LinearOperator(self.shape, matvec=self.apply, matmat=self.apply,
                              rmatvec=self.apply, rmatmat=self.apply, dtype=np.float64)


def _deflated(apply, v: np.ndarray | None):
    """X ↦ P S P X with P = I - v v^T (identity when v is None)."""
    if v is None:
        return apply

    def deflated(X):
        Y = X - np.multiply.outer(v, v @ X)
        SY = apply(Y)
        return SY - np.multiply.outer(v, v @ SY)

    return deflated


def top_eigenpair(operator: PooledCovariance, v0: np.ndarray, *, tol: float | None = None):
    """Largest eigenvalue of S and its unit eigenvector, by Lanczos (ARPACK) from ``v0``.

    Parameters
    ----------
    operator : PooledCovariance
    v0 : numpy.ndarray, shape (d,)
        Start vector (draw it from the simulation's generator: same seed, same result).
    tol : float, optional
        ARPACK's relative residual tolerance; default 1e-10 for a float64 table and 1e-5
        for a float32 one (whose products carry ~1e-7 relative rounding).

    Returns
    -------
    (float, numpy.ndarray)
    """
    d = operator.d
    if tol is None:
        tol = 1e-10 if operator.Z.dtype == np.float64 else 1e-5
    ncv = min(d - 1, 32)
    vals, vecs = eigsh(operator.as_linear_operator(), k=1, which="LA", v0=v0, tol=tol,
                       ncv=ncv, maxiter=max(1000, 10 * d))
    lam, v = float(vals[0]), vecs[:, 0] / np.linalg.norm(vecs[:, 0])
    # ARPACK stops when its residual estimate is below tol·|θ|; check the true residual
    # (one more product) so that a stalled run cannot pass as an eigenpair.
    residual = float(np.linalg.norm(operator.apply(v[:, None])[:, 0] - lam * v))
    if not residual <= 10.0 * tol * abs(lam):
        raise RuntimeError(f"top_eigenpair: Lanczos did not converge: residual "
                           f"||Sv - lambda v|| = {residual:.3g} > 10 tol |lambda| = "
                           f"{10.0 * tol * abs(lam):.3g}")
    return lam, v


def _lanczos_upper_bound(apply, start: np.ndarray, steps: int, eps: float) -> float:
    """θ_max/(1 - ε) after ``steps`` Lanczos steps (full reorthogonalisation) from ``start``."""
    d = start.size
    steps = max(1, min(steps, d - 1))
    Q = np.zeros((d, steps + 1))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    Q[:, 0] = start / np.linalg.norm(start)
    m = steps
    for j in range(steps):
        w = apply(Q[:, j])
        alpha[j] = Q[:, j] @ w
        w -= Q[:, : j + 1] @ (Q[:, : j + 1].T @ w)
        w -= Q[:, : j + 1] @ (Q[:, : j + 1].T @ w)
        beta[j] = np.linalg.norm(w)
        if beta[j] <= 1e-12 * max(abs(alpha[: j + 1]).max(), 1e-300):
            m = j + 1  # invariant subspace: the Ritz values are exact eigenvalues
            break
        Q[:, j + 1] = w / beta[j]
    theta = alpha[:1] if m == 1 else scipy.linalg.eigvalsh_tridiagonal(alpha[:m], beta[: m - 1])
    return float(theta.max()) / (1.0 - eps)


def jackson_kernel(n_moments: int) -> np.ndarray:
    r"""Jackson damping factors :math:`g_k`, k = 0..K-1, for a K-moment Chebyshev expansion.

    :math:`g_k = \big[(K - k + 1)\cos\frac{\pi k}{K+1} + \sin\frac{\pi k}{K+1}
    \cot\frac{\pi}{K+1}\big]/(K + 1)` (Weiße et al. 2006). The damped expansion of
    a delta function is a positive kernel of width about :math:`\pi/K` (in the rescaled
    variable), so the KPM density is non-negative and free of Gibbs oscillations.
    """
    K = check_int(n_moments, "n_moments", 1)
    k = np.arange(K)
    q = np.pi / (K + 1)
    return ((K - k + 1) * np.cos(q * k) + np.sin(q * k) / np.tan(q)) / (K + 1)


def kpm_moments(apply, probes: np.ndarray, bounds: tuple[float, float], n_moments: int,
                *, normalise: float | None = None) -> np.ndarray:
    r"""Per-probe Chebyshev moments :math:`z_p^\top T_k(\tilde S) z_p / d'` of a symmetric operator.

    Parameters
    ----------
    apply : callable
        X ↦ S X for X of shape (d, m); called with all probes at once.
    probes : numpy.ndarray, shape (d, m)
        Probe vectors (Rademacher or Gaussian for the stochastic trace; the identity
        gives the exact moments).
    bounds : (float, float)
        Interval (a, b) containing the spectrum; :math:`\tilde S = (2S - (a + b))/(b - a)`.
    n_moments : int
        K >= 1 moments, from ceil(K/2) block products (doubling identities).
    normalise : float, optional
        Divide by this (default: d, the number of rows).

    Returns
    -------
    numpy.ndarray, shape (m, K)

    Raises
    ------
    ValueError
        If a moment exceeds the probe's norm, i.e. the spectrum leaves ``bounds``.
    """
    K = check_int(n_moments, "n_moments", 1)
    a, b = bounds
    if not b > a:
        raise ValueError(f"bounds must satisfy a < b, got {bounds}")
    c, h = (a + b) / 2.0, (b - a) / 2.0
    probes = np.asarray(probes, dtype=np.float64)
    d, m = probes.shape
    scale = float(d if normalise is None else normalise)

    def rescaled(X):
        return (apply(X) - c * X) / h

    dots = np.empty((m, K))  # dots[:, j]: z^T T_j z, filled from ⟨v_k, v_k⟩ and ⟨v_{k+1}, v_k⟩
    v_prev = probes
    mu0 = np.einsum("ij,ij->j", probes, probes)
    dots[:, 0] = mu0
    if K > 1:
        v_cur = rescaled(probes)
        mu1 = np.einsum("ij,ij->j", probes, v_cur)
        dots[:, 1] = mu1
        k = 1
        while 2 * k < K:
            # v_prev = T_{k-1} z, v_cur = T_k z
            dots[:, 2 * k] = 2.0 * np.einsum("ij,ij->j", v_cur, v_cur) - mu0
            if 2 * k + 1 < K:
                v_next = 2.0 * rescaled(v_cur) - v_prev
                dots[:, 2 * k + 1] = 2.0 * np.einsum("ij,ij->j", v_next, v_cur) - mu1
                v_prev, v_cur = v_cur, v_next
            k += 1
    # |T_k(x)| <= 1 on [-1, 1], so |z^T T_k z| <= |z|^2 whenever the spectrum lies inside.
    if np.any(np.abs(dots) > mu0[:, None] * (1.0 + 1e-6) + 1e-12):
        raise ValueError(f"the spectrum is not inside the interval {bounds}: widen it")
    return dots / scale


def kpm_density(moments: np.ndarray, bounds: tuple[float, float], grid: np.ndarray,
                *, kernel: bool = True) -> np.ndarray:
    r"""The density :math:`[g_0\mu_0 + 2\sum_k g_k\mu_k T_k(\tilde x)]/(\pi h\sqrt{1-\tilde x^2})`.

    Parameters
    ----------
    moments : numpy.ndarray, shape (K,) or (m, K)
        Moments (one row per probe, or averaged).
    bounds : (float, float)
        The interval (a, b) the moments were computed on.
    grid : numpy.ndarray
        Points strictly inside (a, b).
    kernel : bool, default True
        Apply Jackson damping.

    Returns
    -------
    numpy.ndarray, shape moments.shape[:-1] + grid.shape
    """
    moments = np.asarray(moments, dtype=np.float64)
    K = moments.shape[-1]
    a, b = bounds
    c, h = (a + b) / 2.0, (b - a) / 2.0
    x = (np.asarray(grid, dtype=np.float64) - c) / h
    if np.any(np.abs(x) >= 1):
        raise ValueError("grid points must lie strictly inside the interval")
    g = jackson_kernel(K) if kernel else np.ones(K)
    coef = moments * g * np.where(np.arange(K) == 0, 1.0, 2.0)
    T = np.cos(np.arange(K)[:, None] * np.arccos(x.ravel())[None, :])  # (K, n)
    values = coef @ T / (np.pi * h * np.sqrt(1.0 - x.ravel() ** 2))
    return values.reshape(moments.shape[:-1] + np.shape(grid))


def chebyshev_moments_of_eigenvalues(eigenvalues, bounds, n_moments: int, *,
                                     normalise: float | None = None) -> np.ndarray:
    """Exact moments (1/d) Σ_i T_k(λ̃_i) of a list of eigenvalues (d = their number by default)."""
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    a, b = bounds
    x = (lam - (a + b) / 2.0) / ((b - a) / 2.0)
    if np.any(np.abs(x) > 1):
        raise ValueError(f"eigenvalues outside the interval {bounds}")
    K = check_int(n_moments, "n_moments", 1)
    T = np.cos(np.arange(K)[:, None] * np.arccos(x)[None, :])
    return T.sum(axis=1) / float(lam.size if normalise is None else normalise)


def kpm_density_of_eigenvalues(eigenvalues, bounds, grid, n_moments: int, *,
                               normalise: float | None = None) -> np.ndarray:
    r"""The Jackson-smoothed spectral density of given eigenvalues: the KPM estimator's mean.

    With exact moments in place of the stochastic ones, this is what
    :func:`estimate_spectrum` estimates without bias. Use it to compare the matrix-free
    estimate with a dense spectrum (pass ``normalise=d`` and the d - 1 eigenvalues below
    the top one to match the deflated estimate).
    """
    mom = chebyshev_moments_of_eigenvalues(eigenvalues, bounds, n_moments, normalise=normalise)
    return kpm_density(mom, bounds, grid)


def smoothed_bulk_density(grid, delta: float, gamma: float, kappa: float, bounds,
                          n_moments: int, *, nodes: int = 400) -> np.ndarray:
    r"""The bulk law κ(MP_δ ⊠ MP_γ) seen through the same Jackson kernel as the KPM estimate.

    Its Chebyshev moments :math:`\int T_k(\tilde\lambda)\,dF(\lambda)` come from
    Gauss–Legendre quadrature after :math:`\lambda = \ell + (u-\ell)\sin^6(\theta/2)` on
    each half of the support (smooth at square-root and hard edges) plus the atom at
    zero, so estimate and theory can be compared without the kernel's bias.
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    K = check_int(n_moments, "n_moments", 1)
    lower, upper = bulk_edges(delta, gamma, kappa)
    lam, wts = bulk_quadrature(delta, gamma, kappa, nodes=nodes)
    a, b = bounds
    x = (lam - (a + b) / 2.0) / ((b - a) / 2.0)
    if np.any(np.abs(x) > 1):
        raise ValueError(f"the bulk support {lower, upper} is not inside {bounds}")
    T = np.cos(np.arange(K)[:, None] * np.arccos(x)[None, :])
    mom = T @ wts
    atom = bulk_atom(delta, gamma)
    if atom > 0:
        x0 = (0.0 - (a + b) / 2.0) / ((b - a) / 2.0)
        mom = mom + atom * np.cos(np.arange(K) * np.arccos(np.clip(x0, -1.0, 1.0)))
    return kpm_density(mom, bounds, grid)


@dataclass(frozen=True, eq=False)
class SpectrumEstimate:
    """Output of :func:`estimate_spectrum` (all in the units of S)."""

    top_eigenvalue: float
    top_eigenvector: np.ndarray
    bounds: tuple[float, float] | None
    grid: np.ndarray | None
    density: np.ndarray | None
    density_error: np.ndarray | None
    moments: np.ndarray | None
    products: int


def estimate_spectrum(operator: PooledCovariance, rng: np.random.Generator, *,
                      n_probes: int = 16, n_moments: int = 128, n_grid: int = 400,
                      tol: float | None = None) -> SpectrumEstimate:
    r"""Top eigenpair (Lanczos) and bulk density (KPM, top eigenvector deflated) of S.

    Draws, in order, the Lanczos start vector, the Rademacher probes and the start of the
    bound-finding Lanczos run from ``rng``.

    Parameters
    ----------
    operator : PooledCovariance
    rng : numpy.random.Generator
    n_probes : int, default 16
        Probe vectors m; 0 skips the density (top eigenpair only).
    n_moments : int, default 128
        Chebyshev moments K (resolution about π(b - a)/(2K)).
    n_grid : int, default 400
        Grid points, uniform, strictly inside the interval.
    tol : float, optional
        Passed to :func:`top_eigenpair`.

    Returns
    -------
    SpectrumEstimate
        ``density`` is normalised by d (mass (d - 1)/d: every eigenvalue but the top one);
        ``density_error`` is its standard error, the spread over probes over √m.
    """
    d = operator.d
    if d < MIN_DIMENSION:
        raise ValueError(f"the matrix-free path needs d >= {MIN_DIMENSION}, got d = {d}")
    n_probes = check_int(n_probes, "n_probes", 0)
    n_moments = check_int(n_moments, "n_moments", 2)
    n_grid = check_int(n_grid, "n_grid", 1)
    v0 = rng.standard_normal(d)
    lam, v = top_eigenpair(operator, v0, tol=tol)
    if n_probes == 0:
        return SpectrumEstimate(lam, v, None, None, None, None, None, operator.products)
    probes = rng.integers(0, 2, size=(d, n_probes)).astype(np.float64) * 2.0 - 1.0
    probes -= np.outer(v, v @ probes)
    apply = _deflated(operator.apply, v)
    upper = _lanczos_upper_bound(apply, rng.standard_normal(d), _BOUND_STEPS, _BOUND_EPS)
    upper = max(upper, np.finfo(float).tiny)
    for attempt in range(4):
        bounds = (-_LOWER_MARGIN * upper, upper)
        try:
            moments = kpm_moments(apply, probes, bounds, n_moments)
            break
        except ValueError:
            # The bound failed (probability < 1e-5): the Chebyshev vectors grew. Widen.
            if attempt == 3:
                raise
            upper *= 1.5
    grid = bounds[0] + (bounds[1] - bounds[0]) * (np.arange(n_grid) + 0.5) / n_grid
    per_probe = kpm_density(moments, bounds, grid)
    density = per_probe.mean(axis=0)
    error = (per_probe.std(axis=0, ddof=1) / np.sqrt(n_probes) if n_probes > 1
             else np.full(n_grid, np.nan))
    return SpectrumEstimate(lam, v, bounds, grid, density, error, moments.mean(axis=0),
                            operator.products)
