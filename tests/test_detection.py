"""attnrmt_lib.detection: detection thresholds in ‖μ‖² and the best achievable α/κ (chapter 4)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import attnrmt_lib as arl
from attnrmt_lib import (
    exchangeable,
    harmonic_weights,
    iid,
    label_model,
    markov,
    mean_weights,
    optimal_weights,
    overlap,
    simulate,
    snr,
    thresholds,
    token_weights,
    top_eigenvalue,
)
from attnrmt_lib.detection import (
    alignment_at_signal,
    detection_threshold,
    detection_threshold_table,
    max_snr,
    standard_weightings,
)


DELTA, GAMMA = 0.5, 0.5


RHO2 = thresholds(DELTA, GAMMA)[1]


T = 16


def _geometric(T, s0, r):
    return s0 * r ** np.arange(T)


@given(st.integers(2, 12), st.integers(0, 10_000))
def test_rayleigh_quotient_never_exceeds_lambda_max_and_top_eigenvector_attains_it(T, seed):
    rng = np.random.default_rng(seed)
    R = label_model(rng.uniform(-1, 1, T)).R
    lam = max_snr(R)
    assert lam == pytest.approx(np.linalg.eigvalsh(R)[-1], abs=1e-12)
    w = rng.standard_normal((50, T))
    quotients = np.einsum("nt,ts,ns->n", w, R, w) / np.einsum("nt,nt->n", w, w)
    assert quotients.max() <= lam + 1e-12
    assert snr(optimal_weights(R), R) == pytest.approx(lam, rel=1e-12)
    # The threshold of the optimal weights is the smallest one: rho2 / lambda_max.
    best = detection_threshold(optimal_weights(R), R, DELTA, GAMMA)
    assert best == pytest.approx(RHO2 / lam, rel=1e-12)
    for wi in w[:10]:
        assert detection_threshold(wi, R, DELTA, GAMMA) >= best * (1 - 1e-12)


def test_threshold_is_rho2_kappa_over_alpha_and_scale_and_sign_invariant():
    R = markov(T, 0.6).R
    w = harmonic_weights(T)
    expected = RHO2 * (w @ w) / (w @ R @ w)
    assert detection_threshold(w, R, DELTA, GAMMA) == pytest.approx(expected, rel=1e-13)
    assert detection_threshold(-3.7 * w, R, DELTA, GAMMA) == pytest.approx(expected, rel=1e-13)
    # A positional model is accepted in place of its matrix.
    by_model = detection_threshold(w, markov(T, 0.6), DELTA, GAMMA)
    assert by_model == pytest.approx(expected, rel=1e-13)


def test_iid_signs_make_every_pooling_equal_and_single_tokens_always_sit_at_rho2():
    rng = np.random.default_rng(1)
    for w in (mean_weights(T), harmonic_weights(T), rng.standard_normal(T)):
        assert detection_threshold(w, iid(T), DELTA, GAMMA) == pytest.approx(RHO2, rel=1e-13)
    for model in (label_model(_geometric(T, 0.9, 0.8)), markov(T, 0.6), exchangeable(T, 0.2)):
        for position in (0, 5, -1):
            threshold = detection_threshold(token_weights(T, position), model, DELTA, GAMMA)
            assert threshold == pytest.approx(RHO2, rel=1e-13)


def test_exchangeable_mean_pooling_is_optimal_in_closed_form():
    for T_, c in ((16, 0.2), (5, 0.9), (30, 0.01)):
        R = exchangeable(T_, c).R
        lam = 1 + (T_ - 1) * c
        assert max_snr(R) == pytest.approx(lam, rel=1e-12)
        assert np.allclose(optimal_weights(R), 1 / np.sqrt(T_), atol=1e-10)
        assert snr(mean_weights(T_), R) == pytest.approx(lam, rel=1e-12)
        assert detection_threshold(mean_weights(T_), R, DELTA, GAMMA) == pytest.approx(
            RHO2 / lam, rel=1e-12)
    # Perfectly correlated signs: the antisymmetric pooling cancels the signal entirely.
    assert detection_threshold([1.0, -1.0], exchangeable(2, 1.0), DELTA, GAMMA) == np.inf


def test_markov_mean_pooling_is_within_order_one_over_T_of_optimal():
    for T_, phi in ((16, 0.6), (16, 0.3), (64, 0.9), (8, 0.95)):
        R = markov(T_, phi).R
        mean = snr(mean_weights(T_), R)
        closed = (1 + phi) / (1 - phi) - 2 * phi * (1 - phi**T_) / (T_ * (1 - phi) ** 2)
        assert mean == pytest.approx(closed, rel=1e-12)
        lam = max_snr(R)
        assert lam < (1 + phi) / (1 - phi)  # the maximum of the Toeplitz symbol
        assert mean / lam >= 1 - 2 * phi * (1 - phi**T_) / (T_ * (1 - phi**2))
    assert snr(mean_weights(16), markov(16, 0.6).R) / max_snr(markov(16, 0.6).R) > 0.96


def test_tables_and_standard_weightings():
    models = {"iid": iid(T), "label": label_model(_geometric(T, 0.9, 0.8)),
              "markov": markov(T, 0.6), "exch": exchangeable(T, 0.2)}
    ws = standard_weightings(T)
    assert list(ws) == ["mean", "first token", "last token", "harmonic", "optimal"]
    table = detection_threshold_table(ws, models, DELTA, GAMMA)
    assert table.shape == (5, 4)
    for i, w in enumerate(ws.values()):
        for j, m in enumerate(models.values()):
            wi = w(m.R) if callable(w) else w
            assert table[i, j] == pytest.approx(detection_threshold(wi, m, DELTA, GAMMA), rel=1e-13)
    assert np.allclose(table[:, 0], RHO2)
    assert np.all(table[4] <= table.min(axis=0) * (1 + 1e-12))  # optimal is best everywhere
    # Causal attention (harmonic) beats mean pooling for decreasing purity, loses for Markov.
    assert table[3, 1] < table[0, 1] and table[3, 2] > table[0, 2]


def test_alignment_at_signal_is_overlap_at_rho_and_vanishes_below_threshold():
    model = label_model(_geometric(T, 0.9, 0.8))
    w = harmonic_weights(T)
    cut = detection_threshold(w, model, DELTA, GAMMA)
    m = np.linspace(0, 3 * cut, 41)
    a = alignment_at_signal(m, w, model, DELTA, GAMMA)
    assert np.allclose(a, overlap(snr(w, model.R) * m, DELTA, GAMMA), rtol=0, atol=1e-15)
    assert np.all(a[m <= cut * (1 - 1e-9)] == 0) and np.all(a[m > cut * (1 + 1e-9)] > 0)
    assert alignment_at_signal(cut * (1 + 1e-9), w, model, DELTA, GAMMA) < 1e-6
    assert isinstance(alignment_at_signal(2.0, w, model, DELTA, GAMMA), float)
    with pytest.raises(ValueError):
        alignment_at_signal(-1.0, w, model, DELTA, GAMMA)
    with pytest.raises(ValueError):
        alignment_at_signal(1.0, mean_weights(T - 1), model, DELTA, GAMMA)


def test_simulation_follows_the_threshold_of_each_pooling():
    # d = 400; outlier and alignment fluctuate like d^(-1/2).
    d = 400
    model = label_model(_geometric(T, 0.9, 0.8))
    for w in (optimal_weights(model.R), mean_weights(T)):
        r = simulate(d=d, delta=DELTA, gamma=GAMMA, weights=w, correlation=model,
                     mu_norm2=2.0, seed=3)
        assert r.rho == pytest.approx(2.0 * snr(w, model.R), rel=1e-12)
        assert abs(r.top_eigenvalue / r.kappa - top_eigenvalue(r.rho, r.delta, r.gamma)) \
            < 4 * 3.5 / np.sqrt(d)
        assert abs(r.overlap - alignment_at_signal(2.0, w, model, r.delta, r.gamma)) \
            < 4 * 0.9 / np.sqrt(d)


def test_validation_errors():
    with pytest.raises(ValueError):
        detection_threshold(np.zeros(T), iid(T), DELTA, GAMMA)
    with pytest.raises(ValueError):
        detection_threshold(mean_weights(T), iid(T + 1), DELTA, GAMMA)
    with pytest.raises(ValueError):
        detection_threshold(mean_weights(T), iid(T), -0.5, GAMMA)
    with pytest.raises(ValueError):
        max_snr(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError):
        standard_weightings(0)
    with pytest.raises(ValueError):
        detection_threshold_table({}, {"iid": iid(T)}, DELTA, GAMMA)


def test_detection_threshold_by_simulation():
    # A label model with decaying purity and harmonic weights: α/κ > 1. Just above the
    # detection threshold in ‖μ‖² the outlier follows theory; well below, the top
    # eigenvalue stays at the bulk edge (tolerances ∝ d^(-1/2)).
    T, d, delta, gamma = 8, 400, 0.5, 0.5
    model = arl.label_model(0.9 * 0.7 ** np.arange(T))
    w = arl.harmonic_weights(T)
    gain = arl.snr(w, model.R)
    assert gain > 1
    need = detection_threshold(w, model, delta, gamma)
    assert need == pytest.approx(arl.thresholds(delta, gamma)[1] / gain, rel=1e-12)
    edge = arl.bulk_edges(delta, gamma)[1]
    above = arl.simulate(d=d, delta=delta, gamma=gamma, weights=w, correlation=model,
                         mu_norm2=2.0 * need, seed=3)
    assert above.rho == pytest.approx(2.0 * arl.thresholds(delta, gamma)[1], rel=1e-12)
    lam = above.top_eigenvalue / above.kappa
    assert lam == pytest.approx(arl.top_eigenvalue(above.rho, delta, gamma), abs=4 * 3.5 / np.sqrt(d))
    assert lam > edge + 0.5
    assert above.overlap == pytest.approx(arl.overlap(above.rho, delta, gamma), abs=4 * 0.9 / np.sqrt(d))
    below = arl.simulate(d=d, delta=delta, gamma=gamma, weights=w, correlation=model,
                         mu_norm2=0.5 * need, seed=3)
    assert below.top_eigenvalue / below.kappa == pytest.approx(edge, abs=4 * 3.5 / np.sqrt(d))
    assert below.overlap < 4 * 0.9 / np.sqrt(d)
