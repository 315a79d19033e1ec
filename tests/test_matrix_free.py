"""The matrix-free (Lanczos + kernel polynomial) path against the dense one and the bulk law.

Tolerances:
- Same seed, same table, tokens and signs: the two paths diagonalise the same matrix, so
  the top eigenvalue agrees to the Lanczos tolerance (1e-10 relative, asserted at 1e-8)
  and the alignment to rounding.
- The KPM estimate is unbiased for the Jackson-smoothed spectral density of the matrix
  (computed exactly from the dense eigenvalues); its error is the probe average's, whose
  standard error the result reports from the spread of 16 probes. Scores
  (estimate - exact)/error are then t-distributed with 15 degrees of freedom over ~60
  effectively independent grid points (range / kernel width): the largest |score| stays
  below 5 (P(|t_15| > 5) = 1.6e-4 per point) and their root-mean-square near 1.
- Against the limit law the smoothed spectrum of the d × d matrix itself deviates by
  O(1/d) (eigenvalue rigidity; measured ≤ 12·peak/d in the interior at d = 400 and
  1,600), so the estimate must lie within 4 errors plus 20·peak/d.
"""

import numpy as np
import pytest
import scipy.sparse

import attnrmt_lib as arl
from attnrmt_lib.matrix_free import (
    PooledCovariance,
    chebyshev_moments_of_eigenvalues,
    jackson_kernel,
    kpm_density,
    kpm_density_of_eigenvalues,
    kpm_moments,
    smoothed_bulk_density,
)

D = 400


def _kwargs(d=D, T=16, rho=3.0, seed=0, **extra):
    kw = dict(d=d, delta=0.5, gamma=0.5, weights=arl.mean_weights(T), correlation=arl.iid(T),
              mu_norm2=rho, seed=seed)
    kw.update(extra)
    return kw


def _interval(result):
    g = result.density_grid
    h = g[1] - g[0]
    return g[0] - h / 2, g[-1] + h / 2


@pytest.fixture(scope="module")
def pair():
    kw = _kwargs(seed=3)
    return arl.simulate(**kw), arl.simulate(method="lanczos", **kw)


@pytest.mark.parametrize("kwargs", [
    _kwargs(d=300, seed=1),
    dict(d=300, delta=2.0, gamma=0.7, weights=arl.harmonic_weights(6),
         correlation=arl.label_model(np.linspace(0.9, 0.1, 6)), mu_norm2=6.0, seed=7),
    dict(d=200, delta=0.5, gamma=0.5, weights=arl.CausalAttention(1.0), correlation=arl.markov(5, 0.5),
         mu_norm2=4.0, seed=3),
    _kwargs(d=300, rho=8.0, seed=2, center_table=False),
])
def test_lanczos_matches_dense_for_the_same_seed(kwargs):
    dense = arl.simulate(**kwargs)
    free = arl.simulate(method="lanczos", density_probes=0, **kwargs)
    assert free.eigenvalues is None and dense.method == "dense" and free.method == "lanczos"
    assert free.top_eigenvalue == pytest.approx(dense.top_eigenvalue, rel=1e-8)
    assert free.overlap == pytest.approx(dense.overlap, abs=1e-8)
    for name in ("kappa", "alpha", "rho", "d", "V", "N", "T", "delta", "gamma", "mu_norm2"):
        assert getattr(free, name) == getattr(dense, name)
    np.testing.assert_array_equal(free.weights, dense.weights)


def test_density_is_unbiased_for_the_smoothed_spectrum(pair):
    dense, free = pair
    a, b = _interval(free)
    assert a < 0 < dense.eigenvalues[-2] < b < dense.eigenvalues[-1]
    exact = kpm_density_of_eigenvalues(dense.eigenvalues[:-1], (a, b), free.density_grid,
                                       free.density_moments, normalise=D)
    inside = exact > 0.02 * exact.max()
    score = ((free.density - exact) / free.density_error)[inside]
    assert np.abs(score).max() < 5
    assert 0.6 < np.sqrt(np.mean(score**2)) < 1.5
    # Mass of the d - 1 eigenvalues below the top one, per d.
    mass = np.sum(free.density) * (free.density_grid[1] - free.density_grid[0])
    assert mass == pytest.approx((D - 1) / D, abs=0.01)


def test_density_matches_the_bulk_law(pair):
    _, free = pair
    a, b = _interval(free)
    theory = smoothed_bulk_density(free.density_grid, free.delta, free.gamma, free.kappa, (a, b),
                                   free.density_moments)
    x = free.density_grid / free.kappa
    interior = (x > 0.3) & (x < 4.0)
    gap = np.abs(free.density - theory)[interior]
    assert np.all(gap < 4 * free.density_error[interior] + 20 * theory.max() / D)
    # Away from the edges the smoothing itself is a small correction to the plain law.
    mid = (x > 0.5) & (x < 3.5)
    plain = arl.bulk_density(x[mid], free.delta, free.gamma) / free.kappa
    assert np.max(np.abs(theory[mid] - plain)) < 0.05 * plain.max()


def test_the_score_test_has_power(pair):
    # The scores can fail: the pointwise standard error is ~10% at d = 400 with 16 probes,
    # so a density 30% off is caught (a wrong total mass already by the mass check).
    dense, free = pair
    a, b = _interval(free)
    exact = kpm_density_of_eigenvalues(dense.eigenvalues[:-1], (a, b), free.density_grid,
                                       free.density_moments, normalise=D)
    inside = exact > 0.02 * exact.max()
    score = ((1.3 * free.density - exact) / free.density_error)[inside]
    assert np.sqrt(np.mean(score**2)) > 1.5 and np.abs(score).max() > 5


def test_operator_products_match_the_dense_matrix():
    rng = np.random.default_rng(0)
    V, d, N, T = 50, 30, 70, 4
    Z = rng.standard_normal((V, d))
    tokens = rng.integers(0, V, size=(N, T))
    w = rng.random(T)
    A = scipy.sparse.csr_matrix((np.tile(w, N), tokens.ravel(), np.arange(0, N * T + 1, T)),
                                shape=(N, V))
    b, mu = rng.standard_normal(N), rng.standard_normal(d)
    C = A @ Z + np.outer(b, mu)
    S = C.T @ C / N
    op = PooledCovariance(Z, A, b, mu)
    X = rng.standard_normal((d, 5))
    np.testing.assert_allclose(op.apply(X), S @ X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(op.apply(X[:, 0]), S @ X[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(op.as_linear_operator() @ X, S @ X, rtol=1e-12, atol=1e-12)
    op32 = PooledCovariance(Z.astype(np.float32), A, b, mu)
    np.testing.assert_allclose(op32.apply(X), S @ X, rtol=1e-4, atol=1e-4 * np.abs(S).max())
    # Exact traces: the identity as probes gives the exact Chebyshev moments.
    evals = np.linalg.eigvalsh(S)
    bounds = (-0.01, evals[-1] * 1.01)
    exact = chebyshev_moments_of_eigenvalues(evals, bounds, 21)
    np.testing.assert_allclose(kpm_moments(op.apply, np.eye(d), bounds, 21).sum(axis=0), exact,
                               rtol=1e-9, atol=1e-11)
    with pytest.raises(ValueError, match="not inside"):
        kpm_moments(op.apply, np.eye(d), (0.0, evals[-1] * 0.7), 64)


def test_a_failed_interval_bound_is_widened(pair, monkeypatch):
    # If the probabilistic Lanczos bound fell below the spectrum, the Chebyshev vectors
    # would grow; the estimate notices, widens the interval and still matches.
    import attnrmt_lib.matrix_free as mf

    dense, _ = pair
    true_bound = mf._lanczos_upper_bound
    monkeypatch.setattr(mf, "_lanczos_upper_bound", lambda *a: 0.6 * true_bound(*a))
    free = arl.simulate(method="lanczos", **_kwargs(seed=3))
    a, b = _interval(free)
    assert b > dense.eigenvalues[-2]
    exact = kpm_density_of_eigenvalues(dense.eigenvalues[:-1], (a, b), free.density_grid,
                                       free.density_moments, normalise=D)
    inside = exact > 0.02 * exact.max()
    assert np.abs((free.density - exact) / free.density_error)[inside].max() < 5


def test_jackson_kernel_gives_a_unit_mass_positive_density():
    g = jackson_kernel(64)
    assert g[0] == pytest.approx(1.0) and np.all(np.diff(g) < 0)
    # One eigenvalue at 0.3 in (-1, 1): the smoothed delta integrates to one, is non-negative
    # and peaks at the eigenvalue.
    theta = (np.arange(4000) + 0.5) * np.pi / 4000
    x = np.cos(theta)
    f = kpm_density_of_eigenvalues([0.3], (-1.0, 1.0), x, 64)
    assert np.sum(f * np.sin(theta)) * np.pi / 4000 == pytest.approx(1.0, abs=1e-10)
    assert f.min() > -1e-12 and abs(x[np.argmax(f)] - 0.3) < 0.02
    with pytest.raises(ValueError):
        kpm_density([1.0, 0.0], (0.0, 1.0), np.array([1.0]))


def test_float32_table_error_is_far_below_the_finite_size_error():
    kw = _kwargs(seed=5)
    r64 = arl.simulate(method="lanczos", density_probes=0, **kw)
    r32 = arl.simulate(method="lanczos", density_probes=0, table_dtype="float32", **kw)
    # Finite-size fluctuations are ~3.5/√d (eigenvalue, κ units) and ~0.9/√d (alignment).
    assert abs(r32.top_eigenvalue - r64.top_eigenvalue) / r64.kappa < 1e-4 * 3.5 / np.sqrt(D)
    assert abs(r32.overlap - r64.overlap) < 1e-4 * 0.9 / np.sqrt(D)


def test_result_fields_and_defaults():
    kw = _kwargs(d=100, seed=0)
    default = arl.simulate(**kw)
    assert default.method == "dense" and default.eigenvalues.shape == (100,)
    assert default.density is None and default.density_grid is None and default.density_moments is None
    free = arl.simulate(method="lanczos", density_probes=4, density_moments=32, **kw)
    assert free.eigenvalues is None and free.density_moments == 32
    assert free.density.shape == free.density_grid.shape == free.density_error.shape
    assert np.all(np.diff(free.density_grid) > 0)
    top_only = arl.simulate(method="lanczos", density_probes=0, **kw)
    assert top_only.density is None and top_only.density_moments is None
    assert top_only.top_eigenvalue == pytest.approx(free.top_eigenvalue, rel=1e-9)


@pytest.mark.parametrize("bad", [
    dict(method="eigh"),
    dict(method="Lanczos"),
    dict(method=None),
    dict(table_dtype="float16"),
    dict(method="lanczos", density_probes=-1),
    dict(method="lanczos", density_moments=1),
    dict(method="lanczos", d=10),
])
def test_bad_arguments_raise(bad):
    kw = _kwargs(d=50)
    kw.update(bad)
    with pytest.raises(ValueError):
        arl.simulate(**kw)


def test_a_stalled_lanczos_run_raises(monkeypatch):
    # ARPACK stopping early (or returning a non-eigenvector) must not pass as the top
    # eigenpair: the true residual ||Sv - lambda v|| is checked after the run.
    import attnrmt_lib.matrix_free as mf

    def stalled(op, k, which, v0, **kw):
        return np.array([1.0]), (v0 / np.linalg.norm(v0))[:, None]  # the start vector

    monkeypatch.setattr(mf, "eigsh", stalled)
    with pytest.raises(RuntimeError, match="top_eigenpair.*residual"):
        arl.simulate(method="lanczos", density_probes=0, **_kwargs(d=200, seed=1))
