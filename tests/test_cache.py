"""attnrmt_lib.cache: keys, identical numbers from the cache, and the library fingerprint."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib import cache


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNRMT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ATTNRMT_NO_CACHE", raising=False)


def test_cached_simulate_returns_identical_numbers(tmp_path):
    kw = dict(d=64, delta=0.5, gamma=0.5, weights=arl.mean_weights(4), correlation=arl.iid(4),
              mu_norm2=3.0, seed=11)
    plain = arl.simulate(**kw)
    for method in ("dense", "lanczos"):
        a = cache.cached_simulate(method=method, **kw)
        b = cache.cached_simulate(method=method, **kw)
        for name in ("top_eigenvalue", "overlap", "kappa", "rho", "d", "V", "N", "method",
                     "density_moments"):
            assert getattr(a, name) == getattr(b, name)
            assert type(getattr(a, name)) is type(getattr(b, name))
        for name in ("eigenvalues", "weights", "density_grid", "density", "density_error"):
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None and y is None) or np.array_equal(x, y)
    assert len(list((tmp_path / "cache" / "simulate").glob("*.npz"))) == 2
    np.testing.assert_array_equal(cache.cached_simulate(**kw).eigenvalues, plain.eigenvalues)
    assert cache.clear("simulate") == 2


def test_cache_keys(monkeypatch):
    base = dict(d=64, weights=arl.mean_weights(4), correlation=arl.iid(4), seed=1)
    key = cache.cache_key("x", base)
    assert key == cache.cache_key("x", dict(base, weights=arl.mean_weights(4)))
    assert key != cache.cache_key("y", base)
    assert key != cache.cache_key("x", dict(base, seed=2))
    assert key != cache.cache_key("x", dict(base, weights=arl.harmonic_weights(4)))
    assert key != cache.cache_key("x", dict(base, correlation=arl.markov(4, 0.5)))
    # Same name and R, different sampler draws: a different key.
    s = np.linspace(0.9, 0.1, 4)
    assert cache.cache_key("x", dict(base, correlation=arl.label_model(s))) != cache.cache_key(
        "x", dict(base, correlation=arl.label_model(-s)))
    with pytest.raises(ValueError):
        cache.cache_key("x", dict(base, seed=np.random.default_rng(0)))
    monkeypatch.setenv("ATTNRMT_NO_CACHE", "1")
    calls = []
    for _ in range(2):
        cache.memoize("m", {"a": 1}, lambda: calls.append(1) or {"v": np.arange(3)})
    assert len(calls) == 2


def test_the_fingerprint_covers_subpackages_and_moves(tmp_path):
    # A copy of the library: editing a module of a subpackage, or moving a module into
    # one with the same bytes, must change the digest; the live library's fingerprint is
    # that digest of the installed package.
    import shutil
    from pathlib import Path

    root = tmp_path / "lib"
    shutil.copytree(Path(cache.__file__).parent, root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert list(root.glob("*/*.py")), "the library should have subpackages"
    base = cache.source_digest(root)
    assert base == cache.source_digest(root)
    assert cache.library_fingerprint().endswith(
        cache.source_digest(Path(cache.__file__).parent)[:16])
    nested = sorted(root.glob("*/*.py"))[0]
    original = nested.read_bytes()
    flat = [p.read_bytes() for p in sorted(root.glob("*.py"))]
    nested.write_bytes(original + b"\n# edited\n")
    assert cache.source_digest(root) != base
    # Negative control: the old fingerprint, a flat glob("*.py"), misses that edit.
    assert [p.read_bytes() for p in sorted(root.glob("*.py"))] == flat
    nested.write_bytes(original)
    assert cache.source_digest(root) == base
    (root / "distances.py").rename(root / "figures" / "distances.py")
    assert cache.source_digest(root) != base
