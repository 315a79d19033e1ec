r"""Positional correlation models for the class signs :math:`\xi_t`.

Each model is a small frozen object with the sequence length ``T``, the matrix
:math:`R = \mathbb{E}[\xi\xi^\top]` and a ``sample(n, seed)`` method returning an
``(n, T)`` array of signs. All have :math:`\mathbb{E}\xi = 0`. The label model, with its
closed forms, has a module of its own: :mod:`attnrmt_lib.labels`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._deprecation import moved
from ._validation import check_correlation_matrix, check_int, check_interval
from .sampling import as_generator, label_signs

__all__ = [
    "PositionalModel",
    "iid",
    "markov",
    "exchangeable",
    "gaussian",
]

# The label model, with its closed forms, moved to attnrmt_lib.labels.
__getattr__ = moved(__name__, {"label_model": "attnrmt_lib.labels"})


@dataclass(frozen=True, eq=False)
class PositionalModel:
    """A positional correlation model: its name, length T, matrix R and sampler."""

    name: str
    R: np.ndarray
    _sampler: object

    @property
    def T(self) -> int:
        return self.R.shape[0]

    def sample(self, n: int, seed=None) -> np.ndarray:
        """Draw ``n`` sequences of signs, shape ``(n, T)``.

        Parameters
        ----------
        n : int
            Number of sequences >= 1.
        seed : int, numpy.random.Generator or None
            Same seed, same signs.
        """
        n = check_int(n, "n", 1)
        return self._sampler(n, as_generator(seed))

    def __repr__(self) -> str:
        return f"<PositionalModel {self.name}, T={self.T}>"


def iid(T: int) -> PositionalModel:
    """Independent fair signs at every position: R = I (attention cannot help)."""
    T = check_int(T, "T", 1)
    return PositionalModel(
        "i.i.d.", np.eye(T), lambda n, rng: rng.choice([-1.0, 1.0], size=(n, T))
    )


def markov(T: int, phi: float) -> PositionalModel:
    r"""Stationary sign-flip chain keeping the sign with probability (1 + φ)/2: :math:`R_{ts} = \varphi^{|t-s|}`."""
    T = check_int(T, "T", 1)
    phi = check_interval(phi, "phi", -1.0, 1.0)
    idx = np.arange(T)
    R = phi ** np.abs(idx[:, None] - idx[None, :]).astype(float)

    def sample(n, rng):
        first = rng.choice([-1.0, 1.0], size=(n, 1))
        flips = np.where(rng.random((n, T - 1)) < (1.0 + phi) / 2.0, 1.0, -1.0)
        return first * np.concatenate([np.ones((n, 1)), np.cumprod(flips, axis=1)], axis=1)

    return PositionalModel("Markov", R, sample)


def exchangeable(T: int, c: float) -> PositionalModel:
    r""":math:`R = (1 - c)I + c\,\mathbf 1\mathbf 1^\top`: the label model with constant purity √c."""
    T = check_int(T, "T", 1)
    c = check_interval(c, "c", 0.0, 1.0)
    s = np.full(T, np.sqrt(c))
    R = (1.0 - c) * np.eye(T) + c * np.ones((T, T))
    return PositionalModel("exchangeable", R, functools.partial(label_signs, s))


def gaussian(R) -> PositionalModel:
    r"""Gaussian 'signs' :math:`\xi \sim N(0, R)` for any PSD R (the theory holds unchanged)."""
    R = check_correlation_matrix(R)
    vals, vecs = np.linalg.eigh(R)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))

    def sample(n, rng):
        return rng.standard_normal((n, R.shape[0])) @ root.T

    return PositionalModel("Gaussian", R, sample)
