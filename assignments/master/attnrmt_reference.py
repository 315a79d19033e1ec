"""Reference values for the hidden tests of the problem sets (autograder only: never released).

Every function computes its quantity independently of the student's answers and of the library
function the corresponding question asks the student to write: by brute force (explicit
matrices, attention rows, truncated power series, a numerical rank), by bisection instead of a
closed form, or, where the closed form *is* the statement of the question's prompt, from that
formula. The hidden tests compare the students' answers with these values and use correct
versions of earlier answers as stand-ins, so that every question is graded on its own.
"""

from __future__ import annotations

import numpy as np

# --- positional models and pooling weights, built by hand ---------------------------------


def label_R(s):
    """R of the label model: E[xi_t xi_s] = s_t s_s off the diagonal, 1 on it."""
    s = np.asarray(s, dtype=float)
    R = np.outer(s, s)
    R[np.diag_indices_from(R)] = 1.0
    return R


def markov_R(T, phi):
    """R_ts = phi^|t - s| (0^0 = 1)."""
    lag = np.abs(np.subtract.outer(np.arange(T), np.arange(T)))
    return np.where(lag == 0, 1.0, float(phi) ** lag)


def exchangeable_R(T, c):
    return (1.0 - c) * np.eye(T) + c * np.ones((T, T))


def gain(w, R):
    w = np.asarray(w, dtype=float)
    return float(w @ np.asarray(R, dtype=float) @ w / (w @ w))


def limit_attention(T, tau=0.0):
    """The T x T large-d causal attention matrix: row t is the softmax of tau * e_t over s <= t."""
    scores = np.where(np.eye(T, dtype=bool), float(tau), 0.0)
    mask = np.tril(np.ones((T, T), dtype=bool))
    e = np.where(mask, np.exp(scores), 0.0)
    return e / e.sum(axis=1, keepdims=True)


def causal_weights(T, tau=0.0):
    """Pooling weights of the limit attention: column sums of the attention matrix over T."""
    return limit_attention(T, tau).sum(axis=0) / T


# --- bulk ---------------------------------------------------------------------------------


def cubic_edges(delta, gamma, kappa=1.0):
    """(lower, upper) edge of kappa * (MP_delta boxtimes MP_gamma) from the general cubic.

    The real critical points of lambda(psi) solve 2 delta gamma psi^3 + (delta + gamma +
    delta gamma) psi^2 - 1 = 0; those where a factor 1 + c psi vanishes are discarded. The
    lower edge is returned for a support separated from zero (else 0).
    """
    roots = np.roots([2 * delta * gamma, delta + gamma + delta * gamma, 0.0, -1.0])
    roots = roots[np.abs(roots.imag) < 1e-9].real
    values = []
    for psi in roots:
        factors = np.array([1 + psi, 1 + delta * psi, 1 + gamma * psi])
        if psi == 0 or np.any(np.abs(factors) < 1e-9):
            continue
        lam = kappa * np.prod(factors) / psi
        if lam > 0:
            values.append(lam)
    upper = max(values)
    lower = min(values) if len(values) > 1 else 0.0
    return lower, upper


def bulk_moments_series(n, delta, gamma, kappa=1.0):
    """Moments m_1..m_n of kappa * (MP_delta boxtimes MP_gamma).

    Iterates psi = z (1 + psi)(1 + delta psi)(1 + gamma psi) on power series in z truncated at
    order n (one more correct coefficient per iteration); m_k is the coefficient of z^k times
    kappa^k.
    """
    size = n + 1
    one = np.eye(1, size)[0]
    psi = np.zeros(size)
    for _ in range(size):
        f = np.convolve(np.convolve(one + psi, one + delta * psi), one + gamma * psi)[:size]
        psi = np.concatenate([[0.0], f[: size - 1]])
    return psi[1:] * kappa ** np.arange(1, size)


def atom_by_rank(delta, gamma, d=60, seed=0):
    """1 - rank(S)/d for S = (AZ)^T (AZ) / N with Gaussian A (N x V) and Z (V x d).

    d/delta and d/gamma must be integers. The rank is computed numerically: this checks the
    rank argument, not a formula.
    """
    V, N = round(d / delta), round(d / gamma)
    assert np.isclose(V, d / delta) and np.isclose(N, d / gamma)
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((N, V)) @ rng.standard_normal((V, d))
    return 1.0 - np.linalg.matrix_rank(C.T @ C / N) / d


# --- transitions --------------------------------------------------------------------------


def rho1(delta):
    """Population threshold: minimum over x > 0 of delta + x with beta at the MP edge, by bisection.

    beta(x)/kappa = (delta + x)(1 + 1/x) is minimal at its only critical point; the threshold is
    delta + argmin. Solved numerically on d beta/dx = 1 - delta/x^2 = 0.
    """
    lo, hi = 1e-12, 1e6
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if 1.0 - delta / mid ** 2 < 0:
            lo = mid
        else:
            hi = mid
    return delta + 0.5 * (lo + hi)


def p(x, delta, gamma):
    return x ** 3 - (delta + gamma + gamma * delta) * x - 2.0 * gamma * delta


def x_star(delta, gamma):
    """Largest real root of p, by bisection (p < 0 on (0, x0], increasing beyond x0)."""
    lo = np.sqrt((delta + gamma + gamma * delta) / 3.0)
    hi = max(1.0, 2.0 * lo)
    while p(hi, delta, gamma) <= 0:
        hi *= 2.0
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if p(mid, delta, gamma) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def rho2(delta, gamma):
    return delta + x_star(delta, gamma)


def outlier(rho, delta, gamma, kappa=1.0):
    x = rho - delta
    return kappa * rho * (x + 1.0) * (x + gamma) / x ** 2


def alignment(rho, delta, gamma):
    if rho <= rho2(delta, gamma):
        return 0.0
    x = rho - delta
    return p(x, delta, gamma) / (x ** 2 * (x + gamma))


def paul_outlier(rho, gamma):
    return (1.0 + rho) * (1.0 + gamma / rho)


def paul_alignment(rho, gamma):
    if rho <= np.sqrt(gamma):
        return 0.0
    return (1.0 - gamma / rho ** 2) / (1.0 + gamma / rho)


# --- optimal weights ----------------------------------------------------------------------


def top_eigenvector(R):
    """Unit top eigenvector of R by power iteration on R + shift I (entries summing >= 0)."""
    R = np.asarray(R, dtype=float)
    shift = np.abs(R).sum(axis=1).max()  # makes R + shift I positive semi-definite
    v = np.ones(len(R)) + 0.01 * np.arange(len(R))
    for _ in range(100000):
        new = R @ v + shift * v
        new /= np.linalg.norm(new)
        if np.linalg.norm(new - v) < 1e-14:
            break
        v = new
    return new if new.sum() >= 0 else -new


def detection_threshold(w, R, delta, gamma):
    return rho2(delta, gamma) / gain(w, R)


# --- sums by brute force ------------------------------------------------------------------


def mean_gain(R):
    T = len(R)
    return gain(np.full(T, 1.0 / T), R)


def harmonic_kappa(T):
    w = causal_weights(T, 0.0)
    return float(w @ w)
