r"""The task of learned pooling: one draw of the label model's world, and labelled sequences.

A :class:`LabelTask` is a purity profile s, a centered Gaussian vocabulary table (or fresh
noise) and a signal μ (:func:`label_task`); :func:`label_sequences` draws n labelled
sequences from it, :math:`X_t = \xi_t\mu + z_{x_t}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .._validation import check_array, check_int, check_nonnegative
from ..labels import label_model
from ..sampling import (
    as_generator,
    gaussian_table,
    labels_and_signs,
    random_direction,
    uniform_tokens,
)

__all__ = ["LabelTask", "LabelledSequences", "label_task", "label_sequences"]


@dataclass(frozen=True, eq=False)
class LabelTask:
    r"""One draw of the world of the label model: purity, vocabulary table and signal.

    Attributes
    ----------
    s : numpy.ndarray, shape (T,)
        Purity profile.
    Z : numpy.ndarray, shape (V, d), or None
        The centered table; None for fresh N(0, I_d) noise (``delta=0``).
    mu : numpy.ndarray, shape (d,)
        The signal μ.
    d : int
        Embedding dimension.
    """

    s: np.ndarray
    Z: np.ndarray | None
    mu: np.ndarray
    d: int

    @property
    def T(self) -> int:
        return self.s.size

    @property
    def V(self) -> float:
        """Vocabulary size (``inf`` for fresh noise)."""
        return float("inf") if self.Z is None else self.Z.shape[0]

    @property
    def delta(self) -> float:
        """Realised ratio d/V (0 for fresh noise)."""
        return 0.0 if self.Z is None else self.d / self.Z.shape[0]

    @property
    def mu_norm2(self) -> float:
        return float(self.mu @ self.mu)

    @property
    def R(self) -> np.ndarray:
        r""":math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`."""
        return label_model(self.s).R

    def noise_covariance(self) -> np.ndarray:
        r"""Covariance of one token's noise given the table: :math:`\Sigma_Z = Z^\top Z/V`.

        The identity for fresh noise (``delta=0``).
        """
        if self.Z is None:
            return np.eye(self.d)
        return self.Z.T @ self.Z / self.Z.shape[0]

    def token_snr(self, v=None) -> float:
        r"""Per-token signal-to-noise ratio of a read-out direction v.

        .. math::

            q(v) = \frac{(v^\top\mu)^2}{v^\top\Sigma_Z v}, \qquad
            q^\star = \max_v q(v) = \mu^\top\Sigma_Z^{-1}\mu \ \ (v \propto \Sigma_Z^{-1}\mu),

        the squared half-distance :math:`(v^\top\mu)^2` between the means of
        :math:`v^\top X_t` for :math:`\xi_t = \pm1` over its noise variance. With
        ``v=None`` returns :math:`q^\star`
        (Cauchy–Schwarz in the :math:`\Sigma_Z` inner product); for fresh noise
        :math:`q^\star = \|\mu\|^2`, for a finite table :math:`q^\star \approx
        \|\mu\|^2/(1 - \delta)` (:func:`whitened_snr`). ``inf`` if μ leaves the table's
        row space (δ > 1).
        """
        sigma = self.noise_covariance()
        if v is None:
            if self.Z is not None and self.Z.shape[0] - 1 < self.d:
                # The centered table spans at most V - 1 < d directions: the part of μ
                # outside them is noise-free.
                coef, *_ = np.linalg.lstsq(self.Z.T, self.mu, rcond=None)
                if np.linalg.norm(self.Z.T @ coef - self.mu) > 1e-8 * np.linalg.norm(self.mu):
                    return float("inf")
            return float(self.mu @ scipy.linalg.solve(sigma, self.mu, assume_a="pos"))
        v = check_array(v, "v")
        if v.shape != (self.d,):
            raise ValueError(f"v must have shape ({self.d},), got {v.shape}")
        noise = float(v @ sigma @ v)
        if noise <= 0:
            return float("inf") if abs(v @ self.mu) > 0 else 0.0
        return float((v @ self.mu) ** 2 / noise)


@dataclass(frozen=True, eq=False)
class LabelledSequences:
    r"""n labelled sequences of a :class:`LabelTask`.

    Attributes
    ----------
    y : numpy.ndarray, shape (n,)
        Sequence labels ±1.
    signs : numpy.ndarray, shape (n, T)
        Class signs :math:`\xi_{n,t}`.
    tokens : numpy.ndarray of int, shape (n, T), or None
        Table rows :math:`x_{n,t}` (None for fresh noise).
    noise : numpy.ndarray, shape (n, T, d), or None
        Fresh noise (only when the task has no table).
    task : LabelTask
        The world the sequences come from.
    """

    y: np.ndarray
    signs: np.ndarray
    tokens: np.ndarray | None
    noise: np.ndarray | None
    task: LabelTask

    @property
    def n(self) -> int:
        return self.y.size

    @property
    def X(self) -> np.ndarray:
        r"""The embeddings :math:`X_{n,t} = \xi_{n,t}\mu + z_{x_{n,t}}`, shape (n, T, d)."""
        noise = self.task.Z[self.tokens] if self.noise is None else self.noise
        return noise + self.signs[:, :, None] * self.task.mu


def label_task(s, *, d: int, delta: float, mu_norm2: float, seed=0) -> LabelTask:
    r"""Draw the world of the label model: a centered table and a signal direction.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile, entries in [-1, 1].
    d : int
        Embedding dimension >= 1.
    delta : float
        Ratio d/V >= 0; the table has V = round(d/δ) >= 2 rows; ``delta=0`` means fresh
        N(0, I_d) noise for every token.
    mu_norm2 : float
        :math:`\|\mu\|^2 \ge 0`; the direction is uniform on the sphere.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same task.

    Returns
    -------
    LabelTask
    """
    s = check_array(s, "s")
    label_model(s)  # validates shape and |s_t| <= 1
    d = check_int(d, "d", 1)
    delta = check_nonnegative(delta, "delta")
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    rng = as_generator(seed)
    Z = None
    if delta > 0:
        V = max(1, round(d / delta))
        if V < 2:
            raise ValueError(f"d/delta must give a vocabulary of at least 2 rows, got V = {V}")
        Z, _ = gaussian_table(V, d, seed=rng)
    u = random_direction(d, seed=rng)
    return LabelTask(s=s.copy(), Z=Z, mu=np.sqrt(mu_norm2) * u, d=d)


def label_sequences(task: LabelTask, n: int, seed=0) -> LabelledSequences:
    r"""Draw n labelled sequences of the label model from ``task``.

    :math:`y = \pm1` with probability 1/2 each; :math:`\xi_t = y` with probability
    :math:`(1 + s_t)/2` and :math:`-y` otherwise, independently over t; tokens uniform over
    the table (or fresh noise). The embeddings are ``result.X`` (shape (n, T, d)).

    Parameters
    ----------
    task : LabelTask
        From :func:`label_task`.
    n : int
        Number of sequences >= 1.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same sequences (draw training and test sets with different seeds).

    Returns
    -------
    LabelledSequences
    """
    if not isinstance(task, LabelTask):
        raise ValueError("task must be a LabelTask from label_task(...), "
                         f"got {type(task).__name__}")
    n = check_int(n, "n", 1)
    rng = as_generator(seed)
    T = task.T
    y, signs = labels_and_signs(task.s, n, seed=rng)
    if task.Z is None:
        return LabelledSequences(y=y, signs=signs, tokens=None,
                                 noise=rng.standard_normal((n, T, task.d)), task=task)
    tokens = uniform_tokens(task.Z.shape[0], n, T, seed=rng)
    return LabelledSequences(y=y, signs=signs, tokens=tokens, noise=None, task=task)
