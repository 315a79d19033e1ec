"""attnrmt_lib.token_counts: the bulk law given the word counts (appendix A3)."""

import numpy as np
import pytest
import scipy.sparse

import attnrmt_lib as arl

DELTA = GAMMA = 0.5


def test_effective_length_counts_the_mixed_tokens():
    assert arl.effective_length(arl.mean_weights(7)) == pytest.approx(7.0)
    assert arl.effective_length(arl.token_weights(7, 3)) == pytest.approx(1.0)
    assert arl.effective_length([1.0, 1.0, 0.0]) == pytest.approx(2.0)
    # scale free
    w = 0.7 ** np.arange(10.0)
    assert arl.effective_length(3 * w) == pytest.approx(arl.effective_length(w))


def test_single_token_counts_are_the_word_counts():
    A = arl.token_count_matrix([1.0], V=50, N=80, seed=3)
    tokens = A.indices
    counts = np.bincount(tokens, minlength=50).astype(float)
    assert np.array_equal(arl.count_spectrum(A, center=False), np.sort(counts))


@pytest.mark.parametrize("N, V", [(30, 50), (50, 30)])
def test_count_spectrum_both_gram_sides_match_the_projected_matrix(N, V):
    A = arl.token_count_matrix(0.8 ** np.arange(4.0), V=V, N=N, seed=1)
    M = (A.T @ A).toarray()
    P = np.eye(V) - np.ones((V, V)) / V
    expected = np.clip(np.linalg.eigvalsh(P @ M @ P), 0, None)
    assert np.allclose(arl.count_spectrum(A), np.sort(expected), atol=1e-12)
    assert np.allclose(arl.count_spectrum(A, center=False),
                       np.clip(np.linalg.eigvalsh(M), 0, None), atol=1e-12)


def test_count_spectrum_of_pooled_data_is_its_count_matrix():
    data = arl.pool_sequences(d=40, delta=DELTA, gamma=GAMMA, weights=arl.mean_weights(3),
                              correlation=arl.iid(3), mu_norm2=0.0, seed=2)
    assert np.array_equal(arl.count_spectrum(data), arl.count_spectrum(data.A))


def test_count_law_has_unit_mass_and_the_mean_of_s():
    w = arl.mean_weights(2)
    A = arl.token_count_matrix(w, V=400, N=400, seed=0)
    M = arl.count_spectrum(A, center=False)
    F = arl.count_bulk_cdf([0.0, 1e3], M, DELTA, GAMMA)
    assert F[0] == pytest.approx(0.0, abs=1e-12)  # V, N > d: no atom in S
    assert F[1] == pytest.approx(1.0, abs=1e-4)
    # E tr(S)/d = tr(M)/N: the mean of the law
    x = np.linspace(0, arl.count_bulk_edge(M, DELTA, GAMMA), 20001)
    mean = np.trapezoid(x * arl.count_bulk_density(x, M, DELTA, GAMMA), x)
    assert mean == pytest.approx(M.sum() / 400, rel=2e-3)


def test_count_law_tends_to_the_closed_form_as_t_grows():
    x = np.linspace(1e-3, 6.0, 800)
    closed = arl.bulk_cdf(x, DELTA, GAMMA)
    gaps = []
    for T in (1, 2, 6):
        M = arl.count_spectrum(arl.token_count_matrix(arl.mean_weights(T), V=500, N=500))
        gaps.append(np.max(np.abs(arl.count_bulk_cdf(x / T, M, DELTA, GAMMA) - closed)))
    assert gaps[0] > 0.03 and gaps[0] > 3 * gaps[1] > 3 * gaps[2]
    assert gaps[2] < 0.003


def test_simulated_t1_spectrum_follows_the_count_law_not_the_closed_form():
    # Kolmogorov distances of d eigenvalues to their own law are about 0.1/sqrt(d)
    d = 1000
    setup = dict(d=d, delta=DELTA, gamma=GAMMA, weights=arl.mean_weights(1),
                 correlation=arl.iid(1), mu_norm2=0.0, seed=5)
    r = arl.simulate(**setup)
    M = arl.count_spectrum(arl.pool_sequences(**setup))
    own = arl.kolmogorov_distance(r.eigenvalues,
                                  lambda y: arl.count_bulk_cdf(y, M, r.delta, r.gamma))
    closed = arl.kolmogorov_distance(r.eigenvalues / r.kappa,
                                     lambda y: arl.bulk_cdf(y, r.delta, r.gamma))
    assert own < 0.3 / np.sqrt(d) < 0.6 / np.sqrt(d) < closed


def test_single_token_top_noise_eigenvalue_lies_above_the_closed_form_edge():
    # Four draws at d = 600: the top noise eigenvalue fluctuates by ~3.5/sqrt(d) per draw,
    # so their mean by 3.5/sqrt(4 d). Single-token pooling puts it above the closed-form
    # edge by more than that, and the edge of the law given the word counts, carried by a
    # handful of frequent words, bounds it from above.
    d, tops, law_edges = 600, [], []
    for seed in range(4):
        setup = dict(d=d, delta=DELTA, gamma=GAMMA, weights=arl.mean_weights(1),
                     correlation=arl.iid(1), mu_norm2=0.0, seed=seed)
        r = arl.simulate(**setup)
        M = arl.count_spectrum(arl.pool_sequences(**setup), center=False)
        tops.append(r.top_eigenvalue)
        law_edges.append(arl.count_bulk_edge(M, r.delta, r.gamma))
    edge = arl.bulk_edges(DELTA, GAMMA)[1]
    sigma = 3.5 / np.sqrt(4 * d)
    assert np.mean(tops) - edge > 2 * sigma
    assert np.mean(tops) < np.mean(law_edges) + 2 * sigma


def test_count_bulk_edge_of_a_constant_population_is_the_mp_edge():
    # a constant population is MP: edge gamma (1 + sqrt(1/delta))^2 for the V x V side
    M = np.ones(200)
    assert arl.count_bulk_edge(M, DELTA, GAMMA) == pytest.approx(
        GAMMA * (1 + np.sqrt(1 / DELTA)) ** 2)


def test_kolmogorov_distance_of_a_grid_to_the_uniform_law():
    n = 50
    e = (np.arange(n) + 0.5) / n
    assert arl.kolmogorov_distance(e, lambda x: np.clip(x, 0, 1)) == pytest.approx(0.5 / n)
    assert arl.kolmogorov_distance(e, lambda x: np.clip(x, 0, 1) ** 2) > 0.2


@pytest.mark.parametrize("call, name", [
    (lambda: arl.effective_length([0.0, 0.0]), "weights"),
    (lambda: arl.effective_length([1.0, np.nan]), "weights"),
    (lambda: arl.token_count_matrix([1.0], V=0, N=5), "V"),
    (lambda: arl.token_count_matrix([1.0], V=5, N=0), "N"),
    (lambda: arl.count_spectrum(scipy.sparse.csr_matrix(np.array([[np.nan, 1.0]]))),
     "counts"),
    (lambda: arl.count_bulk_density(1.0, [-1.0, 2.0], 0.5, 0.5), "count_eigenvalues"),
    (lambda: arl.count_bulk_density(1.0, [0.0, 0.0], 0.5, 0.5), "count_eigenvalues"),
    (lambda: arl.count_bulk_cdf(1.0, [1.0, 2.0], 0.0, 0.5), "delta"),
    (lambda: arl.count_bulk_edge([1.0, 2.0], 0.5, np.nan), "gamma"),
    (lambda: arl.kolmogorov_distance([], lambda x: x), "values"),
    (lambda: arl.kolmogorov_distance([1.0], []), "reference"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
