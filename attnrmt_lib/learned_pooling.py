r"""Learned pooling: a sequence classifier trained on the label model, two parameterisations.

The label model (:func:`attnrmt_lib.label_model`) draws a sequence label :math:`y = \pm 1`
and class signs :math:`\xi_t` that agree with it with probability :math:`(1 + s_t)/2`; the
token at position t is :math:`X_t = \xi_t\mu + z_{x_t}`, a row of a centered Gaussian
vocabulary table plus the signed signal. Instead of fixing the pooling weights w and
running PCA on the pooled vectors (the unsupervised route of the main chapters), this
module *learns* a linear sequence classifier

.. math::

    f(X) = \sum_t w_t\, v^\top X_t = \langle B, X\rangle_F,
    \qquad B = w v^\top \in \mathbb R^{T\times d},

from labelled sequences, by regularised empirical risk minimisation with L-BFGS, in two
parameterisations:

- *factorised*: w and v with weight decay :math:`\tfrac\lambda2(\|w\|^2 + \|v\|^2)`, whose
  minimum over the factorisations of a fixed :math:`M = wv^\top` is the nuclear-norm
  penalty :math:`\lambda\|M\|_*` (:func:`min_factorised_penalty`);
- *direct*: a full T×d matrix B with weight decay :math:`\tfrac\lambda2\|B\|_F^2`.

The positional profile of a learned B is its top left singular vector (unit norm, summing
to a positive number). The module compares it with two closed forms:

- the *spectral* optimum of PCA pooling, the top eigenvector of
  :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`, :math:`w_t \propto
  s_t/(\lambda_{max}(R) - 1 + s_t^2)` (:func:`attnrmt_lib.optimal_weights`);
- the *supervised* (Fisher / least-squares) optimum :func:`supervised_weights`,
  :math:`w_t \propto s_t/(1 + q(1 - s_t^2))`, q the per-token signal-to-noise ratio of the
  read-out direction v (:meth:`LabelTask.token_snr`).

Both are members of the one-parameter family of :func:`supervised_weights`: the spectral
optimum sits at the negative value :math:`q = -1/\lambda_{max}(R)`.

Conventions
-----------
- The table has V = round(d/δ) rows of i.i.d. N(0, I_d) entries and is centered, as in
  :func:`attnrmt_lib.simulate`; ``delta=0`` means fresh N(0, I_d) noise for every token
  (V → ∞). Given the table, the token noise has mean 0 and covariance
  :math:`\Sigma_Z = Z^\top Z/V` (I for fresh noise), independently across positions.
- Losses are averaged over the n sequences: square :math:`\tfrac12(y - f)^2` or logistic
  :math:`\log(1 + e^{-yf})`. The classifier has no bias term (the classes are symmetric).
- Classification errors: :func:`profile_error` and :func:`classification_error` treat the
  pooled table noise as Gaussian (exact for fresh noise, ``delta=0``) and sum exactly over
  the :math:`2^T` sign patterns; :func:`empirical_error` counts mistakes on a sample.

References
----------
The label model and the spectral optimum: Seddik (2026), "How does attention help?".
Weight decay on factors as a nuclear-norm penalty: Srebro, Rennie & Jaakkola (2005),
"Maximum-margin matrix factorization".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.special
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

from ._validation import check_array, check_int, check_nonnegative, check_weights
from .correlation import _labels_and_signs, label_model
from .plotting import POPULATION, THEORY, _axes, _readable
from .weights import _positive_sign, optimal_weights

__all__ = [
    "LabelTask",
    "LabelledSequences",
    "PoolingFit",
    "label_task",
    "label_sequences",
    "supervised_weights",
    "whitened_snr",
    "PopulationPooling",
    "population_pooling",
    "residual_variance",
    "predicted_profile_angle",
    "direct_noise_bulk",
    "sign_fixed_profile",
    "profile_cosine",
    "profile_error",
    "error_optimal_weights",
    "classification_error",
    "empirical_error",
    "factorised_objective",
    "direct_objective",
    "fit_factorised_pooling",
    "fit_direct_pooling",
    "nuclear_norm",
    "min_factorised_penalty",
    "profile_convergence",
    "plot_profile_family",
    "plot_learned_profiles",
    "plot_singular_values",
    "plot_learned_pooling",
    "plot_profile_convergence",
]

LOSSES = ("square", "logistic")
PARAMETERISATIONS = ("direct", "factorised")
# Sign patterns summed at once by the exact error (2^16 patterns x T floats).
_PATTERN_CHUNK = 1 << 16
_MAX_ENUMERATED_T = 22


# --------------------------------------------------------------------------- the task

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
    rng = np.random.default_rng(seed)
    Z = None
    if delta > 0:
        V = max(1, round(d / delta))
        if V < 2:
            raise ValueError(f"d/delta must give a vocabulary of at least 2 rows, got V = {V}")
        Z = rng.standard_normal((V, d))
        Z -= Z.mean(axis=0)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
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
    rng = np.random.default_rng(seed)
    T = task.T
    y, signs = _labels_and_signs(task.s, n, rng)
    if task.Z is None:
        return LabelledSequences(y=y, signs=signs, tokens=None,
                                 noise=rng.standard_normal((n, T, task.d)), task=task)
    tokens = rng.integers(0, task.Z.shape[0], size=(n, T))
    return LabelledSequences(y=y, signs=signs, tokens=tokens, noise=None, task=task)


# ------------------------------------------------------------------ population optima

def sign_fixed_profile(weights) -> np.ndarray:
    """Unit-norm weights with the book's sign convention (sum > 0, else first non-zero > 0)."""
    w = check_weights(weights)
    return _positive_sign(w / np.linalg.norm(w))


def supervised_weights(s, snr: float) -> np.ndarray:
    r"""The supervised (Fisher / least-squares) optimal profile of the label model.

    For a read-out direction v with per-token signal-to-noise ratio q
    (:meth:`LabelTask.token_snr`), the token scores :math:`a_t = v^\top X_t` are, given y,
    independent with mean :math:`y s_t\,v^\top\mu` and variance
    :math:`(1 - s_t^2)(v^\top\mu)^2 + v^\top\Sigma_Z v`. The profile maximising the Fisher
    ratio, which is also the least-squares regression of y on the scores, is

    .. math::

        w_t \propto \frac{s_t}{1 + q\,(1 - s_t^2)} .

    q = 0 gives the matched filter :math:`w \propto s`; larger q favours pure tokens.
    The formula continues to negative q > -1 (not a signal-to-noise ratio any more):
    :math:`q = -1/\lambda_{max}(R)` gives the spectral optimum, the top eigenvector of R.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile, entries in [-1, 1], not all zero.
    snr : float
        q > -1 (finite).

    Returns
    -------
    numpy.ndarray, shape (T,)
        Unit norm, summing to a positive number.
    """
    s = check_array(s, "s")
    label_model(s)
    if not np.any(s != 0):
        raise ValueError("s must have a non-zero purity (otherwise no profile carries signal)")
    q = check_array(snr, "snr")
    if q.ndim != 0 or not q > -1:
        raise ValueError(f"snr must be a number > -1, got {snr!r}")
    return sign_fixed_profile(s / (1.0 + float(q) * (1.0 - s**2)))


def whitened_snr(mu_norm2: float, delta: float) -> float:
    r"""Limit of :math:`q^\star = \mu^\top\Sigma_Z^{-1}\mu` for a random direction.

    It is :math:`\|\mu\|^2/(1 - \delta)`.

    :math:`\Sigma_Z = Z^\top Z/V` has the Marchenko–Pastur law of ratio δ, whose inverse
    moment is :math:`\int x^{-1}\,d\mathrm{MP}_\delta(x) = 1/(1 - \delta)` for δ < 1, and a
    direction independent of Z sees the average. (For a centered table of V rows,
    :math:`\mathbb E\,\Sigma_Z^{-1} = V/(V - d - 2)\,I` exactly, the same to leading order.)

    Parameters
    ----------
    mu_norm2 : float
        :math:`\|\mu\|^2 \ge 0`.
    delta : float
        d/V in [0, 1).
    """
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    delta = check_nonnegative(delta, "delta")
    if delta >= 1:
        raise ValueError(f"delta must lie in [0, 1) (for delta >= 1 the table leaves "
                         f"noise-free directions and q* is infinite), got {delta}")
    return mu_norm2 / (1.0 - delta)


@dataclass(frozen=True, eq=False)
class PopulationPooling:
    r"""Population minimiser of a square-loss pooling objective (infinitely many sequences).

    Attributes
    ----------
    parameterisation : str
        ``"direct"`` or ``"factorised"``.
    B : numpy.ndarray, shape (T, d)
        The minimiser; rank one in both parameterisations.
    snr : float
        Effective token SNR q: the profile is exactly ``supervised_weights(s, snr)``.
    lam : float
        Weight decay λ.
    """

    parameterisation: str
    B: np.ndarray
    snr: float
    lam: float

    @property
    def profile(self) -> np.ndarray:
        """Top left singular vector of B, unit norm, summing to > 0."""
        U, _, _ = np.linalg.svd(self.B, full_matrices=False)
        return _positive_sign(U[:, 0])


def population_pooling(task: LabelTask, lam: float,
                       parameterisation: str = "direct") -> PopulationPooling:
    r"""Population minimiser of the square-loss objective, direct or factorised.

    The population risk of :math:`f = \langle B, X\rangle` is, with
    :math:`E[X_t y] = s_t\mu` and :math:`E[X_t X_{t'}^\top] = R_{tt'}\mu\mu^\top +
    1[t = t']\Sigma_Z`,
    :math:`\tfrac12\mathbb E(y - f)^2 = \tfrac12\big(1 - 2\sum_t s_t\mu^\top B_t
    + \sum_{t,t'} R_{tt'}(\mu^\top B_t)(\mu^\top B_{t'}) + \sum_t B_t^\top\Sigma_Z B_t\big)`.

    *Direct* (weight decay :math:`\tfrac\lambda2\|B\|_F^2`), in closed form:

    .. math::

        B_\lambda = w v^\top, \quad v = (\Sigma_Z + \lambda I)^{-1}\mu, \quad
        w = (cR + I)^{-1}s, \quad q = c = \mu^\top(\Sigma_Z + \lambda I)^{-1}\mu .

    *Factorised* (:math:`B = wv^\top`, weight decay :math:`\tfrac\lambda2(\|w\|^2 +
    \|v\|^2)`): minimised numerically (L-BFGS from the direct solution); at a stationary
    point :math:`(m^2R + (n_v^2 + \lambda)I)w = m\,s` with :math:`m = \mu^\top v`,
    :math:`n_v^2 = v^\top\Sigma_Z v`, so the profile is the supervised one at
    :math:`q = m^2/(n_v^2 + \lambda)`, and :math:`v \propto (\|w\|^2\Sigma_Z + \lambda I)^{-1}\mu`.
    For λ at least the largest singular value :math:`\|s\|\|\mu\|` of
    :math:`\mathbb E[yX]` the nuclear-norm penalty wins and B = 0 (q = 0).

    In both, λ → 0 gives :math:`q^\star = \mu^\top\Sigma_Z^{-1}\mu` (:meth:`LabelTask.token_snr`)
    and λ > 0 pulls the profile towards the matched filter s (q → 0).

    Parameters
    ----------
    task : LabelTask
    lam : float
        λ >= 0 (λ = 0 needs an invertible :math:`\Sigma_Z`, i.e. δ < 1).
    parameterisation : {"direct", "factorised"}

    Returns
    -------
    PopulationPooling
    """
    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    lam = check_nonnegative(lam, "lam")
    if parameterisation not in PARAMETERISATIONS:
        raise ValueError(f"parameterisation must be one of {PARAMETERISATIONS}, "
                         f"got {parameterisation!r}")
    sigma, R, s, mu = task.noise_covariance(), task.R, task.s, task.mu
    v = np.linalg.solve(sigma + lam * np.eye(task.d), mu)
    c = float(mu @ v)
    w = np.linalg.solve(c * R + np.eye(task.T), s)
    if parameterisation == "direct":
        return PopulationPooling("direct", np.outer(w, v), c, lam)
    T = task.T

    def fun(x):
        w, v = x[:T], x[T:]
        m, sv = float(mu @ v), sigma @ v
        n2, Rw = float(v @ sv), R @ w
        value = 0.5 * (1.0 - 2.0 * (s @ w) * m + (w @ Rw) * m * m + (w @ w) * n2)
        value += 0.5 * lam * (w @ w + v @ v)
        gw = -s * m + Rw * m * m + w * n2 + lam * w
        gv = (-(s @ w) + (w @ Rw) * m) * mu + (w @ w) * sv + lam * v
        return value, np.concatenate([gw, gv])

    scale = np.sqrt(np.linalg.norm(v) / max(np.linalg.norm(w), 1e-300))
    res = _lbfgs(fun, np.concatenate([w * scale, v / scale]), name="population_pooling",
                 max_iter=5000, tol=1e-8)
    w, v = res.x[:T], res.x[T:]
    m, n2 = float(mu @ v), float(v @ sigma @ v)
    if np.linalg.norm(w) * np.linalg.norm(v) < 1e-9:
        return PopulationPooling("factorised", np.zeros((T, task.d)), 0.0, lam)
    if w.sum() < 0:
        w, v = -w, -v
    return PopulationPooling("factorised", np.outer(w, v), m * m / (n2 + lam), lam)


def _oracle(task: LabelTask):
    """q*, M = q*R + I, score-scale optimal w, residual variance of the population optimum."""
    q = task.token_snr()
    if not np.isfinite(q):
        raise ValueError("the task has infinite token SNR (delta >= 1): no finite prediction")
    M = q * task.R + np.eye(task.T)
    w = np.sqrt(q) * np.linalg.solve(M, task.s)
    return q, M, w, float(1.0 - np.sqrt(q) * (task.s @ w))


def residual_variance(task: LabelTask) -> float:
    r"""Mean squared error :math:`\sigma_r^2 = \mathbb E(y - f^\star)^2` of the optimum (λ = 0).

    :math:`\sigma_r^2 = 1 - q^\star s^\top(q^\star R + I)^{-1}s` (least squares: the
    residual is orthogonal to the fit, so
    :math:`\mathbb E(y - f^\star)^2 = 1 - \mathbb E[yf^\star]`).
    """
    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    return _oracle(task)[3]


def predicted_profile_angle(task: LabelTask, n, parameterisation: str = "factorised"):
    r"""Predicted root-mean-square angle (degrees) of a learned profile from the supervised optimum.

    Square loss, λ → 0, to leading order in 1/n. With the read-out scaled to unit noise,
    the token scores have second moment :math:`M = q^\star R + I` and the optimum is
    :math:`w = \sqrt{q^\star}M^{-1}s`; :math:`\sigma_r^2` is :func:`residual_variance` and
    :math:`P_\perp` projects orthogonally to w.

    - *factorised*: the profile depends on v only through q(v), which is stationary at the
      optimum, so to first order it is a least-squares fit of y on T scores:
      :math:`\mathbb E\,\theta^2 \approx \sigma_r^2\operatorname{tr}(P_\perp M^{-1})/(n\|w\|^2)`.
    - *direct*: :math:`\hat B = B^\star + E` with
      :math:`\operatorname{Cov}(\operatorname{vec}E) = \tau^2 C^{-1}`,
      :math:`\tau^2 = \sigma_r^2/(n - Td - 1)` (least squares with Td parameters), C the
      second moment of vec X, :math:`C^{-1} = I\otimes\Sigma_Z^{-1} - R^{1/2}(I + q^\star
      R)^{-1}R^{1/2}\otimes\Sigma_Z^{-1}\mu\mu^\top\Sigma_Z^{-1}` (Woodbury). To first
      order the top left singular vector moves by :math:`P_\perp Eb/\sigma_1`, b the
      unit right singular vector of :math:`B^\star` and :math:`\sigma_1 = \|B^\star\|`:
      :math:`\mathbb E\,\theta^2 \approx \tau^2\operatorname{tr}\big(P_\perp[(b^\top
      \Sigma_Z^{-1}b)I - \|\Sigma_Z^{-1}\mu\|^2R(I + q^\star R)^{-1}]\big)/\sigma_1^2`.
      Defined for n > Td + 1 only (``nan`` otherwise).

    Both ignore terms of relative order :math:`n^{-1/2}`; at a few times Td sequences
    they are accurate to about 15 % (checked by simulation).

    Parameters
    ----------
    task : LabelTask
        With δ < 1.
    n : int or array_like of int
        Training-set sizes >= 1.
    parameterisation : {"factorised", "direct"}

    Returns
    -------
    float or numpy.ndarray
    """
    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    if parameterisation not in PARAMETERISATIONS:
        raise ValueError(f"parameterisation must be one of {PARAMETERISATIONS}, "
                         f"got {parameterisation!r}")
    n_arr = check_array(n, "n")
    if np.any(n_arr < 1) or np.any(n_arr != np.round(n_arr)):
        raise ValueError("n must contain integers >= 1")
    q, M, w, sigma_r2 = _oracle(task)
    T, d = task.T, task.d
    if parameterisation == "factorised":
        u = w / np.linalg.norm(w)
        P = np.eye(T) - np.outer(u, u)
        theta2 = sigma_r2 * np.trace(P @ np.linalg.solve(M, P)) / (w @ w) / n_arr
    else:
        B = population_pooling(task, 0.0, "direct").B
        U, S, Vt = np.linalg.svd(B, full_matrices=False)
        a, b = _positive_sign(U[:, 0]), Vt[0]
        sigma = task.noise_covariance()
        whitened_mu = np.linalg.solve(sigma, task.mu)
        cov = float(b @ np.linalg.solve(sigma, b)) * np.eye(T) - float(
            whitened_mu @ whitened_mu) * task.R @ np.linalg.inv(np.eye(T) + q * task.R)
        P = np.eye(T) - np.outer(a, a)
        dof = n_arr - T * d - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            theta2 = np.where(dof > 0, sigma_r2 / dof * np.trace(P @ cov) / S[0] ** 2, np.nan)
    out = np.degrees(np.sqrt(theta2))
    return float(out) if np.ndim(n) == 0 else out


def direct_noise_bulk(task: LabelTask, n: int) -> tuple[float, float]:
    r"""Predicted range of the T - 1 noise singular values of a learned direct B.

    Square loss, λ → 0.

    The estimation error :math:`E = \hat B - B^\star` has independent rows
    :math:`N(0, \tau^2\Sigma_Z^{-1})`, :math:`\tau^2 = \sigma_r^2/(n - Td - 1)`; so
    :math:`EE^\top = \tau^2 G\Sigma_Z^{-1}G^\top`, G a T×d standard Gaussian matrix, whose
    non-zero eigenvalues are :math:`\tau^2 T` times those of a sample covariance of T
    samples with population :math:`\Sigma_Z^{-1}`: the law
    :math:`\Sigma_Z^{-1}\boxtimes\mathrm{MP}_{d/T}` (:func:`attnrmt_lib.sample_support`).
    For fresh noise (:math:`\Sigma_Z = I`) the range is :math:`\tau(\sqrt d \pm \sqrt T)`.
    The edges are limits as T, d grow together; with T = 12 expect the extreme singular
    values to stray by a few per cent.

    Parameters
    ----------
    task : LabelTask
        With δ < 1.
    n : int
        Training-set size > Td + 1.

    Returns
    -------
    (low, high) : tuple of float
    """
    from .general_spectrum import sample_support

    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    T, d = task.T, task.d
    n = check_int(n, "n", T * d + 2)
    sigma_r2 = _oracle(task)[3]
    tau2 = sigma_r2 / (n - T * d - 1)
    inverse = 1.0 / np.linalg.eigvalsh(task.noise_covariance())
    support = sample_support(inverse, d / T)
    return (float(np.sqrt(tau2 * T * support[0][0])), float(np.sqrt(tau2 * T * support[-1][1])))


def profile_cosine(a, b) -> float:
    """Cosine of the angle between two profiles (after the sign convention), in [-1, 1]."""
    a, b = sign_fixed_profile(a), sign_fixed_profile(b)
    if a.size != b.size:
        raise ValueError(f"profiles must have the same length, got {a.size} and {b.size}")
    return float(np.clip(a @ b, -1.0, 1.0))


def _sign_patterns(s: np.ndarray):
    """Yield (patterns, probabilities) of ξ given y = +1, in chunks, exactly."""
    T = s.size
    if T > _MAX_ENUMERATED_T:
        raise ValueError(f"exact errors enumerate 2^T sign patterns; T must be <= "
                         f"{_MAX_ENUMERATED_T}, got {T}")
    bits = 1 << np.arange(T)
    p_plus = (1.0 + s) / 2.0
    for start in range(0, 1 << T, _PATTERN_CHUNK):
        idx = np.arange(start, min(start + _PATTERN_CHUNK, 1 << T))
        xi = np.where((idx[:, None] & bits) != 0, 1.0, -1.0)
        prob = np.prod(np.where(xi > 0, p_plus, 1.0 - p_plus), axis=1)
        yield xi, prob


def _error_from_margin(s: np.ndarray, signal: np.ndarray, noise_sd: float) -> float:
    """P(f < 0 | y = 1) for f = ξ·signal + N(0, noise_sd²), summed over the sign patterns."""
    total = 0.0
    for xi, prob in _sign_patterns(s):
        margin = xi @ signal
        if noise_sd > 0:
            total += prob @ scipy.special.ndtr(-margin / noise_sd)
        else:
            total += prob @ ((margin < 0) + 0.5 * (margin == 0))
    return float(total)


def profile_error(weights, s, snr: float) -> float:
    r"""Classification error of the pooling ``weights`` read out with token SNR q.

    With :math:`B = wv^\top` and Gaussian token noise, :math:`f/(\text{noise sd})` given
    y = +1 is :math:`\sqrt q\,\xi^\top w/\|w\| + N(0, 1)`, so

    .. math::

        P(\operatorname{sign} f \ne y) = \sum_{\xi\in\{\pm1\}^T} P(\xi \mid y = 1)\,
        \Phi\!\Big(-\sqrt q\,\frac{\xi^\top w}{\|w\|}\Big),

    summed exactly over the :math:`2^T` sign patterns (T <= 22); Φ the standard normal
    distribution function. Depends on w only through its direction.

    Parameters
    ----------
    weights : array_like, shape (T,)
    s : array_like, shape (T,)
        Purity profile.
    snr : float
        q >= 0 (e.g. :meth:`LabelTask.token_snr`).
    """
    s = check_array(s, "s")
    label_model(s)
    w = check_weights(weights, s.size)
    q = check_nonnegative(snr, "snr")
    return _error_from_margin(s, np.sqrt(q) * w / np.linalg.norm(w), 1.0)


def error_optimal_weights(s, snr: float) -> np.ndarray:
    r"""The profile minimising :func:`profile_error` exactly (not its Gaussian surrogate).

    The supervised profile maximises the Fisher ratio, which is the error only if the
    pooled signs :math:`\xi^\top w` were Gaussian; they are a sum of T independent ±1
    terms. This minimises the exact error over the sphere with L-BFGS, using

    .. math::

        \nabla_w P_e = -\sqrt q\,\mathbb E_\xi\Big[\varphi\big(\sqrt q\,\xi^\top\hat w\big)
        \,\frac{(I - \hat w\hat w^\top)\,\xi}{\|w\|}\Big], \qquad \hat w = w/\|w\|,

    started from :func:`supervised_weights` (φ the standard normal density).

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile (T <= 22).
    snr : float
        q >= 0.

    Returns
    -------
    numpy.ndarray, shape (T,)
        Unit norm, summing to a positive number.
    """
    s = check_array(s, "s")
    label_model(s)
    q = check_nonnegative(snr, "snr")
    patterns = list(_sign_patterns(s))
    root = np.sqrt(q)

    def fun(w):
        norm = np.linalg.norm(w)
        u = w / norm
        value, grad = 0.0, np.zeros_like(w)
        for xi, prob in patterns:
            z = root * (xi @ u)
            value += prob @ scipy.special.ndtr(-z)
            g = prob * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
            grad -= root * (g @ xi)
        grad = (grad - (grad @ u) * u) / norm
        return value, grad

    res = _lbfgs(fun, supervised_weights(s, q), name="error_optimal_weights", max_iter=2000,
                 tol=1e-8)
    return sign_fixed_profile(res.x)


def classification_error(B, task: LabelTask) -> float:
    r"""Test error of the classifier :math:`f = \langle B, X\rangle` on ``task``.

    Given the signs, :math:`f = \sum_t \xi_t (B\mu)_t + \sum_t B_t^\top z_{x_t}`; the noise
    has variance :math:`\sum_t B_t^\top\Sigma_Z B_t` and is treated as Gaussian (exact for
    fresh noise; for a table it is a sum of T independent projected rows). Summed exactly
    over the sign patterns as in :func:`profile_error`.

    Parameters
    ----------
    B : array_like, shape (T, d), or PoolingFit
    task : LabelTask
    """
    if isinstance(B, PoolingFit):
        B = B.B
    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    B = check_array(B, "B")
    if B.shape != (task.T, task.d):
        raise ValueError(f"B must have shape ({task.T}, {task.d}), got {B.shape}")
    sigma = task.noise_covariance()
    noise_var = float(np.einsum("td,de,te->", B, sigma, B))
    return _error_from_margin(task.s, B @ task.mu, np.sqrt(max(noise_var, 0.0)))


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


# -------------------------------------------------------------- empirical risk

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
            self.flat = (data.tokens * self.T + np.arange(self.T)).ravel()
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
            h = np.bincount(self.data.tokens.ravel(), weights=np.outer(r, w).ravel(),
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
        return _positive_sign(U[:, 0])


def _lbfgs(fun, x0, *, name: str, max_iter: int, tol: float):
    """L-BFGS that never hands back an unconverged point.

    Accepts the result only when the largest gradient entry at the returned point is at most
    ``tol`` (re-evaluated here, not taken from the optimiser's own report): a success flag
    alone is not enough, since L-BFGS-B also reports success when f stops decreasing, and a
    line search that fails at the start returns x0 itself. Raises ``RuntimeError`` naming
    ``name`` and the residual gradient otherwise.
    """
    x, used = np.asarray(x0, dtype=float), 0
    # L-BFGS-B may stop on "f no longer decreases" with the gradient just above tol: a
    # restart from there (fresh curvature pairs) finishes the job; three are plenty.
    for _ in range(4):
        result = scipy.optimize.minimize(
            fun, x, jac=True, method="L-BFGS-B",
            options=dict(maxiter=max_iter - used, maxfun=2 * max_iter, gtol=tol, ftol=1e-15,
                         maxcor=20))
        x, used = result.x, used + result.nit
        value, grad = fun(x)
        residual = float(np.max(np.abs(grad))) if np.size(grad) else 0.0
        if residual <= tol or used >= max_iter or result.nit == 0:
            break
    result.nit = used
    if not (np.isfinite(value) and residual <= tol):
        raise RuntimeError(
            f"{name}: L-BFGS did not converge after {result.nit} iterations "
            f"({result.message}); largest gradient entry {residual:.3g} > tol = {tol:.3g}")
    return result


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
    sign = float(np.sign(_positive_sign(U[:, 0]) @ U[:, 0]))
    x0 = np.concatenate([sign * U[:, 0] * scale, sign * Vt[0] * scale])

    def fun(x):
        value, gw, gv = _factorised(x[:T], x[T:], design, data.y, lam, loss)
        return value, np.concatenate([gw, gv])

    res = _lbfgs(fun, x0, name="fit_factorised_pooling", max_iter=max_iter, tol=tol)
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

    res = _lbfgs(fun, np.zeros(shape[0] * shape[1]), name="fit_direct_pooling",
                 max_iter=max_iter, tol=tol)
    return PoolingFit("direct", res.x.reshape(shape).copy(), None, None, lam, loss,
                      float(res.fun), int(res.nit))


# ------------------------------------------------------------- nuclear norm

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


# ------------------------------------------------------------ sample-size sweep

def profile_convergence(task: LabelTask, n_values, *, lam: float, seeds=(0,),
                        loss: str = "square"):
    r"""Fit both parameterisations at several sample sizes and compare with the optima.

    For each n and seed: draw n training sequences (seed), fit factorised and direct
    pooling, and record the angle (degrees) between the learned profile and the
    supervised optimum at :math:`q^\star` (:meth:`LabelTask.token_snr`), the angle to the
    spectral optimum (top eigenvector of R), the test error
    (:func:`classification_error`), the top singular value and the optimiser's flags.

    Parameters
    ----------
    task : LabelTask
    n_values : sequence of int
        Training-set sizes >= 1.
    lam : float
        Weight decay λ >= 0 (the same for both parameterisations).
    seeds : sequence of int, default (0,)
    loss : {"square", "logistic"}

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, ``seed``, ``parameterisation``, ``angle_supervised``,
        ``angle_spectral``, ``error``, ``sigma1``, ``n_iter``.
    """
    import pandas as pd

    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    n_values = [check_int(int(n) if isinstance(n, np.integer) else n, "n", 1)
                for n in n_values]
    w_sup = supervised_weights(task.s, task.token_snr())
    w_spec = optimal_weights(task.R)
    rows = []
    for n in n_values:
        for seed in seeds:
            data = label_sequences(task, n, seed=seed)
            for fit in (fit_factorised_pooling(data, lam=lam, loss=loss),
                        fit_direct_pooling(data, lam=lam, loss=loss)):
                p = fit.profile
                rows.append(dict(
                    n=n, seed=seed, parameterisation=fit.parameterisation,
                    angle_supervised=float(np.degrees(np.arccos(profile_cosine(p, w_sup)))),
                    angle_spectral=float(np.degrees(np.arccos(profile_cosine(p, w_spec)))),
                    error=classification_error(fit.B, task), sigma1=fit.singular_values[0],
                    n_iter=fit.n_iter))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- figures

FACTORISED = "C1"
DIRECT = "C0"


def _angle(p, ref) -> float:
    return float(np.degrees(np.arccos(profile_cosine(p, ref))))


@_readable
def plot_profile_family(s, snr: float, *, axes=None) -> Figure:
    r"""The supervised family of profiles: shapes (left) and classification errors (right).

    Left: the supervised optimum at token SNR ``snr`` (q*), the spectral optimum (top
    eigenvector of R), the matched filter s and the exact error minimiser
    (:func:`error_optimal_weights`). Right: the error (:func:`profile_error` at q*) of the
    family member :func:`supervised_weights` ``(s, q)`` as q runs from the spectral value
    :math:`-1/\lambda_{max}(R)` to large values, the three special members marked, and
    the error of the exact minimiser as a horizontal line.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile (T <= 22).
    snr : float
        q* >= 0, the token SNR of the read-out.
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    s = check_array(s, "s")
    q_star = check_nonnegative(snr, "snr")
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(11, 4.0))
    else:
        fig = axes[0].figure
    ax_w, ax_e = axes
    best = error_optimal_weights(s, q_star)
    plot_learned_profiles(s, {}, snr=q_star, ax=ax_w)
    t = np.arange(1, s.size + 1)
    ax_w.plot(t, best, "k", ls=(0, (1, 3)), lw=1.5,
              label=f"exact error minimiser: {_angle(best, supervised_weights(s, q_star)):.1f}°")
    ax_w.legend(fontsize="x-small", loc="upper right", title="angle to the supervised optimum",
                title_fontsize="x-small")
    lam_max = float(np.linalg.eigvalsh(label_model(s).R)[-1])
    q_spec = -1.0 / lam_max
    grid = np.linspace(q_spec, max(6.0, 3.0 * q_star), 120)
    errors = [profile_error(supervised_weights(s, q), s, q_star) for q in grid]
    ax_e.plot(grid, errors, color="0.3", lw=1.2,
              label=r"family $w_t \propto s_t/(1 + q(1 - s_t^2))$")
    marks = [(q_spec, POPULATION, "spectral"), (0.0, "0.5", "matched filter"),
             (q_star, THEORY, "supervised")]
    for q, color, name in marks:
        e = profile_error(supervised_weights(s, q), s, q_star)
        ax_e.plot([q], [e], "o", color=color, ms=8, label=f"{name} (q = {q:.2f}): {e:.4f}")
    ax_e.axhline(profile_error(best, s, q_star), color="k", ls=(0, (1, 3)), lw=1.2,
                 label=f"exact minimiser: {profile_error(best, s, q_star):.4f}")
    ax_e.set_xlabel("family parameter q")
    ax_e.set_ylabel("classification error")
    ax_e.legend(fontsize="x-small", loc="upper right",
                title=f"read out with token SNR q* = {q_star:.3g}", title_fontsize="x-small")
    return fig


@_readable
def plot_learned_profiles(s, fits: dict, *, snr: float, ax=None) -> Figure:
    r"""Learned positional profiles against the supervised and the spectral optimum.

    Lines: the supervised optimum :func:`supervised_weights` at token SNR ``snr``, the
    spectral optimum (top eigenvector of R, chapter 4) and the matched filter
    :math:`s/\|s\|` (q = 0). Markers: the profile of each fit (top left singular vector of
    B). The legend gives each curve's angle to the supervised optimum.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile.
    fits : dict
        Name -> :class:`PoolingFit` (or a profile of shape (T,)).
    snr : float
        q >= 0 of the supervised optimum.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    s = check_array(s, "s")
    sup = supervised_weights(s, snr)
    spec = optimal_weights(label_model(s).R)
    fig, ax = _axes(ax)
    t = np.arange(1, s.size + 1)
    ax.plot(t, sup, color=THEORY, lw=2, label=f"supervised, q* = {snr:.3g}")
    ax.plot(t, spec, color=POPULATION, lw=1.5, ls="--",
            label=f"spectral (top eigenvector of R): {_angle(spec, sup):.1f}°")
    ax.plot(t, sign_fixed_profile(s), color="0.5", lw=1, ls=":",
            label=f"matched filter s (q = 0): {_angle(s, sup):.1f}°")
    markers = ["s", "o", "^", "D", "v"]
    colors = [FACTORISED, DIRECT, "C4", "C5", "C6"]
    for i, (name, fit) in enumerate(fits.items()):
        p = fit.profile if isinstance(fit, (PoolingFit, PopulationPooling)) \
            else sign_fixed_profile(fit)
        ax.plot(t, p, markers[i % 5], color=colors[i % 5], ms=6, mfc="none", mew=1.5,
                label=f"{name}: {_angle(p, sup):.1f}°")
    ax.axhline(0.0, color="0.8", lw=0.8)
    ax.set_xlabel("position t")
    ax.set_ylabel(r"profile $w_t$ (unit norm)")
    ax.set_xticks(t[:: max(1, s.size // 12)])
    top = max(sup.max(), spec.max())
    ax.set_ylim(min(0.0, sup.min(), spec.min()) - 0.03, 1.25 * top)
    ax.legend(fontsize="x-small", loc="upper right", title="angle to the supervised optimum",
              title_fontsize="x-small")
    return fig


@_readable
def plot_singular_values(direct: PoolingFit, factorised: PoolingFit, *, bulk=None,
                         ax=None) -> Figure:
    r"""Singular values of a learned direct B against those of a learned :math:`wv^\top`.

    The factorised matrix has rank one by construction (one non-zero singular value,
    :math:`\|w\|\|v\|`); the direct one has a spike (the population solution is rank one,
    :func:`population_pooling`) plus T - 1 singular values of estimation noise.

    Parameters
    ----------
    direct, factorised : PoolingFit
    bulk : tuple (low, high), optional
        Predicted range of the noise singular values (:func:`direct_noise_bulk`), a band.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    for name, fit in (("direct", direct), ("factorised", factorised)):
        if not isinstance(fit, PoolingFit):
            raise ValueError(f"{name} must be a PoolingFit, got {type(fit).__name__}")
    fig, ax = _axes(ax)
    sd, sf = direct.singular_values, factorised.singular_values
    i = np.arange(1, sd.size + 1)
    if bulk is not None:
        low, high = bulk
        ax.axhspan(low, high, color=DIRECT, alpha=0.15, lw=0,
                   label=r"predicted noise range ($\lambda \to 0$)")
    ax.plot(i, sd, "o", color=DIRECT, ms=6, label=r"direct $B$")
    ax.plot([1], sf[:1], "s", color=FACTORISED, ms=10, mfc="none", mew=2,
            label=r"factorised $wv^\top$ ($\sigma_{i>1} = 0$)")
    ax.set_xlabel("index i")
    ax.set_ylabel(r"singular value $\sigma_i$")
    ax.set_ylim(0.0, 1.15 * max(sd[0], sf[0], bulk[1] if bulk is not None else 0.0))
    ax.set_xticks(i)
    ax.legend(fontsize="small", loc="upper right")
    return fig


@_readable
def plot_learned_pooling(task: LabelTask, factorised: PoolingFit, direct: PoolingFit, *,
                         n: int | None = None, axes=None) -> Figure:
    r"""Two panels: learned profiles against the optima, and the singular values of B.

    Left: :func:`plot_learned_profiles` with the supervised optimum at :math:`q^\star`
    (:meth:`LabelTask.token_snr`). Right: :func:`plot_singular_values`, with the predicted
    noise range :func:`direct_noise_bulk` when n (the training-set size) exceeds Td + 1.

    Parameters
    ----------
    task : LabelTask
    factorised, direct : PoolingFit
    n : int, optional
        Training-set size (for the predicted noise range).
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(11, 4.2))
    else:
        fig = axes[0].figure
    plot_learned_profiles(task.s, {"factorised": factorised, "direct": direct},
                          snr=task.token_snr(), ax=axes[0])
    bulk = None
    if n is not None and n > task.T * task.d + 1 and task.delta < 1:
        bulk = direct_noise_bulk(task, n)
    plot_singular_values(direct, factorised, bulk=bulk, ax=axes[1])
    title = rf"$\lambda$ = {direct.lam:.3g}"
    if n is not None:
        title = f"n = {n} sequences, " + title
    axes[1].set_title(title, fontsize="medium")
    return fig


@_readable
def plot_profile_convergence(table, task: LabelTask | None = None, *, axes=None) -> Figure:
    r"""Angle to the supervised optimum and test error against the sample size.

    Left: root-mean-square over seeds of the angle between each learned profile and the
    supervised optimum, with the predictions of :func:`predicted_profile_angle` (dashed)
    and the angle of the spectral optimum (a horizontal line). Right: mean test error
    (:func:`classification_error`) with the errors of the supervised and the spectral
    profile read out along the best direction (:func:`profile_error` at :math:`q^\star`).
    Shaded: the range over seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`profile_convergence`.
    task : LabelTask, optional
        The task of the table, for the reference lines and predictions.
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(11, 4.0))
    else:
        fig = axes[0].figure
    ax_a, ax_e = axes
    n_all = np.sort(table["n"].unique()).astype(float)
    grid = np.geomspace(n_all[0], n_all[-1], 200)
    for name, color, marker in (("factorised", FACTORISED, "s"), ("direct", DIRECT, "o")):
        part = table[table.parameterisation == name]
        if part.empty:
            continue
        g = part.groupby("n")
        n = np.asarray(sorted(g.groups), dtype=float)
        rms = np.sqrt(g["angle_supervised"].apply(lambda a: np.mean(np.square(a))))
        ax_a.plot(n, rms.to_numpy(), marker + "-", color=color, ms=5, label=f"{name} (RMS)")
        ax_a.fill_between(n, g["angle_supervised"].min(), g["angle_supervised"].max(),
                          color=color, alpha=0.15, lw=0)
        ax_e.plot(n, g["error"].mean().to_numpy(), marker + "-", color=color, ms=5,
                  label=name)
        ax_e.fill_between(n, g["error"].min(), g["error"].max(), color=color, alpha=0.15,
                          lw=0)
        if task is not None:
            # The first-order prediction needs n well above the number of parameters.
            valid = grid if name == "factorised" else grid[grid > 2 * (task.T * task.d + 1)]
            if valid.size:
                ax_a.plot(valid, predicted_profile_angle(task, np.round(valid), name),
                          color=color, ls="--", lw=1, label=f"{name}, prediction")
    if task is not None:
        for ax in axes:
            ax.axvline(task.T * task.d, color="0.6", ls=":", lw=1,
                       label=f"n = Td = {task.T * task.d}"
                       if ax is ax_e else None)
        q = task.token_snr()
        sup, spec = supervised_weights(task.s, q), optimal_weights(task.R)
        ax_a.axhline(_angle(spec, sup), color=POPULATION, ls="--", lw=1.2,
                     label="spectral optimum")
        ax_e.axhline(profile_error(sup, task.s, q), color=THEORY, lw=1.2,
                     label="supervised optimum")
        ax_e.axhline(profile_error(spec, task.s, q), color=POPULATION, ls="--", lw=1.2,
                     label="spectral profile, best read-out")
    ax_a.set_ylabel("angle to supervised optimum (°)", fontsize="small")
    ax_a.set_yscale("log")
    ax_a.yaxis.set_major_locator(FixedLocator([0.5, 1, 2, 5, 10, 20, 50, 100]))
    ax_a.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax_a.yaxis.set_minor_formatter(NullFormatter())
    ax_e.set_ylabel("test error")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("training sequences n")
    ax_a.legend(fontsize="small", loc="lower left")
    low, high = ax_e.get_ylim()
    ax_e.set_ylim(low, high + 0.5 * (high - low))  # room for the legend above the curves
    ax_e.legend(fontsize="x-small", loc="upper right")
    return fig
