"""attnrmt_lib.pooling: the pooled data of the model and the table of α/κ (chapter 1)."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.pooling import PooledData, pool_sequences, snr_table


T = 8


LABEL = arl.label_model(0.9 * 0.8 ** np.arange(T))


def _kwargs(**over):
    kw = dict(d=120, delta=0.5, gamma=0.7, weights=arl.harmonic_weights(T), correlation=LABEL,
              mu_norm2=3.0, seed=3)
    kw.update(over)
    return kw


@pytest.mark.parametrize("center", [True, False])
def test_pool_sequences_draws_the_data_of_simulate(center):
    data = pool_sequences(**_kwargs(center_table=center))
    result = arl.simulate(**_kwargs(center_table=center))
    assert isinstance(data, PooledData)
    assert np.allclose(np.linalg.eigvalsh(data.covariance()), result.eigenvalues, rtol=0, atol=1e-10)
    assert (data.d, data.V, data.N, data.T) == (result.d, result.V, result.N, result.T)
    assert data.kappa == pytest.approx(result.kappa, rel=1e-12)
    assert data.alpha == pytest.approx(result.alpha, rel=1e-12)
    assert data.rho == pytest.approx(result.rho, rel=1e-12)


def test_sparse_pooling_equals_the_dense_tensor():
    data = pool_sequences(**_kwargs(d=40))
    X = data.embeddings()
    assert X.shape == (data.N, data.T, data.d)
    dense = np.einsum("t,ntd->nd", data.weights, X)
    assert np.allclose(data.C, dense, rtol=0, atol=1e-12)
    # Each row of A carries the total weight Σ_t w_t; repeated tokens are merged.
    assert np.allclose(np.asarray(data.A.sum(axis=1)).ravel(), data.weights.sum())
    assert data.A.nnz <= data.N * data.T
    assert np.allclose(data.signal, data.signs @ data.weights)


def test_centering_removes_the_mean_token_whose_norm_is_delta():
    d = 400
    centered = pool_sequences(**_kwargs(d=d, center_table=True))
    raw = pool_sequences(**_kwargs(d=d, center_table=False))
    assert np.allclose(centered.Z.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(raw.Z.mean(axis=0), raw.zbar, atol=1e-12)
    assert np.allclose(raw.Z - raw.zbar, centered.Z, atol=1e-12)
    # ‖z̄‖² = χ²_d / V: mean δ, relative standard deviation sqrt(2/d).
    assert np.sum(raw.zbar**2) == pytest.approx(raw.delta, rel=5 * np.sqrt(2 / d))


def test_second_moment_along_the_mean_token():
    # E[cc^T | Z] = κΣ_Z + (Σw)² z̄z̄^T (μ = 0): the cross terms vanish because the
    # centered rows average to zero. Check the quadratic form along e = z̄/‖z̄‖.
    d, Tm = 300, 16
    w = arl.mean_weights(Tm)
    data = pool_sequences(d=d, delta=0.5, gamma=0.1, weights=w, correlation=arl.iid(Tm),
                          mu_norm2=0.0, seed=5, center_table=False)
    e = data.zbar / np.linalg.norm(data.zbar)
    Zc = data.Z - data.zbar
    noise = data.kappa * e @ (Zc.T @ Zc / data.V) @ e
    mean2 = w.sum() ** 2 * np.sum(data.zbar**2)
    predicted = noise + mean2
    sd = np.sqrt((2 * noise**2 + 4 * mean2 * noise) / data.N)
    assert e @ data.covariance() @ e == pytest.approx(predicted, abs=5 * sd)
    # ... and it is far from what a centered model alone would give.
    assert mean2 > 20 * sd


def test_pool_sequences_validates_its_input():
    with pytest.raises(ValueError, match="weights"):
        pool_sequences(**_kwargs(weights=np.ones(T + 1)))
    with pytest.raises(ValueError, match="correlation"):
        pool_sequences(**_kwargs(correlation=np.eye(T)))
    with pytest.raises(ValueError, match="mu_norm2"):
        pool_sequences(**_kwargs(mu_norm2=-1.0))
    with pytest.raises(ValueError, match="vocabulary"):
        pool_sequences(**_kwargs(d=1, delta=2.0))


def test_snr_table():
    rng = np.random.default_rng(0)
    c = 0.3
    weights = {"mean": arl.mean_weights(T), "first": arl.token_weights(T, 0),
               "random": rng.standard_normal(T), "optimal": arl.optimal_weights}
    models = {"iid": arl.iid(T), "exch": arl.exchangeable(T, c), "label": LABEL.R}
    table = snr_table(weights, models)
    assert table.shape == (4, 3)
    assert np.allclose(table[:, 0], 1.0)                  # i.i.d.: attention cannot help
    assert table[0, 1] == pytest.approx(1 + c * (T - 1))  # exchangeable, mean pooling
    assert np.allclose(table[1], 1.0)                     # one token: α = κ = 1 always
    assert np.allclose(table[3], [np.linalg.eigvalsh(m if isinstance(m, np.ndarray) else m.R)[-1]
                                  for m in models.values()])
    assert np.all(table <= table[3] + 1e-12)              # nothing beats the top eigenvector
    with pytest.raises(ValueError):
        snr_table({}, models)
    with pytest.raises(ValueError):
        snr_table(weights, {})
