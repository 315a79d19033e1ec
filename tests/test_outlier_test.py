"""Tests of attnrmt_lib.outlier_test: edge scale, Tracy-Widom test, rank-two power machinery."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.bulk import bulk_density, bulk_edges
from attnrmt_lib.outlier_test import (
    crossing_point,
    edge_coefficient,
    edge_critical_point,
    outlier_test,
    rejection_rate,
    simulated_critical_value,
    soft_edge,
    top_eigenvalue_rank_two,
    top_eigenvalue_replicates,
    tracy_widom_scale,
    tw_critical_value,
    tw_pvalue,
    tw_statistic,
)

RATIOS = [(0.5, 0.5), (0.2, 1.5), (2.0, 0.3), (1.0, 1.0), (0.05, 0.1)]


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_edge_matches_the_bulk_law(delta, gamma):
    assert abs(soft_edge(delta, gamma, 2.0) - bulk_edges(delta, gamma, 2.0)[1]) < 1e-12
    # psi_* = 1/x_*, x_* = rho_2 - delta (the cubic p(x) read at x = 1/psi).
    assert abs(edge_critical_point(delta, gamma) * (arl.thresholds(delta, gamma)[1] - delta) - 1) < 1e-12


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_edge_coefficient_is_the_square_root_law_of_the_density(delta, gamma):
    kappa = 0.7
    edge, a = soft_edge(delta, gamma, kappa), edge_coefficient(delta, gamma, kappa)
    for eps in (1e-7 * edge, 1e-8 * edge):
        ratio = np.pi * bulk_density(edge - eps, delta, gamma, kappa) / np.sqrt(eps) / a
        # The next term of the expansion is O(eps / edge).
        assert abs(ratio - 1) < 1e-3, (eps, ratio)


def test_white_table_gives_johnstones_scale():
    for gamma in (0.1, 0.5, 1.0, 3.0):
        johnstone = np.sqrt(gamma) * (1 + np.sqrt(gamma)) ** (4 / 3)
        assert abs(tracy_widom_scale(0.0, gamma) - johnstone) < 1e-12 * johnstone
        assert abs(tracy_widom_scale(1e-9, gamma) - johnstone) < 1e-6 * johnstone
        assert abs(tracy_widom_scale(0.0, gamma, kappa=3.0) - 3 * johnstone) < 1e-11


def test_critical_value_statistic_and_pvalue_are_consistent():
    d, delta, gamma = 400, 0.5, 0.5
    crit = tw_critical_value(d, delta, gamma, level=0.05)
    assert abs(tw_statistic(crit, d, delta, gamma) - 0.979316) < 1e-5
    assert abs(tw_pvalue(crit, d, delta, gamma) - 0.05) < 1e-9
    test = outlier_test(crit + 1e-6, d=d, delta=delta, gamma=gamma)
    assert test.reject and test.method == "tracy-widom" and test.pvalue < 0.05


def test_rank_two_update_matches_a_direct_eigensolver():
    rng = np.random.default_rng(3)
    N, d = 90, 40
    C0 = rng.standard_normal((N, d)) @ np.diag(np.linspace(0.5, 1.5, d))
    b = rng.choice([-1.0, 1.0], N) * rng.uniform(0.5, 1.5, N)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    lam, Q = np.linalg.eigh(C0.T @ C0 / N)
    ms = np.array([0.0, 0.05, 0.4, 1.0, 2.5, 7.0])
    got = top_eigenvalue_rank_two(lam, Q, C0.T @ b / N, u, ms, b @ b / N)
    for m, value in zip(ms, got):
        C = C0 + m * np.outer(b, u)
        exact = np.linalg.eigvalsh(C.T @ C / N)[-1]
        assert abs(value - exact) < 1e-11 * exact
    assert isinstance(top_eigenvalue_rank_two(lam, Q, C0.T @ b / N, u, 1.0, b @ b / N), float)


def test_replicates_reproducible_and_close_to_the_limits():
    T = 8
    kw = dict(d=150, delta=0.5, gamma=0.5, weights=arl.mean_weights(T), correlation=arl.iid(T),
              rhos=[0.0, 4.0], n_replicates=40)
    x = top_eigenvalue_replicates(**kw, seed=1)
    assert x.shape == (40, 2)
    assert np.array_equal(x, top_eigenvalue_replicates(**kw, seed=1))
    assert not np.array_equal(x, top_eigenvalue_replicates(**kw, seed=2))
    single = top_eigenvalue_replicates(**kw, seed=1, dtype="float32")
    assert np.max(np.abs(single - x) / x) < 1e-4
    # Null: Tracy-Widom shape (mean -1.21, sd 1.27) up to the finite-d shift of about -0.2
    # measured at d = 200-1000, and the sampling error of 40 draws (4 sd = 0.8).
    z = tw_statistic(x[:, 0], 150, 0.5, 0.5)
    assert abs(z.mean() + 1.21) < 0.2 + 4 * 1.27 / np.sqrt(40), z.mean()
    assert 0.6 < z.std(ddof=1) < 2.0
    # Signal: mean outlier within 4 standard errors (sigma_lambda ~ 4.9 at rho = 4) plus O(1/d).
    assert abs(x[:, 1].mean() - arl.top_eigenvalue(4.0, 0.5, 0.5)) < 4 * 4.9 / np.sqrt(150 * 40) + 0.05
    # Negative control: a test calibrated on the Marchenko-Pastur edge rejects every null draw.
    assert np.all(x[:, 0] > tw_critical_value(150, 0.0, 0.5))


def test_monte_carlo_critical_value_and_pvalue():
    null = np.arange(1.0, 100.0)          # 99 draws: k = ceil(100 * 0.95) = 95
    assert simulated_critical_value(null, 0.05) == 95.0
    test = outlier_test(97.5, d=100, delta=0.5, gamma=0.5, null=null)
    assert test.method == "simulated" and test.reject
    assert abs(test.pvalue - 3 / 100) < 1e-12
    with pytest.raises(ValueError, match="null must hold at least 19"):
        simulated_critical_value(np.arange(10.0), 0.05)


def test_rejection_rate_and_crossing_point():
    x = np.array([[1.0, 3.0], [2.0, 4.0], [0.0, 5.0], [3.0, 1.0]])
    rate, se = rejection_rate(x, 2.5)
    assert np.allclose(rate, [0.25, 0.75])
    assert np.allclose(se, np.sqrt(rate * (1 - rate) / 4))
    assert crossing_point([1.0, 2.0, 3.0], [0.2, 0.6, 1.0], 0.9) == pytest.approx(2.75)
    assert crossing_point([1.0, 2.0], [0.95, 1.0], 0.9) == 1.0
    with pytest.raises(ValueError, match="never reaches"):
        crossing_point([1.0, 2.0], [0.1, 0.2], 0.9)


@pytest.mark.parametrize("call, match", [
    (lambda: soft_edge(-0.1, 0.5), "delta must be a finite number >= 0"),
    (lambda: tracy_widom_scale(0.5, 0.0), "gamma must be a finite number > 0"),
    (lambda: tw_critical_value(100, 0.5, 0.5, level=0.7), "level must lie in"),
    (lambda: tw_critical_value(0, 0.5, 0.5), "d must be an integer >= 1"),
    (lambda: top_eigenvalue_replicates(d=50, delta=0.5, gamma=0.5, weights=[1.0],
                                       correlation=np.eye(1), n_replicates=1),
     "correlation must be a PositionalModel"),
    (lambda: top_eigenvalue_replicates(d=50, delta=0.5, gamma=0.5, weights=[1.0],
                                       correlation=arl.iid(1), rhos=[-1.0], n_replicates=1),
     "rhos must be >= 0"),
    (lambda: top_eigenvalue_replicates(d=50, delta=0.5, gamma=0.5, weights=[1.0],
                                       correlation=arl.iid(1), n_replicates=1, dtype="int"),
     "dtype must be"),
    (lambda: top_eigenvalue_rank_two(np.ones(3), np.eye(3), np.ones(3), np.ones(3), -1.0, 1.0),
     "m must be >= 0"),
    (lambda: top_eigenvalue_rank_two(np.ones(3), np.eye(2), np.ones(3), np.ones(3), 1.0, 1.0),
     "eigenvectors must have shape"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_replicates_with_an_integer_seed_are_cached_and_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNRMT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ATTNRMT_NO_CACHE", raising=False)
    kw = dict(d=40, delta=0.5, gamma=0.5, weights=arl.mean_weights(4), correlation=arl.iid(4),
              rhos=[0.0, 2.0], n_replicates=3, seed=7)
    first = top_eigenvalue_replicates(**kw)
    stored = list((tmp_path / "top-eigenvalue-replicates").iterdir())
    assert len(stored) == 1
    np.testing.assert_array_equal(top_eigenvalue_replicates(**kw), first)
    np.testing.assert_array_equal(top_eigenvalue_replicates(**kw, cache=False), first)
    # A Generator seed is never stored, and another seed is another entry.
    top_eigenvalue_replicates(**{**kw, "seed": np.random.default_rng(7)})
    top_eigenvalue_replicates(**{**kw, "seed": 8})
    assert len(list((tmp_path / "top-eigenvalue-replicates").iterdir())) == 2
