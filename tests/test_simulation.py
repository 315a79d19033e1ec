"""Simulation against theory with finite-size tolerances.

Outlier location and alignment fluctuate like d^(-1/2); the tolerances are a fixed
constant over √d, the constant read off the spread over seeds (sd·√d ≈ 3.5 for the
top eigenvalue in units of κ and ≈ 0.9 for the alignment at δ = γ = 0.5, ρ = 3), times 4.
The empirical spectral distribution converges faster (rigidity); we still hold it to
0.3/√d, which T = 1 sequences violate by a factor of four.
"""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.labels import geometric_purity


def kolmogorov_distance(eigenvalues, delta, gamma, kappa):
    """sup |F_d - F| for the law with its atom at zero: the atom's mass is compared with
    the fraction of (numerically) zero eigenvalues, the rest with the continuous part."""
    zero = eigenvalues < 1e-9 * eigenvalues.max()
    atom = arl.bulk_atom(delta, gamma)
    x = np.sort(eigenvalues[~zero])
    n = x.size
    F = (arl.bulk_cdf(x, delta, gamma, kappa) - atom) / (1.0 - atom)
    i = np.arange(1, n + 1)
    ks_continuous = max(np.max(i / n - F), np.max(F - (i - 1) / n))
    return max(abs(zero.mean() - atom), ks_continuous)


def _run(d, T=16, rho=3.0, seed=0, **kwargs):
    kwargs.setdefault("weights", arl.mean_weights(T))
    kwargs.setdefault("correlation", arl.iid(T))
    return arl.simulate(d=d, delta=0.5, gamma=0.5, mu_norm2=rho, seed=seed, **kwargs)


def test_bulk_matches_free_multiplicative_convolution():
    d = 600
    for seed in range(2):
        r = _run(d, seed=seed)
        ks = kolmogorov_distance(r.eigenvalues[:-1], r.delta, r.gamma, r.kappa)
        assert ks < 0.3 / np.sqrt(d)


def test_one_token_sequences_break_the_bulk_law():
    # T = 1: the pooled noise is a table row resampled with replacement, not MP_δ ⊠ MP_γ.
    d = 600
    r = _run(d, T=1)
    assert kolmogorov_distance(r.eigenvalues[:-1], r.delta, r.gamma, r.kappa) > 0.6 / np.sqrt(d)


# (1.0, 2.7): δ = 1 but γ > 1, so the continuous part starts well above zero (lower edge
# 0.18κ), not at a hard edge.
@pytest.mark.parametrize("delta, gamma", [(2.0, 0.5), (0.5, 2.0), (1.0, 2.7)])
def test_bulk_with_atoms_and_gaps(delta, gamma):
    d = 500
    r = arl.simulate(d=d, delta=delta, gamma=gamma, weights=arl.mean_weights(8),
                     correlation=arl.iid(8), mu_norm2=0.0, seed=4)
    ks = kolmogorov_distance(r.eigenvalues, r.delta, r.gamma, r.kappa)
    atom = arl.bulk_atom(r.delta, r.gamma)
    # Only d(1 - atom) eigenvalues carry the continuous part: the finite size is the rank.
    assert ks < 0.3 / np.sqrt(d * (1 - atom))
    assert np.mean(r.eigenvalues < 1e-8 * r.eigenvalues[-1]) == pytest.approx(atom, abs=2 / d)
    lower, upper = arl.bulk_edges(r.delta, r.gamma, r.kappa)
    positive = r.eigenvalues[r.eigenvalues > 1e-8 * r.eigenvalues[-1]]
    # Edge fluctuations are O(d^(-2/3)); a tenth of the scale is far beyond them.
    assert positive[0] > lower - 0.1 * r.kappa and positive[-1] < upper + 0.1 * r.kappa
    assert positive[0] > 0.5 * lower  # a gap above the atom where the theory has one


def test_outlier_and_alignment_match_theory():
    d, seeds = 500, range(4)
    runs = [_run(d, seed=s) for s in seeds]
    r0 = runs[0]
    top = np.mean([r.top_eigenvalue / r.kappa for r in runs])
    align = np.mean([r.overlap for r in runs])
    se = 1 / np.sqrt(d * len(runs))
    assert top == pytest.approx(arl.top_eigenvalue(r0.rho, r0.delta, r0.gamma), abs=4 * 3.5 * se)
    assert align == pytest.approx(arl.overlap(r0.rho, r0.delta, r0.gamma), abs=4 * 0.9 * se)


def test_no_alignment_below_threshold():
    d = 500
    rho1, rho2 = arl.thresholds(0.5, 0.5)
    r = _run(d, rho=0.8 * rho1)
    # Below ρ₂ the top eigenvector is delocalised: |û·u|² = O(1/d).
    assert r.overlap < 20 / d
    assert r.top_eigenvalue / r.kappa == pytest.approx(arl.bulk_edges(0.5, 0.5)[1], abs=0.3)


def test_attention_changes_only_alpha_over_kappa():
    # Label model with early signal: optimal weights give larger ρ than mean pooling at the
    # same ‖μ‖², and each simulation follows the theory at its own ρ.
    T, d = 8, 500
    model = arl.label_model(0.95 * 0.6 ** np.arange(T))
    results = {}
    for name, w in [("mean", arl.mean_weights(T)), ("optimal", arl.optimal_weights(model.R))]:
        r = arl.simulate(d=d, delta=0.5, gamma=0.5, weights=w, correlation=model, mu_norm2=1.1, seed=5)
        assert r.rho == pytest.approx(arl.snr(w, model.R) * 1.1)
        results[name] = r
    assert results["optimal"].rho > arl.thresholds(0.5, 0.5)[1] > results["mean"].rho
    good = results["optimal"]
    assert good.overlap == pytest.approx(arl.overlap(good.rho, good.delta, good.gamma), abs=4 * 0.9 / np.sqrt(d))


def test_uncentered_table_has_the_predicted_spurious_outlier():
    d, T = 600, 16
    r = _run(d, T=T, rho=0.0, center_table=False)
    rho_spur = arl.mean_token_snr(arl.mean_weights(T), r.delta)
    expected = arl.top_eigenvalue(rho_spur, r.delta, r.gamma)
    # ‖z̄‖² = δ χ²_d/d fluctuates by √(2/d) relatively, moving ρ_spur and the outlier with it.
    assert r.top_eigenvalue / r.kappa == pytest.approx(expected, rel=4 * np.sqrt(2 / d) + 4 * 3.5 / (expected * np.sqrt(d)))
    centred = _run(d, T=T, rho=0.0)
    assert centred.top_eigenvalue / centred.kappa < arl.bulk_edges(0.5, 0.5)[1] + 0.3


def test_causal_attention_simulation_follows_limit_weights():
    T, d = 8, 400
    model = arl.label_model(0.9 * 0.7 ** np.arange(T))
    r = arl.simulate(d=d, delta=0.5, gamma=0.5, weights=arl.CausalAttention(tau=1.0),
                     correlation=model, mu_norm2=4.0, seed=2)
    assert np.abs(r.weights - arl.harmonic_weights(T, 1.0)).max() < 3 / np.sqrt(d)
    assert r.overlap == pytest.approx(arl.overlap(r.rho, r.delta, r.gamma), abs=4 * 0.9 / np.sqrt(d))
    zero = arl.simulate(d=d, delta=0.5, gamma=0.5, weights=arl.CausalAttention(tau=0.0),
                        correlation=model, mu_norm2=4.0, seed=2)
    assert np.allclose(zero.weights, arl.harmonic_weights(T), atol=1e-15)


def test_same_seed_same_numbers():
    a, b, c = _run(200, seed=7), _run(200, seed=7), _run(200, seed=8)
    assert np.array_equal(a.eigenvalues, b.eigenvalues) and a.overlap == b.overlap
    assert not np.array_equal(a.eigenvalues, c.eigenvalues)
    g1 = arl.simulate(d=100, delta=0.5, gamma=0.5, weights=arl.mean_weights(4), correlation=arl.iid(4),
                      mu_norm2=1.0, seed=np.random.default_rng(3))
    g2 = arl.simulate(d=100, delta=0.5, gamma=0.5, weights=arl.mean_weights(4), correlation=arl.iid(4),
                      mu_norm2=1.0, seed=np.random.default_rng(3))
    assert np.array_equal(g1.eigenvalues, g2.eigenvalues)


def test_result_shape_and_realised_ratios():
    r = arl.simulate(d=300, delta=0.7, gamma=1.3, weights=[1.0, 2.0, 3.0], correlation=arl.iid(3),
                     mu_norm2=2.0, seed=0)
    assert r.eigenvalues.shape == (300,) and np.all(np.diff(r.eigenvalues) >= 0)
    assert r.top_eigenvalue == r.eigenvalues[-1]
    assert (r.V, r.N, r.T) == (round(300 / 0.7), round(300 / 1.3), 3)
    assert r.delta == 300 / r.V and r.gamma == 300 / r.N
    assert r.kappa == pytest.approx(14.0) and r.alpha == pytest.approx(14.0) and r.rho == pytest.approx(2.0)
    assert 0.0 <= r.overlap <= 1.0


def test_real_causal_attention_simulation_matches_theory():
    T, d = 12, 300
    model = arl.label_model(geometric_purity(T, 0.9, 0.7))
    res = arl.simulate(d=d, delta=0.5, gamma=0.5, weights=arl.CausalAttention(0.0),
                       correlation=model, mu_norm2=2.5, seed=3)
    # τ = 0: the weights are the harmonic ones exactly, for every sequence.
    assert res.alpha / res.kappa == pytest.approx(arl.snr(arl.harmonic_weights(T), model.R),
                                                  rel=1e-12)
    assert abs(res.overlap - arl.overlap(res.rho, res.delta, res.gamma)) < 4 * 0.9 / np.sqrt(d)
    assert abs(res.top_eigenvalue / res.kappa
               - arl.top_eigenvalue(res.rho, res.delta, res.gamma)) < 4 * 3.5 / np.sqrt(d)
