"""Tests of attnrmt_lib.plugin_weights: projections, re-pooling, the plug-in weights and their cost."""

import itertools

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.classification import pool_labelled_sequences, right_alignment
from attnrmt_lib.labels import geometric_purity, label_model
from attnrmt_lib.plugin_weights import (
    label_fourth_moments,
    plugin_loss,
    plugin_weights,
    position_projections,
    positional_second_moment,
    projected_noise,
    projected_token_snr,
    repool,
    top_direction,
)

T = 8
S = geometric_purity(T, 0.9, 0.8)
R = label_model(S).R


def _data(N=400, d=60, mu_norm2=2.0, seed=0, weights=None):
    w = arl.mean_weights(T) if weights is None else weights
    return pool_labelled_sequences(s=S, weights=w, mu_norm2=mu_norm2, gamma=d / N, d=d,
                                   delta=0.5, seed=seed)[0]


def test_projections_and_repooling_match_the_dense_embeddings():
    data = _data(N=50, d=20)
    v = np.random.default_rng(1).standard_normal(20)
    X = data.embeddings()
    assert np.allclose(position_projections(data, v), X @ v)
    assert np.allclose(position_projections(data, v, rows=[3, 7]), (X @ v)[[3, 7]])
    w = np.linspace(1.0, 0.2, T)
    again = repool(data, w)
    assert np.allclose(again.C, np.einsum("t,ntd->nd", w, X))
    assert np.array_equal(again.tokens, data.tokens) and again.mu_norm2 == data.mu_norm2


def test_fourth_moments_by_enumeration():
    s = np.array([0.9, 0.5, -0.3, 0.0])
    vecs = np.linalg.qr(np.random.default_rng(2).standard_normal((4, 4)))[0]
    exact = np.zeros(4)
    for eps in itertools.product([-1.0, 1.0], repeat=4):
        eps = np.array(eps)
        prob = np.prod(np.where(eps > 0, (1 + s) / 2, (1 - s) / 2))
        exact += prob * (eps @ vecs[:, 0]) ** 2 * (eps @ vecs) ** 2
    assert np.allclose(label_fourth_moments(s, vecs), exact, rtol=1e-12)


def test_loss_formula_gaussian_case_and_scaling():
    lam, vec = np.linalg.eigh(R)
    lam = lam[::-1]
    q, N = 1.3, 500
    gauss = np.sum((lam[0] + 1 / q) * (lam[1:] + 1 / q) / (lam[0] - lam[1:])) / N
    assert abs(plugin_loss(R, q, N) - gauss) < 1e-14
    assert abs(plugin_loss(R, q, 2 * N, s=S) - plugin_loss(R, q, N, s=S) / 2) < 1e-14
    assert plugin_loss(R, 10 * q, N, s=S) < plugin_loss(R, q, N, s=S)


def test_projected_noise_against_simulation_and_the_in_out_identity():
    d, N = 200, 800
    rho = arl.snr(arl.mean_weights(T), R) * 2.0
    noise = []
    for k in range(6):
        data = _data(N=N, d=d, seed=k)
        v = top_direction(data.C)
        noise.append(np.sum((data.Z @ v) ** 2) / data.V)
    theory = projected_noise(rho, 0.5, d / N)
    # A quadratic form of the table along a data-driven direction: O(d^(-1/2)) fluctuations.
    assert abs(np.mean(noise) - theory) < 4 * 1.0 / np.sqrt(6 * d) + 1 / d, (np.mean(noise), theory)
    # In-sample and out-of-sample scores have the same limiting signal-to-noise ratio.
    eta_t = right_alignment(rho, 0.5, d / N)
    assert abs(eta_t / (1 - eta_t) - rho * arl.overlap(rho, 0.5, d / N) / theory) < 1e-9
    assert abs(projected_token_snr(rho, 2.0, 0.5, d / N)
               - 2.0 * arl.overlap(rho, 0.5, d / N) / theory) < 1e-12


def test_second_moment_expectation_is_cR_plus_noise():
    # With a direction independent of the tokens, E M = c R + sigma^2 I: the off-diagonal
    # part is proportional to R. Averaged over data sets, the top eigenvector is R's.
    acc = np.zeros((T, T))
    for k in range(6):
        M, q = positional_second_moment(_data(N=2000, d=60, seed=k), seed=k)
        acc += M
        assert q > 0
    top = np.linalg.eigh(acc)[1][:, -1]
    assert abs(abs(top @ arl.optimal_weights(R)) - 1) < 0.01


def test_plugin_cost_against_first_order_theory():
    # Pooled over 8 data sets the mean loss has a relative standard error of about 0.2;
    # first-order theory is accurate to ~10 % at this N (chapter 6).
    d, N, mu2 = 200, 2000, 2.0
    lam_max = arl.max_snr(R)
    losses, snrs = [], []
    for k in range(8):
        fit = plugin_weights(_data(N=N, d=d, mu_norm2=mu2, seed=k), iterations=1, seed=k)
        losses.append(lam_max - arl.snr(fit.weights[1], R))
        snrs.append(fit.token_snrs[0])
        w = fit.weights[1]
        assert abs(np.linalg.norm(w) - 1) < 1e-12 and w.sum() > 0
    q = projected_token_snr(arl.snr(arl.mean_weights(T), R) * mu2, mu2, 0.5, 2 * d / N)
    assert abs(np.mean(snrs) / q - 1) < 0.15
    ratio = np.mean(losses) / plugin_loss(R, q, N, s=S)
    assert abs(ratio - 1) < 0.6, ratio
    assert np.mean(losses) < (lam_max - arl.snr(arl.harmonic_weights(T), R)) / 10


def test_two_iterations_and_in_sample_variant():
    data = _data(N=1000, d=100, seed=3)
    fit = plugin_weights(data, iterations=2, seed=1)
    assert len(fit.weights) == 3 and len(fit.moments) == 2 and len(fit.token_snrs) == 2
    assert np.array_equal(fit.data.weights, fit.weights[2])
    same = plugin_weights(data, iterations=2, seed=1)
    assert np.array_equal(same.weights[2], fit.weights[2])
    inside = plugin_weights(data, cross_fit=False)
    assert arl.snr(inside.weights[1], R) > arl.snr(arl.mean_weights(T), R)


@pytest.mark.parametrize("call, match", [
    (lambda: plugin_weights(np.ones((3, 3))), "data must be a PooledData"),
    (lambda: plugin_weights(_data(N=100, d=20), iterations=0), "iterations must be an integer >= 1"),
    (lambda: position_projections(_data(N=100, d=20), np.ones(3)), "direction must have length"),
    (lambda: plugin_loss(np.eye(4), 1.0, 10), "simple top eigenvalue"),
    (lambda: plugin_loss(R, 0.0, 10), "token_snr must be a finite number > 0"),
    (lambda: projected_noise(1.0, 0.5, 0.5), "rho must be > rho_2"),
    (lambda: label_fourth_moments(S, np.ones((3, 2))), "vectors must have shape"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
