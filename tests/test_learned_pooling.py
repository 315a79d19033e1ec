"""Tests for attnrmt_lib.learned_pooling: learned pooling on the label model."""

import numpy as np
import scipy.optimize
import pytest
import scipy.special

import attnrmt_lib as arl
from attnrmt_lib.labels import geometric_purity
from attnrmt_lib.learned_pooling import (
    classification_error,
    direct_noise_bulk,
    direct_objective,
    empirical_error,
    factorised_objective,
    fit_direct_pooling,
    fit_factorised_pooling,
    label_sequences,
    label_task,
    min_factorised_penalty,
    nuclear_norm,
    population_pooling,
    predicted_profile_angle,
    profile_cosine,
    profile_error,
    residual_variance,
    supervised_weights,
    whitened_snr,
)

T, D = 12, 100
S = geometric_purity(T, 0.9, 0.8)


@pytest.fixture(scope="module")
def task():
    return label_task(S, d=D, delta=0.5, mu_norm2=1.0, seed=1)


@pytest.fixture(scope="module")
def small():
    """A small table task and data set for gradient and closed-form checks."""
    t = label_task(S[:5], d=8, delta=0.5, mu_norm2=1.5, seed=3)
    return t, label_sequences(t, 60, seed=4)


def _angle(a, b):
    return np.degrees(np.arccos(profile_cosine(a, b)))


# ------------------------------------------------------------------ validation

def test_bad_inputs_raise(task, small):
    _, data = small
    with pytest.raises(ValueError, match="lam"):
        fit_direct_pooling(data, lam=-1.0)
    with pytest.raises(ValueError, match="lam"):
        fit_factorised_pooling(data, lam=float("nan"))
    with pytest.raises(ValueError, match="lam"):
        direct_objective(np.zeros((5, 8)), data, lam=-0.1)
    with pytest.raises(ValueError, match="loss"):
        fit_direct_pooling(data, lam=0.1, loss="hinge")
    with pytest.raises(ValueError, match="B must have shape"):
        direct_objective(np.zeros((4, 8)), data, lam=0.1)
    with pytest.raises(ValueError, match="w must have shape"):
        factorised_objective(np.zeros(4), np.zeros(8), data, lam=0.1)
    with pytest.raises(ValueError, match="v must have shape"):
        factorised_objective(np.zeros(5), np.zeros(7), data, lam=0.1)
    X = data.X
    with pytest.raises(ValueError, match="X must have shape"):
        fit_direct_pooling((X[:, 0], data.y), lam=0.1)
    with pytest.raises(ValueError, match="y must have shape"):
        fit_direct_pooling((X, data.y[:-1]), lam=0.1)
    with pytest.raises(ValueError, match="labels"):
        fit_direct_pooling((X, 0.5 * data.y), lam=0.1)
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="X must contain only finite"):
        fit_factorised_pooling((bad, data.y), lam=0.1)
    with pytest.raises(ValueError, match="data must be"):
        fit_direct_pooling(X, lam=0.1)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        label_task([0.5, 1.2], d=10, delta=0.5, mu_norm2=1.0)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        supervised_weights([0.5, -1.5], 1.0)
    with pytest.raises(ValueError, match="s must contain only finite"):
        label_task([0.5, np.nan], d=10, delta=0.5, mu_norm2=1.0)
    with pytest.raises(ValueError, match="delta"):
        label_task(S, d=10, delta=-0.5, mu_norm2=1.0)
    with pytest.raises(ValueError, match="mu_norm2"):
        label_task(S, d=10, delta=0.5, mu_norm2=-1.0)
    with pytest.raises(ValueError, match="snr"):
        supervised_weights(S, -1.0)
    with pytest.raises(ValueError, match="snr"):
        profile_error(S, S, -0.5)
    with pytest.raises(ValueError, match="n must be"):
        label_sequences(task, 0)
    with pytest.raises(ValueError, match="T must be"):
        profile_error(np.ones(23), np.full(23, 0.5), 1.0)
    with pytest.raises(ValueError, match="n must be"):
        direct_noise_bulk(task, T * D)
    with pytest.raises(ValueError, match="delta"):
        whitened_snr(1.0, 1.0)
    with pytest.raises(ValueError, match="full column rank"):
        min_factorised_penalty(np.ones((5, 2)), np.ones((8, 2)))


# --------------------------------------------------------------- reproducibility

def test_same_seed_same_draws_and_fits(small):
    t, data = small
    again = label_task(S[:5], d=8, delta=0.5, mu_norm2=1.5, seed=3)
    assert np.array_equal(again.Z, t.Z) and np.array_equal(again.mu, t.mu)
    twin = label_sequences(again, 60, seed=4)
    for name in ("y", "signs", "tokens"):
        assert np.array_equal(getattr(twin, name), getattr(data, name))
    other = label_sequences(t, 60, seed=5)
    assert not np.array_equal(other.tokens, data.tokens)
    assert np.abs(t.Z.mean(axis=0)).max() < 1e-12  # centered table
    assert t.mu_norm2 == pytest.approx(1.5)
    a, b = fit_factorised_pooling(data, lam=0.1), fit_factorised_pooling(twin, lam=0.1)
    assert np.array_equal(a.B, b.B)


def test_labels_and_purity_follow_the_label_model():
    t = label_task(S, d=5, delta=0.0, mu_norm2=1.0, seed=0)
    n = 40_000
    data = label_sequences(t, n, seed=1)
    assert data.X.shape == (n, T, 5) and t.Z is None
    agreement = np.mean(data.signs == data.y[:, None], axis=0)
    # Binomial standard error of a frequency: at most 0.5/sqrt(n); allow four of them.
    assert np.all(np.abs(agreement - (1 + S) / 2) < 4 * 0.5 / np.sqrt(n))
    assert abs(np.mean(data.y)) < 4 / np.sqrt(n)


# --------------------------------------------------------------------- gradients

@pytest.mark.parametrize("loss", ["square", "logistic"])
@pytest.mark.parametrize("fresh", [False, True])
def test_gradients_match_finite_differences(loss, fresh):
    t = label_task(S[:5], d=8, delta=0.0 if fresh else 0.5, mu_norm2=1.5, seed=3)
    data = label_sequences(t, 60, seed=4)
    rng = np.random.default_rng(0)
    w, v, B = rng.standard_normal(5), rng.standard_normal(8), rng.standard_normal((5, 8))
    lam, h = 0.3, 1e-6
    _, gw, gv = factorised_objective(w, v, data, lam=lam, loss=loss)
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        fd = (factorised_objective(w + e, v, data, lam=lam, loss=loss)[0]
              - factorised_objective(w - e, v, data, lam=lam, loss=loss)[0]) / (2 * h)
        assert fd == pytest.approx(gw[i], rel=1e-6, abs=1e-8)
    for i in range(8):
        e = np.zeros(8)
        e[i] = h
        fd = (factorised_objective(w, v + e, data, lam=lam, loss=loss)[0]
              - factorised_objective(w, v - e, data, lam=lam, loss=loss)[0]) / (2 * h)
        assert fd == pytest.approx(gv[i], rel=1e-6, abs=1e-8)
    _, gB = direct_objective(B, data, lam=lam, loss=loss)
    for i, j in [(0, 0), (2, 5), (4, 7), (1, 3)]:
        E = np.zeros((5, 8))
        E[i, j] = h
        fd = (direct_objective(B + E, data, lam=lam, loss=loss)[0]
              - direct_objective(B - E, data, lam=lam, loss=loss)[0]) / (2 * h)
        assert fd == pytest.approx(gB[i, j], rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_table_path_equals_dense_embeddings(small, loss):
    _, data = small
    rng = np.random.default_rng(1)
    w, v, B = rng.standard_normal(5), rng.standard_normal(8), rng.standard_normal((5, 8))
    X = data.X
    # Definition: f_n = sum_t w_t v.X_{n,t} and <B, X_n>, straight from the tensor.
    f_fact = np.einsum("t,ntd,d->n", w, X, v)
    f_dir = np.einsum("td,ntd->n", B, X)
    if loss == "square":
        expect = [0.5 * np.mean((data.y - f) ** 2) for f in (f_fact, f_dir)]
    else:
        expect = [np.mean(np.log1p(np.exp(-data.y * f))) for f in (f_fact, f_dir)]
    lam = 0.2
    sparse_f = factorised_objective(w, v, data, lam=lam, loss=loss)
    dense_f = factorised_objective(w, v, (X, data.y), lam=lam, loss=loss)
    assert sparse_f[0] == pytest.approx(expect[0] + 0.1 * (w @ w + v @ v), rel=1e-12)
    for a, b in zip(sparse_f, dense_f):
        assert np.allclose(a, b, rtol=1e-11, atol=1e-13)
    sparse_d = direct_objective(B, data, lam=lam, loss=loss)
    dense_d = direct_objective(B, (X, data.y), lam=lam, loss=loss)
    assert sparse_d[0] == pytest.approx(expect[1] + 0.1 * np.sum(B * B), rel=1e-12)
    for a, b in zip(sparse_d, dense_d):
        assert np.allclose(a, b, rtol=1e-11, atol=1e-13)


# ------------------------------------------------------------------ optimisation

def test_direct_square_fit_is_the_ridge_solution(small):
    _, data = small
    lam = 0.05
    fit = fit_direct_pooling(data, lam=lam)
    assert fit.n_iter > 0
    Xf = data.X.reshape(data.n, -1)
    ridge = np.linalg.solve(Xf.T @ Xf / data.n + lam * np.eye(Xf.shape[1]),
                            Xf.T @ data.y / data.n).reshape(5, 8)
    # The fit's gradient entries are below tol = 1e-7 and the Hessian's smallest eigenvalue
    # is >= lam, so ||B - ridge|| <= ||grad|| / lam <= sqrt(Td) tol / lam.
    assert np.abs(fit.B - ridge).max() < np.sqrt(fit.B.size) * 1e-7 / lam


def test_fits_converge_for_both_losses(small):
    _, data = small
    for fit_fn in (fit_factorised_pooling, fit_direct_pooling):
        for loss in ("square", "logistic"):
            fit = fit_fn(data, lam=0.1, loss=loss)
            assert fit.n_iter > 0
            assert fit.loss == loss and fit.lam == 0.1


def test_factorised_fit_is_balanced_and_pays_the_nuclear_norm(task):
    data = label_sequences(task, 800, seed=2)
    lam = 0.05
    fit = fit_factorised_pooling(data, lam=lam)
    nw, nv = np.linalg.norm(fit.weights), np.linalg.norm(fit.v)
    # At a stationary point the two norms are equal (the AM-GM minimum).
    assert nw == pytest.approx(nv, rel=1e-5)
    assert fit.singular_values[1] < 1e-12 * fit.singular_values[0]  # rank one
    penalty = 0.5 * lam * (nw**2 + nv**2)
    assert penalty == pytest.approx(lam * nuclear_norm(fit.B), rel=1e-9)


def _minimise_over_factorisations(W, V):
    """Independent check of min_factorised_penalty: BFGS over G in W' = WG, V' = VG^{-T}."""
    k = W.shape[1]
    WtW, VtV = W.T @ W, V.T @ V

    def fun(x):
        G = x.reshape(k, k)
        H = np.linalg.inv(G).T
        value = 0.5 * (np.sum(G * (WtW @ G)) + np.sum(H * (VtV @ H)))
        return value, (WtW @ G - H @ (VtV @ H).T @ H).ravel()

    # Start at the scalar balance of the two Frobenius norms, well inside the invertible set.
    c = (np.sum(V * V) / np.sum(W * W)) ** 0.25
    res = scipy.optimize.minimize(fun, c * np.eye(k).ravel(), jac=True, method="BFGS",
                                  options=dict(gtol=1e-10, maxiter=5000))
    value, grad = fun(res.x)
    assert np.abs(grad).max() < 1e-8, res.message
    return value


@pytest.mark.parametrize("k", [1, 3])
def test_min_factorised_penalty_is_the_nuclear_norm(k):
    rng = np.random.default_rng(k)
    W = rng.standard_normal((7, k)) * np.array([5.0, 1.0, 0.2])[:k]
    V = rng.standard_normal((20, k)) * np.array([0.1, 2.0, 1.0])[:k]
    M = W @ V.T
    value = min_factorised_penalty(W, V)
    assert value == pytest.approx(_minimise_over_factorisations(W, V), rel=1e-8)
    assert value < 0.5 * (np.sum(W * W) + np.sum(V * V))  # the given factors are unbalanced
    # The balanced SVD factors reach the value, and no other factorisation goes below it.
    U, S, Vt = np.linalg.svd(M, full_matrices=False)
    Wb, Vb = U[:, :k] * np.sqrt(S[:k]), Vt[:k].T * np.sqrt(S[:k])
    assert np.allclose(Wb @ Vb.T, M, atol=1e-12 * np.abs(M).max())
    assert 0.5 * (np.sum(Wb * Wb) + np.sum(Vb * Vb)) == pytest.approx(value, rel=1e-12)
    for _ in range(20):
        G = rng.standard_normal((k, k)) + 2 * np.eye(k)
        Wg, Vg = W @ G, V @ np.linalg.inv(G).T
        assert 0.5 * (np.sum(Wg * Wg) + np.sum(Vg * Vg)) >= value * (1 - 1e-12)
    if k == 1:
        assert value == pytest.approx(np.linalg.norm(W) * np.linalg.norm(V), rel=1e-10)


def test_fits_raise_instead_of_returning_an_unconverged_point(small):
    _, data = small
    for fit_fn in (fit_factorised_pooling, fit_direct_pooling):
        with pytest.raises(RuntimeError, match=fit_fn.__name__ + ".*gradient"):
            fit_fn(data, lam=0.1, max_iter=1)
        # A tolerance below what double precision can reach must fail, not pass silently.
        with pytest.raises(RuntimeError, match="did not converge"):
            fit_fn(data, lam=0.1, tol=1e-300)


# ------------------------------------------------------------------- the optima

def test_supervised_family_and_spectral_optimum():
    R = arl.label_model(S).R
    lam_max = np.linalg.eigvalsh(R)[-1]
    assert np.allclose(supervised_weights(S, -1.0 / lam_max), arl.optimal_weights(R),
                       atol=1e-12)
    assert np.allclose(supervised_weights(S, 0.0), S / np.linalg.norm(S), atol=1e-15)
    flat = np.full(T, 0.4)
    for q in (0.0, 1.0, 10.0):
        assert np.allclose(supervised_weights(flat, q), arl.mean_weights(T) * np.sqrt(T))
    # Larger q moves weight to the purest (first) token.
    assert supervised_weights(S, 4.0)[0] > supervised_weights(S, 1.0)[0] > \
        supervised_weights(S, 0.0)[0]


def test_supervised_profile_is_the_fisher_optimum(task):
    q = task.token_snr()
    w = supervised_weights(S, q)
    # Fisher ratio of the scores a_t = v.X_t with unit noise: (s.w)^2 q / w^T (q D + I) w.
    Dm = q * (1 - S**2) + 1.0

    def fisher(x):
        return (S @ x) ** 2 * q / (x @ (Dm * x))

    rng = np.random.default_rng(0)
    best = fisher(w)
    for _ in range(200):
        assert fisher(w + 0.05 * rng.standard_normal(T)) <= best * (1 + 1e-12)


def test_population_pooling_profiles_lie_in_the_family(task):
    q_star = task.token_snr()
    for lam in (0.0, 0.1, 0.5):
        for name in ("direct", "factorised"):
            pop = population_pooling(task, lam, name)
            assert np.allclose(pop.profile, supervised_weights(S, pop.snr), atol=1e-7)
            assert pop.snr <= q_star + 1e-9
            if lam == 0.0:
                assert pop.snr == pytest.approx(q_star, rel=1e-6)
    # Nuclear-norm thresholding: for lam > ||E[yX]|| = ||s|| ||mu|| the factorised B is 0.
    assert not population_pooling(task, 1.1 * np.linalg.norm(S), "factorised").B.any()


def test_whitened_snr_is_the_table_limit():
    # q*/||mu||^2 = u^T Sigma_Z^{-1} u fluctuates around tr(Sigma_Z^{-1})/d with standard
    # deviation sqrt(2/d) sd(1/x) = sqrt(2/d) * 2 under MP_{1/2}; average 4 tasks, 4 sd.
    d, delta = 200, 0.5
    values = [label_task(S, d=d, delta=delta, mu_norm2=1.0, seed=k).token_snr()
              for k in range(4)]
    assert np.mean(values) == pytest.approx(whitened_snr(1.0, delta),
                                            abs=4 * np.sqrt(2 / d) * 2 / 2)
    fresh = label_task(S, d=50, delta=0.0, mu_norm2=2.5, seed=0)
    assert fresh.token_snr() == pytest.approx(2.5)
    assert label_task(S, d=50, delta=2.0, mu_norm2=1.0, seed=0).token_snr() == np.inf


def test_profile_error_closed_form_for_one_token():
    s, q = 0.6, 1.7
    expect = (1 + s) / 2 * scipy.special.ndtr(-np.sqrt(q)) + \
        (1 - s) / 2 * scipy.special.ndtr(np.sqrt(q))
    assert profile_error([2.0], [s], q) == pytest.approx(expect, rel=1e-14)


def test_classification_error_matches_a_test_set():
    # Fresh noise: the Gaussian formula is exact, so only the binomial error remains (4 sd).
    t = label_task(S, d=30, delta=0.0, mu_norm2=1.0, seed=0)
    fit = fit_factorised_pooling(label_sequences(t, 500, seed=1), lam=0.01)
    n = 40_000
    test = label_sequences(t, n, seed=2)
    p = classification_error(fit, t)
    assert abs(empirical_error(fit, test) - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_direct_noise_bulk_for_fresh_noise():
    t = label_task(S, d=60, delta=0.0, mu_norm2=1.0, seed=0)
    n = 5000
    low, high = direct_noise_bulk(t, n)
    tau = np.sqrt(residual_variance(t) / (n - T * 60 - 1))
    assert low == pytest.approx(tau * (np.sqrt(60) - np.sqrt(T)), rel=1e-6)
    assert high == pytest.approx(tau * (np.sqrt(60) + np.sqrt(T)), rel=1e-6)


# --------------------------------------------------------- learned vs optimal

def test_learned_factorised_profile_is_the_supervised_not_the_spectral_one(task):
    q = task.token_snr()
    sup, spec = supervised_weights(S, q), arl.optimal_weights(task.R)
    separation = _angle(sup, spec)
    assert separation > 15.0  # the two optima differ enough here (23 degrees)
    # Sample size where the predicted RMS angle is an eighth of the separation; the squared
    # angle is about pred^2 chi^2_{T-1}/(T-1), so exceeding 4 pred has probability < 1e-9.
    n = 800
    while predicted_profile_angle(task, n, "factorised") > separation / 8:
        n *= 2
    pred = predicted_profile_angle(task, n, "factorised")
    fit = fit_factorised_pooling(label_sequences(task, n, seed=7), lam=1e-3)
    angle_sup, angle_spec = _angle(fit.profile, sup), _angle(fit.profile, spec)
    assert angle_sup < 4 * pred
    assert angle_sup < angle_spec
