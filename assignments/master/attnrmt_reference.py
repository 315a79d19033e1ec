"""Reference values for the hidden tests of the problem sets (autograder only: never released).

Every function computes its quantity independently of the student's answers and of the library
function the corresponding question asks the student to write: by brute force (explicit
matrices, attention rows, truncated power series, a numerical rank, the law of a sum of signs
by convolution), by bisection or finite differences instead of a closed form, by its own
quadrature (the Tracy–Widom distribution as a Fredholm determinant), or, where the closed form
*is* the statement of the question's prompt, from that formula. The hidden tests compare the
students' answers with these values and use correct versions of earlier answers as stand-ins,
so that every question is graded on its own.
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


# --- toolbox ------------------------------------------------------------------------------


def mp_stieltjes_bisect(z, gamma):
    """G_gamma(z) for real z above the edge: the smaller root of gamma z G^2 - (z + gamma - 1) G + 1.

    By bisection on [0, vertex]: the quadratic is 1 at G = 0 and negative at its vertex above
    the edge, and G(z) ~ 1/z selects the smaller root.
    """
    z, gamma = float(z), float(gamma)
    q = lambda g: gamma * z * g * g - (z + gamma - 1.0) * g + 1.0  # noqa: E731
    lo, hi = 0.0, (z + gamma - 1.0) / (2.0 * gamma * z)
    assert q(hi) < 0, "z must lie above the upper edge"
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if q(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def s_coefficients_by_iteration(moments, n=3):
    """s_0..s_{n-1} of the S-transform: chi by fixed-point iteration on truncated power series.

    chi = (z - sum_{k>=2} m_k chi^k) / m_1 gains one correct coefficient per iteration; then
    S(z) = (1 + z) chi(z) / z.
    """
    m = np.asarray(moments, dtype=float)
    size = n + 2
    z = np.eye(1, size, 1)[0]
    chi = np.zeros(size)
    for _ in range(size):
        power = chi.copy()
        rest = np.zeros(size)
        for k in range(2, len(m) + 1):
            power = np.convolve(power, chi)[:size]
            rest += m[k - 1] * power
        chi = (z - rest) / m[0]
    chi_over_z = chi[1:]
    return (chi_over_z + np.concatenate([[0.0], chi_over_z[:-1]]))[:n]


def product_upper_edge(ratios, kappa=1.0):
    """Upper edge of kappa * MP_c1 boxtimes ... boxtimes MP_ck: min over M > 0 of lambda(M).

    lambda(M) = kappa (1 + M) prod(1 + c_i M) / M; the minimum is where
    d log lambda / d log M = M/(1 + M) + sum c_i M/(1 + c_i M) - 1 vanishes (increasing in M),
    found by bisection.
    """
    c, kappa = np.asarray(ratios, dtype=float), float(kappa)
    slope = lambda M: M / (1 + M) + np.sum(c * M / (1 + c * M)) - 1.0  # noqa: E731
    lo, hi = 0.0, 1.0
    while slope(hi) <= 0:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if slope(mid) < 0:
            lo = mid
        else:
            hi = mid
    M = 0.5 * (lo + hi)
    return float(kappa * (1 + M) * np.prod(1 + c * M) / M)


def spiked_matrix(a, p, rho):
    """(top eigenvalue, squared projection of its eigenvector on u) of diag(a) + rho u u^T, u = sqrt(p)."""
    a = np.asarray(a, dtype=float)
    u = np.sqrt(np.asarray(p, dtype=float))
    rho = float(rho)
    values, vectors = np.linalg.eigh(np.diag(a) + rho * np.outer(u, u))
    return float(values[-1]), float((vectors[:, -1] @ u) ** 2)


# --- decisions ----------------------------------------------------------------------------


def laurent_lambda(psi, delta, gamma, kappa=1.0):
    """lambda(psi) = kappa (1 + psi)(1 + delta psi)(1 + gamma psi) / psi."""
    return kappa * (1 + psi) * (1 + delta * psi) * (1 + gamma * psi) / psi


def tw_scale(delta, gamma, kappa=1.0):
    """sigma = a^(-2/3), a = sqrt(2/lambda'') / lambda_+, with psi_* = 1/x_* (bisection) and
    lambda'' by a central finite difference (not the closed form), in float64 whatever the inputs."""
    delta, gamma, kappa = float(delta), float(gamma), float(kappa)
    psi = 1.0 / x_star(delta, gamma)
    h = 1e-4 * psi
    edge = laurent_lambda(psi, delta, gamma, kappa)
    curvature = (laurent_lambda(psi + h, delta, gamma, kappa) - 2 * edge
                 + laurent_lambda(psi - h, delta, gamma, kappa)) / h ** 2
    a = np.sqrt(2.0 / curvature) / edge
    return float(a ** (-2.0 / 3.0))


def tw1_cdf(s, nodes=80):
    """Tracy-Widom (beta = 1) distribution F_1(s) = det(I - K_s) on L^2(0, inf), K_s(x, y) = Ai(x + y + s).

    Nystrom discretisation with Gauss-Legendre nodes on the interval [0, L], beyond which the
    Airy kernel is below 1e-18 (Ferrari and Spohn 2005; Bornemann 2010).
    """
    from scipy.special import airy

    s = float(s)
    L = max(16.0 - s, 8.0)
    x, w = np.polynomial.legendre.leggauss(nodes)
    x, w = 0.5 * L * (x + 1.0), 0.5 * L * w
    root = np.sqrt(w)
    K = airy(x[:, None] + x[None, :] + s)[0]
    return float(np.linalg.det(np.eye(nodes) - root[:, None] * K * root[None, :]))


def edge_statistic(top, d, delta, gamma, kappa=1.0):
    """(top - lambda_+) d^(2/3) / sigma, with the edge from the cubic and sigma from :func:`tw_scale`."""
    top, delta, gamma, kappa = float(top), float(delta), float(gamma), float(kappa)
    return (top - cubic_edges(delta, gamma, kappa)[1]) * d ** (2.0 / 3.0) / tw_scale(delta, gamma, kappa)


def rho_from_outlier(top, delta, gamma, kappa=1.0):
    """The rho > rho_2 with outlier(rho) = top, by bisection (rho_2 at or below the edge)."""
    top, delta, gamma, kappa = float(top), float(delta), float(gamma), float(kappa)
    r2 = rho2(delta, gamma)
    if top <= outlier(r2, delta, gamma, kappa):
        return r2
    lo, hi = r2, 2.0 * r2 + 1.0
    while outlier(hi, delta, gamma, kappa) < top:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if outlier(mid, delta, gamma, kappa) < top:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def label_error(w, s, eta_tilde):
    """Error of the spectral classifier: the law of xi^T w under the label model by convolution.

    The distribution of b = sum_t w_t xi_t given the label +1 is built position by position
    (a dictionary of values and probabilities, xi_t = +1 with probability (1 + s_t)/2), then
    averaged against Phi(-sqrt(q_eff) b / ||w||).
    """
    from math import erfc, sqrt

    w, s = np.asarray(w, dtype=float), np.asarray(s, dtype=float)
    law = {0.0: 1.0}
    for wt, st in zip(w, s):
        new = {}
        for value, prob in law.items():
            for sign, ps in ((1.0, (1 + st) / 2), (-1.0, (1 - st) / 2)):
                key = value + sign * wt
                new[key] = new.get(key, 0.0) + prob * ps
        law = new
    R = label_R(s)
    eta_tilde = float(eta_tilde)
    q = eta_tilde / (1 - eta_tilde) / gain(w, R)
    norm = sqrt(float(w @ w))
    return sum(prob * 0.5 * erfc(sqrt(q) * value / norm / sqrt(2.0)) for value, prob in law.items())


def plugin_loss_gaussian(R, q, N):
    """First-order loss sum_j (lambda_1 - lambda_j) E(e_j^T w_hat)^2, with E(e_j^T w_hat)^2 =
    l_1 l_j / (N (l_1 - l_j)^2) for the Gaussian projections of population eigenvalues l = q lambda + 1."""
    lam = np.sort(np.linalg.eigvalsh(np.asarray(R, dtype=float)))[::-1]
    ell = float(q) * lam + 1.0
    return float(np.sum((lam[0] - lam[1:]) * ell[0] * ell[1:] / (N * (ell[0] - ell[1:]) ** 2)))
