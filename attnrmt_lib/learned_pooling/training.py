r"""Training learned pooling: the two empirical risks, their gradients and the L-BFGS fits.

*Factorised* :math:`B = wv^\top` with weight decay :math:`\tfrac\lambda2(\|w\|^2 + \|v\|^2)`
(:func:`fit_factorised_pooling`), whose minimum over the factorisations of a fixed B is the
nuclear norm (:func:`min_factorised_penalty`); *direct* B with weight decay
:math:`\tfrac\lambda2\|B\|_F^2` (:func:`fit_direct_pooling`). Products with the embeddings
go through the token indices, never through the n×T×d tensor, when there is a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.special

from .._validation import check_array, check_int, check_nonnegative
from ..weights import positive_sign
from ._solver import lbfgs
from .task import LabelledSequences, LabelTask

__all__ = [
    "LOSSES",
    "PoolingFit",
    "factorised_objective",
    "direct_objective",
    "fit_factorised_pooling",
    "fit_direct_pooling",
    "empirical_error",
    "nuclear_norm",
    "min_factorised_penalty",
]


LOSSES = ("square", "logistic")


def _check_data(data) -> LabelledSequences:
    if isinstance(data, LabelledSequences):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        X, y = data
        X = check_array(X, "X")
        y = check_array(y, "y")
        if X.ndim != 3 or min(X.shape) < 1:
            raise ValueError(f"X must have shape (n, T, d), got {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        if not np.all(np.abs(y) == 1):
            raise ValueError("y must contain only labels -1 and +1")
        n, T, d = X.shape
        task = LabelTask(s=np.zeros(T), Z=None, mu=np.zeros(d), d=d)
        return LabelledSequences(y=y, signs=np.zeros((n, T)), tokens=None, noise=X, task=task)
    raise ValueError("data must be LabelledSequences (from label_sequences) or a tuple (X, y) "
                     "with X of shape (n, T, d) and labels y of shape (n,)")


class _Design:
    r"""Products with the embeddings without building them when there is a table.

    With a table, :math:`X_{n,t} = \xi_{n,t}\mu + Z_{x_{n,t}}`, so X·v costs O(Vd + nT)
    instead of O(nTd); fresh noise uses the dense tensor.
    """

    def __init__(self, data: LabelledSequences):
        self.data = data
        task = data.task
        self.n, self.T, self.d = data.n, task.T, task.d
        self.table = data.noise is None
        if self.table:
            self.Z, self.mu = task.Z, task.mu
            # np.bincount wants intp indices: int32 on 32-bit WebAssembly (Pyodide).
            self.tokens = np.asarray(data.tokens).astype(np.intp, copy=False)
            self.flat = (self.tokens * self.T + np.arange(self.T)).ravel()
        else:
            self.X = data.noise + data.signs[:, :, None] * task.mu

    def scores(self, v):
        """a[n, t] = v·X_{n,t}."""
        if self.table:
            return self.data.signs * (self.mu @ v) + (self.Z @ v)[self.data.tokens]
        return self.X @ v

    def apply(self, B):
        """f[n] = <B, X_n>."""
        if self.table:
            G = self.Z @ B.T  # (V, T)
            return self.data.signs @ (B @ self.mu) + G.ravel()[self.flat].reshape(
                self.n, self.T).sum(axis=1)
        return np.einsum("ntd,td->n", self.X, B)

    def adjoint(self, r):
        """Σ_n r_n X_n, shape (T, d)."""
        if self.table:
            H = np.bincount(self.flat, weights=np.repeat(r, self.T),
                            minlength=self.Z.shape[0] * self.T).reshape(-1, self.T)
            return np.outer(self.data.signs.T @ r, self.mu) + (self.Z.T @ H).T
        return np.einsum("n,ntd->td", r, self.X)

    def pooled_adjoint(self, r, w):
        """Σ_n r_n Σ_t w_t X_{n,t}, shape (d,)."""
        if self.table:
            h = np.bincount(self.tokens.ravel(), weights=np.outer(r, w).ravel(),
                            minlength=self.Z.shape[0])
            return (self.data.signs @ w) @ r * self.mu + self.Z.T @ h
        return np.outer(r, w).ravel() @ self.X.reshape(-1, self.d)


def _loss(f, y, loss):
    """Mean loss and its derivative in f (already divided by n)."""
    n = y.size
    if loss == "square":
        r = f - y
        return 0.5 * float(r @ r) / n, r / n
    m = y * f
    return float(np.mean(np.logaddexp(0.0, -m))), -y * scipy.special.expit(-m) / n


def _check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return loss


def factorised_objective(w, v, data, *, lam: float, loss: str = "square"):
    r"""Factorised empirical risk and its gradient.

    .. math::

        L(w, v) = \frac1n\sum_n \ell\big(y_n, w^\top X_n v\big)
        + \frac\lambda2\big(\|w\|^2 + \|v\|^2\big),

    :math:`\nabla_w L = \frac1n\sum_n \ell'_n X_n v + \lambda w`,
    :math:`\nabla_v L = \frac1n\sum_n \ell'_n X_n^\top w + \lambda v`.

    Parameters
    ----------
    w : array_like, shape (T,)
    v : array_like, shape (d,)
    data : LabelledSequences or tuple (X, y)
    lam : float
        Weight decay λ >= 0.
    loss : {"square", "logistic"}

    Returns
    -------
    value : float
    grad_w : numpy.ndarray, shape (T,)
    grad_v : numpy.ndarray, shape (d,)
    """
    data = _check_data(data)
    lam = check_nonnegative(lam, "lam")
    loss = _check_loss(loss)
    w, v = _check_factors(w, v, data)
    return _factorised(w, v, _Design(data), data.y, lam, loss)


def _check_factors(w, v, data):
    w, v = check_array(w, "w"), check_array(v, "v")
    if w.shape != (data.task.T,):
        raise ValueError(f"w must have shape ({data.task.T},), got {w.shape}")
    if v.shape != (data.task.d,):
        raise ValueError(f"v must have shape ({data.task.d},), got {v.shape}")
    return w, v


def _factorised(w, v, design, y, lam, loss):
    a = design.scores(v)
    value, r = _loss(a @ w, y, loss)
    grad_w = a.T @ r + lam * w
    grad_v = design.pooled_adjoint(r, w) + lam * v
    return value + 0.5 * lam * (w @ w + v @ v), grad_w, grad_v


def direct_objective(B, data, *, lam: float, loss: str = "square"):
    r"""Direct empirical risk and its gradient.

    .. math::

        L(B) = \frac1n\sum_n \ell\big(y_n, \langle B, X_n\rangle\big) + \frac\lambda2\|B\|_F^2,
        \qquad \nabla L = \frac1n\sum_n \ell'_n X_n + \lambda B.

    Parameters
    ----------
    B : array_like, shape (T, d)
    data : LabelledSequences or tuple (X, y)
    lam : float
        Weight decay λ >= 0.
    loss : {"square", "logistic"}

    Returns
    -------
    value : float
    grad : numpy.ndarray, shape (T, d)
    """
    data = _check_data(data)
    lam = check_nonnegative(lam, "lam")
    loss = _check_loss(loss)
    B = check_array(B, "B")
    if B.shape != (data.task.T, data.task.d):
        raise ValueError(f"B must have shape ({data.task.T}, {data.task.d}), got {B.shape}")
    return _direct(B, _Design(data), data.y, lam, loss)


def _direct(B, design, y, lam, loss):
    value, r = _loss(design.apply(B), y, loss)
    return value + 0.5 * lam * float(np.sum(B * B)), design.adjoint(r) + lam * B


@dataclass(frozen=True, eq=False)
class PoolingFit:
    r"""A learned pooling classifier :math:`f = \langle B, X\rangle`.

    Attributes
    ----------
    parameterisation : str
        ``"factorised"`` (B = w vᵀ) or ``"direct"`` (B a full T×d matrix).
    B : numpy.ndarray, shape (T, d)
        The learned matrix.
    weights, v : numpy.ndarray or None
        The factors w (T,) and v (d,) (factorised only; balanced, ‖w‖ = ‖v‖ at a minimum).
    lam : float
        Weight decay λ.
    loss : str
        ``"square"`` or ``"logistic"``.
    objective : float
        Final value of the regularised empirical risk.
    n_iter : int
        L-BFGS iterations (the fit raises ``RuntimeError`` instead of returning an
        unconverged result).
    """

    parameterisation: str
    B: np.ndarray
    weights: np.ndarray | None
    v: np.ndarray | None
    lam: float
    loss: str
    objective: float
    n_iter: int

    @property
    def singular_values(self) -> np.ndarray:
        """Singular values of B, descending (T of them)."""
        return np.linalg.svd(self.B, compute_uv=False)

    @property
    def profile(self) -> np.ndarray:
        """Positional profile: top left singular vector of B, unit norm, summing to > 0."""
        U, _, _ = np.linalg.svd(self.B, full_matrices=False)
        return positive_sign(U[:, 0])


def _check_fit_args(data, lam, loss, max_iter, tol):
    data = _check_data(data)
    lam = check_nonnegative(lam, "lam")
    loss = _check_loss(loss)
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_nonnegative(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol must be a finite number > 0, got {tol}")
    return data, lam, loss, max_iter, tol


def fit_factorised_pooling(data, *, lam: float, loss: str = "square", max_iter: int = 2000,
                           tol: float = 1e-7) -> PoolingFit:
    r"""Learn :math:`f = w^\top X v` with weight decay :math:`\tfrac\lambda2(\|w\|^2 + \|v\|^2)`.

    Minimises :func:`factorised_objective` with L-BFGS (SciPy, analytic gradients). The
    start is deterministic: the top singular pair of the class-mean matrix
    :math:`\frac1n\sum_n y_n X_n` (the direct square-loss gradient at B = 0), balanced.
    The problem is not convex in (w, v), but for rank-one B it is a nuclear-norm
    regularised problem restricted to rank one (:func:`min_factorised_penalty`).

    Parameters
    ----------
    data : LabelledSequences or tuple (X, y)
        Training sequences, X of shape (n, T, d), labels ±1.
    lam : float
        Weight decay λ >= 0.
    loss : {"square", "logistic"}, default "square"
    max_iter : int, default 2000
    tol : float, default 1e-7
        Tolerance on the largest gradient entry at the returned point (``RuntimeError``
        above it). Near the minimum f changes by about g²/λ per step, which falls below
        f's rounding (≈ 1e-16) once g ≈ 1e-8: much lower tolerances cannot be met.

    Returns
    -------
    PoolingFit
    """
    data, lam, loss, max_iter, tol = _check_fit_args(data, lam, loss, max_iter, tol)
    design = _Design(data)
    T = data.task.T
    U, S, Vt = np.linalg.svd(design.adjoint(data.y) / data.n, full_matrices=False)
    scale = np.sqrt(max(S[0], 1e-12))
    sign = float(np.sign(positive_sign(U[:, 0]) @ U[:, 0]))
    x0 = np.concatenate([sign * U[:, 0] * scale, sign * Vt[0] * scale])

    def fun(x):
        value, gw, gv = _factorised(x[:T], x[T:], design, data.y, lam, loss)
        return value, np.concatenate([gw, gv])

    res = lbfgs(fun, x0, name="fit_factorised_pooling", max_iter=max_iter, tol=tol)
    w, v = res.x[:T].copy(), res.x[T:].copy()
    if w.sum() < 0:
        w, v = -w, -v
    return PoolingFit("factorised", np.outer(w, v), w, v, lam, loss, float(res.fun),
                      int(res.nit))


def fit_direct_pooling(data, *, lam: float, loss: str = "square", max_iter: int = 2000,
                       tol: float = 1e-7) -> PoolingFit:
    r"""Learn :math:`f = \langle B, X\rangle` with weight decay :math:`\tfrac\lambda2\|B\|_F^2`.

    Minimises :func:`direct_objective` (convex; strictly so for λ > 0) with L-BFGS from
    B = 0. For the square loss the minimiser is the ridge regression
    :math:`\operatorname{vec}B = (\hat C + \lambda I)^{-1}\frac1n\sum_n y_n\operatorname{vec}X_n`,
    :math:`\hat C` the empirical second moment of vec X.

    Parameters
    ----------
    data : LabelledSequences or tuple (X, y)
        Training sequences, X of shape (n, T, d), labels ±1.
    lam : float
        Weight decay λ >= 0.
    loss : {"square", "logistic"}, default "square"
    max_iter : int, default 2000
    tol : float, default 1e-7
        Tolerance on the largest gradient entry at the returned point (``RuntimeError``
        above it). Near the minimum f changes by about g²/λ per step, which falls below
        f's rounding (≈ 1e-16) once g ≈ 1e-8: much lower tolerances cannot be met.

    Returns
    -------
    PoolingFit
    """
    data, lam, loss, max_iter, tol = _check_fit_args(data, lam, loss, max_iter, tol)
    design = _Design(data)
    shape = (data.task.T, data.task.d)

    def fun(x):
        value, g = _direct(x.reshape(shape), design, data.y, lam, loss)
        return value, g.ravel()

    res = lbfgs(fun, np.zeros(shape[0] * shape[1]), name="fit_direct_pooling",
                 max_iter=max_iter, tol=tol)
    return PoolingFit("direct", res.x.reshape(shape).copy(), None, None, lam, loss,
                      float(res.fun), int(res.nit))


def empirical_error(B, data: LabelledSequences) -> float:
    """Fraction of the sequences in ``data`` misclassified by sign<B, X> (ties count half)."""
    if isinstance(B, PoolingFit):
        B = B.B
    data = _check_data(data)
    B = check_array(B, "B")
    if B.shape != (data.task.T, data.task.d):
        raise ValueError(f"B must have shape ({data.task.T}, {data.task.d}), got {B.shape}")
    f = _Design(data).apply(B)
    margin = data.y * f
    return float(np.mean((margin < 0) + 0.5 * (margin == 0)))


def nuclear_norm(M) -> float:
    r""":math:`\|M\|_* = \sum_i \sigma_i(M)`, the sum of the singular values."""
    M = check_array(M, "M")
    if M.ndim != 2:
        raise ValueError(f"M must be a matrix, got shape {M.shape}")
    return float(np.linalg.svd(M, compute_uv=False).sum())


def min_factorised_penalty(W, V) -> float:
    r"""Minimum of :math:`\tfrac12(\|W'\|_F^2 + \|V'\|_F^2)` over all :math:`W'V'^\top = WV^\top`.

    The minimum is the nuclear norm :math:`\|WV^\top\|_*`, computed here in closed form.
    Lower bound: for any factorisation,
    :math:`\|WV^\top\|_* \le \|W'\|_F\|V'\|_F \le \tfrac12(\|W'\|_F^2 + \|V'\|_F^2)`
    (Cauchy–Schwarz on the singular values, then the arithmetic–geometric mean inequality).
    It is reached by the balanced factors :math:`U\Sigma^{1/2}`, :math:`V\Sigma^{1/2}` of
    the SVD :math:`WV^\top = U\Sigma V^\top`. For k = 1 this is
    :math:`\min_c \tfrac12(c^2\|w\|^2 + \|v\|^2/c^2) = \|w\|\|v\|` at
    :math:`c^2 = \|v\|/\|w\|` (Srebro, Rennie & Jaakkola 2005). The tests check the
    closed form against a direct minimisation over the factorisations
    :math:`W' = WG`, :math:`V' = VG^{-\top}`.

    Parameters
    ----------
    W : array_like, shape (T,) or (T, k)
    V : array_like, shape (d,) or (d, k)
        Factors of full column rank k.

    Returns
    -------
    float
    """
    W, V = check_array(W, "W"), check_array(V, "V")
    W = W[:, None] if W.ndim == 1 else W
    V = V[:, None] if V.ndim == 1 else V
    if W.ndim != 2 or V.ndim != 2 or W.shape[1] != V.shape[1]:
        raise ValueError(f"W and V must have shapes (T, k) and (d, k), got {W.shape}, {V.shape}")
    k = W.shape[1]
    if np.linalg.matrix_rank(W) < k or np.linalg.matrix_rank(V) < k:
        raise ValueError("W and V must have full column rank")
    return nuclear_norm(W @ V.T)
