r"""Population optima of learned pooling and the exact classification errors.

The supervised profile :func:`supervised_weights` and its family, the population
minimisers of the two square-loss objectives (:func:`population_pooling`), the
leading-order predictions for a finite training set (:func:`predicted_profile_angle`,
:func:`direct_noise_bulk`) and the classification error of a profile or a classifier,
summed exactly over the :math:`2^T` sign patterns (:func:`profile_error`,
:func:`classification_error`, :func:`error_optimal_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.special

from .._validation import check_array, check_int, check_nonnegative, check_weights
from ..general_spectrum import sample_support
from ..labels import label_model
from ..weights import positive_sign
from ._solver import lbfgs
from .task import LabelTask
from .training import PoolingFit

__all__ = [
    "PARAMETERISATIONS",
    "sign_fixed_profile",
    "supervised_weights",
    "whitened_snr",
    "PopulationPooling",
    "population_pooling",
    "residual_variance",
    "predicted_profile_angle",
    "direct_noise_bulk",
    "profile_cosine",
    "profile_error",
    "error_optimal_weights",
    "classification_error",
]


PARAMETERISATIONS = ("direct", "factorised")


_PATTERN_CHUNK = 1 << 16


_MAX_ENUMERATED_T = 22


def sign_fixed_profile(weights) -> np.ndarray:
    """Unit-norm weights with the book's sign convention (sum > 0, else first non-zero > 0)."""
    w = check_weights(weights)
    return positive_sign(w / np.linalg.norm(w))


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
        return positive_sign(U[:, 0])


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
    res = lbfgs(fun, np.concatenate([w * scale, v / scale]), name="population_pooling",
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
        a, b = positive_sign(U[:, 0]), Vt[0]
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

    res = lbfgs(fun, supervised_weights(s, q), name="error_optimal_weights", max_iter=2000,
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
