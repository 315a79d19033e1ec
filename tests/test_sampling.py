"""attnrmt_lib.sampling: one seed helper, and samplers that draw the same numbers as before."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.sampling import (
    as_generator,
    count_matrix,
    gaussian_table,
    random_direction,
    token_count_matrix,
    uniform_tokens,
)
from attnrmt_lib.simulation import draw_model


def test_as_generator_accepts_the_seeds_the_library_documents():
    assert as_generator(5).random() == np.random.default_rng(5).random()
    assert as_generator(np.int64(5)).random() == np.random.default_rng(5).random()
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert isinstance(as_generator(None), np.random.Generator)
    seq = np.random.SeedSequence(7)
    assert as_generator(seq).random() == np.random.default_rng(np.random.SeedSequence(7)).random()
    # Streams: reproducible and independent of each other; stream 0 is the plain seed
    # (SeedSequence pads the entropy [seed] with zeros).
    a, b = as_generator(3, 0).random(4), as_generator(3, 1).random(4)
    assert not np.allclose(a, b) and np.array_equal(a, as_generator(3).random(4))
    assert np.array_equal(b, np.random.default_rng([3, 1]).random(4))
    assert not np.allclose(as_generator(seq, 0).random(4), as_generator(seq, 1).random(4))


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, [1, 2]])
def test_as_generator_rejects_other_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        as_generator(seed)


def test_draw_model_draws_what_the_simulation_always_drew():
    # The order and calls before the sampling module existed, written out: same seed, same
    # table, direction, tokens and signs (the chapters' printed numbers depend on it).
    d, delta, gamma, T = 30, 0.5, 0.75, 4
    model = arl.label_model([0.9, 0.5, 0.2, 0.0])
    draw = draw_model(d=d, delta=delta, gamma=gamma, correlation=model, mu_norm2=1.0, seed=4)
    rng = np.random.default_rng(4)
    V, N = round(d / delta), round(d / gamma)
    Z = rng.standard_normal((V, d))
    zbar = Z.mean(axis=0)
    u = rng.standard_normal(d)
    tokens = rng.integers(0, V, size=(N, T))
    y = rng.choice([-1.0, 1.0], size=N)
    agree = rng.random((N, T)) < (1.0 + np.array([0.9, 0.5, 0.2, 0.0])) / 2.0
    signs = np.where(agree, y[:, None], -y[:, None])
    assert np.array_equal(draw.Z, Z - zbar) and np.array_equal(draw.zbar, zbar)
    assert np.array_equal(draw.u, u / np.linalg.norm(u))
    assert np.array_equal(draw.tokens, tokens) and np.array_equal(draw.signs, signs)
    # Negative control: another seed draws another table.
    other = draw_model(d=d, delta=delta, gamma=gamma, correlation=model, mu_norm2=1.0, seed=5)
    assert not np.allclose(other.Z, draw.Z)


def test_float32_table_holds_the_float64_draws_centered_by_the_float64_mean():
    Z64, zbar64 = gaussian_table(50, 7, seed=2)
    Z32, zbar32 = gaussian_table(50, 7, dtype="float32", seed=2)
    assert Z32.dtype == np.float32 and np.array_equal(zbar32, zbar64)
    assert np.allclose(Z32, Z64, atol=1e-6)
    assert np.allclose(Z64.mean(axis=0), 0.0, atol=1e-14)
    raw, zbar = gaussian_table(50, 7, center=False, seed=2)
    assert np.allclose(raw.mean(axis=0), zbar, atol=1e-14)
    with pytest.raises(ValueError, match="dtype"):
        gaussian_table(5, 2, dtype="float16")


def test_random_direction_is_a_unit_vector_uniform_on_the_sphere():
    # Mean of u over 4000 draws: each coordinate has sd 1/sqrt(d n) = 0.005 around 0.
    draws = np.array([random_direction(10, seed=s) for s in range(4000)])
    assert np.allclose(np.linalg.norm(draws, axis=1), 1.0)
    assert np.all(np.abs(draws.mean(axis=0)) < 4 * np.sqrt(1 / (10 * 4000)))
    assert np.allclose(draws.T @ draws / 4000, np.eye(10) / 10, atol=4 * 0.1 / np.sqrt(4000))


def test_count_matrix_sums_the_weights_of_repeated_tokens():
    tokens = np.array([[0, 2, 0], [1, 1, 1]])
    w = np.array([0.5, 0.3, 0.2])
    A = count_matrix(w, tokens, 4).toarray()
    assert np.allclose(A, [[0.7, 0.0, 0.3, 0.0], [0.0, 1.0, 0.0, 0.0]])
    per_sequence = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    assert np.allclose(count_matrix(per_sequence, tokens, 4).toarray(),
                       [[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="tokens"):
        count_matrix(w, tokens, 2)
    with pytest.raises(ValueError, match="tokens"):
        count_matrix(w, tokens.astype(float), 4)


def test_token_count_matrix_is_the_count_matrix_of_uniform_tokens():
    w = arl.harmonic_weights(5)
    A = token_count_matrix(w, V=40, N=30, seed=9)
    tokens = uniform_tokens(40, 30, 5, seed=9)
    assert np.array_equal(tokens, np.random.default_rng(9).integers(0, 40, size=(30, 5)))
    assert np.allclose(A.toarray(), count_matrix(w, tokens, 40).toarray())
    assert np.allclose(np.asarray(A.sum(axis=1)).ravel(), w.sum())
    assert arl.token_count_matrix is token_count_matrix
    with pytest.raises(ValueError, match="N"):
        token_count_matrix(w, V=40, N=0)
