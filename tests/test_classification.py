"""Tests of attnrmt_lib.classification: score alignment, unsupervised error, labelled data."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.classification import (
    effective_token_snr,
    pool_labelled_sequences,
    right_alignment,
    score_alignment,
    spectral_classification_error,
    spectral_error,
    spectral_scores,
    supervised_optimum_error,
    unsupervised_error,
)
from attnrmt_lib.estimation import bulk_stieltjes
from attnrmt_lib.labels import geometric_purity, label_model
from attnrmt_lib.learned_pooling import profile_error

T = 8
S = geometric_purity(T, 0.9, 0.8)
R = label_model(S).R


def test_right_alignment_reduces_to_the_spiked_model():
    # delta -> 0: the right singular vector of a rank-one spike on white noise has squared
    # alignment (1 - gamma/rho^2)/(1 + 1/rho) (Benaych-Georges & Nadakuditi 2012).
    for gamma, rho in ((0.25, 1.0), (0.5, 3.0), (2.0, 4.0)):
        closed = (1 - gamma / rho**2) / (1 + 1 / rho)
        assert abs(right_alignment(rho, 1e-10, gamma) - closed) < 1e-7


def test_right_alignment_limits_and_consistency():
    delta, gamma = 0.5, 0.5
    rho2 = arl.thresholds(delta, gamma)[1]
    assert right_alignment(0.9 * rho2, delta, gamma) == 0.0
    rhos = rho2 * np.array([1.2, 2.0, 8.0])
    eta_tilde = right_alignment(rhos, delta, gamma)
    eta = arl.overlap(rhos, delta, gamma)
    assert np.all(np.diff(eta_tilde) > 0) and np.all(eta_tilde < eta)
    lam = arl.top_eigenvalue(rhos[1], delta, gamma)
    assert abs(score_alignment(eta[1], rhos[1], lam, bulk_stieltjes(lam, delta, gamma))
               - eta_tilde[1]) < 1e-14


def test_error_is_the_supervised_error_at_the_effective_snr():
    w = arl.optimal_weights(R)
    aok = arl.snr(w, R)
    err = unsupervised_error(w, S, 2.0, 0.5, 0.5)
    q = effective_token_snr(aok * 2.0, 0.5, 0.5, aok)
    assert abs(err - profile_error(w, S, q)) < 1e-14
    eta_tilde = right_alignment(aok * 2.0, 0.5, 0.5)
    assert abs(err - spectral_classification_error(w, S, eta_tilde)) < 1e-14
    assert unsupervised_error(w, S, 0.1, 0.5, 0.5) == 0.5        # below the threshold
    for m in (0.5, 2.0, 8.0):
        assert supervised_optimum_error(S, m, 0.5) < unsupervised_error(w, S, m, 0.5, 0.5)
        assert supervised_optimum_error(S, m, 0.5) <= supervised_optimum_error(S, m, 0.5, weights=w)


def test_error_against_simulation():
    # Mean over six data sets of N = 600; tolerance: four binomial standard errors plus the
    # book's finite-size allowance 0.9/sqrt(d) on an alignment (the error is Lipschitz in it).
    d, n_sets = 300, 6
    for name, w in (("mean", arl.mean_weights(T)), ("optimal", arl.optimal_weights(R))):
        errors = [spectral_error(*pool_labelled_sequences(s=S, weights=w, mu_norm2=2.5, gamma=0.5,
                                                          d=d, delta=0.5, seed=k))
                  for k in range(n_sets)]
        theory = unsupervised_error(w, S, 2.5, 0.5, 0.5)
        tol = 4 * np.sqrt(theory * (1 - theory) / (n_sets * 600)) + 0.9 / np.sqrt(d)
        assert abs(np.mean(errors) - theory) < tol, (name, np.mean(errors), theory)


def test_labelled_data():
    kw = dict(s=S, weights=arl.mean_weights(T), mu_norm2=1.0, gamma=0.5, d=40, delta=0.5)
    data, y = pool_labelled_sequences(**kw, seed=3)
    again, y2 = pool_labelled_sequences(**kw, seed=3)
    assert np.array_equal(data.C, again.C) and np.array_equal(y, y2)
    assert data.C.shape == (80, 40) and data.V == 80 and set(np.unique(y)) <= {-1.0, 1.0}
    # Signs agree with the label with probability (1 + s_t)/2; the pooled vectors are built
    # from the tokens, the table and the signal.
    dense = np.einsum("t,ntd->nd", data.weights, data.embeddings())
    assert np.allclose(dense, data.C)
    agree = np.mean(data.signs == y[:, None], axis=0)
    assert np.all(np.abs(agree - (1 + S) / 2) < 4 * np.sqrt(0.25 / 80))
    table = np.random.default_rng(0).standard_normal((50, 12))
    given, _ = pool_labelled_sequences(s=S, weights=arl.mean_weights(T), mu_norm2=1.0,
                                       gamma=0.5, table=table, seed=1)
    assert given.d == 12 and given.N == 24 and given.Z is not None


def test_spectral_scores_and_error():
    rng = np.random.default_rng(0)
    labels = rng.choice([-1.0, 1.0], 400)
    u = np.zeros(20)
    u[0] = 1.0
    C = 0.3 * rng.standard_normal((400, 20)) + 3.0 * np.outer(labels, u)
    direction, scores, top = spectral_scores(C)
    assert abs(abs(direction[0]) - 1) < 1e-2 and np.allclose(scores, C @ direction)
    assert spectral_error(C, labels) == 0.0
    assert spectral_error(C, -labels) == 0.0                       # up to the global sign


@pytest.mark.parametrize("call, match", [
    (lambda: right_alignment(-1.0, 0.5, 0.5), "rho must be >= 0"),
    (lambda: score_alignment(1.5, 2.0, 5.0, 0.2), "alignment must be a number in"),
    (lambda: spectral_classification_error(np.ones(T), S, 1.0), "score_alignment_value must be"),
    (lambda: unsupervised_error(np.ones(3), S, 1.0, 0.5, 0.5), "weights must have length"),
    (lambda: pool_labelled_sequences(s=S, weights=np.ones(T), mu_norm2=1.0, gamma=0.5),
     "give either table"),
    (lambda: spectral_error(np.ones((5, 3)), np.ones(4)), "labels must have one entry"),
    (lambda: effective_token_snr(3.0, 0.5, 0.5, 0.0), "alpha_over_kappa must be"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
