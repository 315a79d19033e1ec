"""attnrmt_lib.sweep: the Monte Carlo sweep runner (with the on-disk cache it can use)."""

import joblib
import numpy as np
import pandas as pd
import pytest
from joblib._parallel_backends import ThreadingBackend

import attnrmt_lib as arl
from attnrmt_lib.sweep import RESULT_COLUMNS, run_seed, sweep

FIXED = dict(delta=0.5, gamma=0.5, weights=arl.mean_weights(8), correlation=arl.iid(8))
GRID = {"d": [60, 80], "rho": [1.0, 3.0]}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNRMT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ATTNRMT_NO_CACHE", raising=False)


@pytest.fixture(scope="module")
def table():
    return sweep(GRID, n_seeds=3, n_jobs=1, progress=False, **FIXED)


def _assert_same_runs(a, b):
    """Identical parameters, seeds and sizes; floats equal up to BLAS rounding (the thread
    count differs between this process and the workers)."""
    assert list(a.columns) == list(b.columns)
    for name in a.columns.drop("seconds"):
        if a[name].dtype.kind == "f":
            np.testing.assert_allclose(a[name], b[name], rtol=1e-10, atol=1e-14)
        else:
            assert a[name].equals(b[name]), name


def test_columns_and_rows(table):
    assert list(table.columns) == ["point", "d", "rho", "delta", "gamma", *RESULT_COLUMNS]
    assert len(table) == 4 * 3
    assert table.groupby(["d", "rho"]).size().eq(3).all()
    assert table["replicate"].tolist() == [0, 1, 2] * 4
    assert table["seed"].dtype == np.int64 and table["seed"].is_unique
    assert table["rho_realised"].to_numpy() == pytest.approx(table["rho"].to_numpy())
    assert (table["V"] == table["d"] * 2).all() and (table["T"] == 8).all()


def test_rows_reproduce_with_simulate_and_carry_the_theory(table):
    row = table.iloc[7]  # a float Series: the 52-bit seed survives the conversion
    r = arl.simulate(seed=int(row.seed), d=int(row.d), mu_norm2=row.mu_norm2_realised, **FIXED)
    assert r.top_eigenvalue == pytest.approx(row.top_eigenvalue, rel=1e-12)
    assert r.overlap == pytest.approx(row.overlap, rel=1e-9, abs=1e-12)
    assert row.theory_top_eigenvalue == pytest.approx(
        arl.top_eigenvalue(r.rho, r.delta, r.gamma, r.kappa))
    assert row.theory_overlap == pytest.approx(arl.overlap(r.rho, r.delta, r.gamma))
    assert row.theory_rho2 == pytest.approx(arl.thresholds(r.delta, r.gamma)[1])
    assert row.bulk_edge == pytest.approx(arl.bulk_edges(r.delta, r.gamma, r.kappa)[1])


def test_results_do_not_depend_on_the_number_of_workers(table):
    _assert_same_runs(table, sweep(GRID, n_seeds=3, n_jobs=2, progress=False, **FIXED))


def test_seeds_are_independent_streams_unless_shared():
    seeds = {run_seed(0, i, r) for i in range(20) for r in range(20)}
    assert len(seeds) == 400
    assert run_seed(0, 3, 1) == run_seed(0, 3, 1) != run_seed(1, 3, 1)
    assert run_seed(0, 3, 1, common_random_numbers=True) == run_seed(0, 5, 1, common_random_numbers=True)
    shared = sweep({"rho": [2.0, 4.0]}, n_seeds=2, n_jobs=1, progress=False, d=60,
                   common_random_numbers=True, **FIXED)
    assert shared["seed"].tolist()[:2] == shared["seed"].tolist()[2:]


class _RecordingBackend(ThreadingBackend):
    calls = 0

    def submit(self, func, callback=None):
        type(self).calls += 1
        return super().submit(func, callback=callback)


def test_backend_is_chosen_by_the_caller(table):
    # Same mechanism as parallel_config(backend="dask") with a distributed Client.
    joblib.register_parallel_backend("attnrmt-recording", _RecordingBackend)
    with joblib.parallel_config(backend="attnrmt-recording", n_jobs=2):
        via = sweep(GRID, n_seeds=3, n_jobs=None, progress=False, **FIXED)
    assert _RecordingBackend.calls > 0
    _assert_same_runs(table, via)


def test_a_real_dask_cluster_gives_the_same_table(table):
    # The README's distributed path as a user runs it: a LocalCluster of worker processes
    # on 127.0.0.1, a Client, and joblib's dask backend around an unchanged sweep call.
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            via = sweep(GRID, n_seeds=3, n_jobs=None, progress=False, **FIXED)
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2 and all(a.startswith("tcp://127.0.0.1:") for a in workers)
    _assert_same_runs(table, via)


def test_labelled_values_and_lanczos_runs():
    t = sweep({"weights": {"mean": arl.mean_weights(8), "first": arl.token_weights(8, 0)}},
              n_seeds=1, n_jobs=1, progress=False, d=60, delta=0.5, gamma=0.5,
              correlation=arl.iid(8), rho=4.0, method="lanczos", density_probes=0)
    assert t["weights"].tolist() == ["mean", "first"] and (t["method"] == "lanczos").all()
    assert t["kappa"].tolist() == pytest.approx([1 / 8, 1.0])


@pytest.mark.parametrize("grid, fixed", [
    ({"d": [60]}, dict(FIXED, rho=1.0, mu_norm2=1.0)),
    ({"d": [60]}, dict(FIXED)),
    ({"d": [60], "beta": [1]}, dict(FIXED, rho=1.0)),
    ({"d": [60]}, dict(FIXED, rho=1.0, d=70)),
    ({"d": []}, dict(FIXED, rho=1.0)),
    ({"method": ["qr"]}, dict(FIXED, rho=1.0, d=60)),
    ({"d": [60]}, dict(FIXED, rho=1.0, weights=arl.CausalAttention(0.0))),
])
def test_bad_sweeps_raise(grid, fixed):
    with pytest.raises(ValueError):
        sweep(grid, n_jobs=1, progress=False, **fixed)


def test_cached_sweep_returns_identical_numbers(tmp_path):
    first = sweep(GRID, n_seeds=2, n_jobs=1, progress=False, cache=True, **FIXED)
    files = list((tmp_path / "cache" / "sweep-run").glob("*.npz"))
    assert len(files) == 8
    again = sweep(GRID, n_seeds=2, n_jobs=1, progress=False, cache=True, **FIXED)
    pd.testing.assert_frame_equal(first, again)  # 'seconds' included: nothing recomputed
    more = sweep(GRID, n_seeds=3, n_jobs=1, progress=False, cache=True, **FIXED)
    pd.testing.assert_frame_equal(more[more.replicate < 2].reset_index(drop=True), first)
