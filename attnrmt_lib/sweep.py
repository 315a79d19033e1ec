r"""Monte Carlo sweeps of :func:`attnrmt_lib.simulate` over seeds and parameter grids.

:func:`sweep` runs every point of a parameter grid for ``n_seeds`` independent seeds,
in parallel with joblib, and returns a tidy :class:`pandas.DataFrame`: one row per run
with the parameters, the run's seed, the realised ratios and signal strength, the
simulated top eigenvalue and alignment, and the theory's values for them.

Seeds. Run r of grid point i uses the integer drawn from
``numpy.random.SeedSequence(seed, spawn_key=(i, r))``: the i-th, then r-th child of the
root sequence, independent streams computed before any work is dispatched. Results
therefore do not depend on the number of workers, the backend or the order in which runs
finish, and any row is reproduced by ``simulate(seed=row.seed, ...)``. With
``common_random_numbers=True`` the spawn key is ``(r,)``: every grid point reuses the
same seeds (smoother curves across a grid, correlated rows).

Parallel backends. The work is handed to :class:`joblib.Parallel` without naming a
backend, so the caller chooses it: local processes (joblib's default, ``loky``) by
default, or a Dask cluster with no change to the code::

    from dask.distributed import Client     # pip install "dask[distributed]"
    from joblib import parallel_config

    client = Client("tcp://scheduler:8786")  # or Client() for a local cluster
    with parallel_config(backend="dask"):
        table = sweep({"d": [1000, 2000]}, n_seeds=100, n_jobs=-1, ...)

Caching. With ``cache=True`` every run is looked up in :mod:`attnrmt_lib.cache` (key:
the simulate arguments and the run's seed) before anything is dispatched, and new runs
are stored: a repeated or extended sweep only computes what is missing.
"""

from __future__ import annotations

import itertools
import numbers
import time
from typing import TYPE_CHECKING

import numpy as np

from . import cache as _cache
from ._validation import check_int
from .bulk import bulk_edges
from .correlation import PositionalModel
from .sampling import TABLE_DTYPES
from .simulation import METHODS, CausalAttention, simulate
from .spikes import overlap, thresholds, top_eigenvalue

# pandas is imported where a table is needed, not at the top: the explorers never use it,
# and in the reader's browser (Pyodide) importing it adds seconds to the first figure
# (benchmarks/live.py).
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SIMULATE_PARAMETERS", "run_seed", "sweep"]

SIMULATE_PARAMETERS = ("d", "delta", "gamma", "weights", "correlation", "mu_norm2", "center_table",
                       "method", "density_probes", "density_moments", "table_dtype")
RESULT_COLUMNS = ("replicate", "seed", "V", "N", "T", "delta_realised", "gamma_realised", "kappa",
                  "alpha", "mu_norm2_realised", "rho_realised", "top_eigenvalue", "overlap",
                  "theory_top_eigenvalue", "theory_overlap", "theory_rho2", "bulk_edge", "seconds")


def run_seed(seed: int, point: int, replicate: int, *, common_random_numbers: bool = False) -> int:
    """The integer seed of run ``replicate`` at grid point ``point`` (see the module docstring)."""
    key = (replicate,) if common_random_numbers else (point, replicate)
    # 52 bits: exact as an int64 column and even as a float (e.g. in a row of a table).
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0] >> 12)


def _label(value):
    """A scalar that names a parameter value in the table."""
    if isinstance(value, (bool, np.bool_, str)):
        return value
    if isinstance(value, numbers.Number):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, PositionalModel):
        return f"{value.name} (T={value.T})"
    if isinstance(value, CausalAttention):
        return f"causal attention (tau={value.tau:g})"
    arr = np.asarray(value)
    if arr.ndim == 1 and arr.dtype.kind in "fiu":
        shown = ", ".join(f"{x:.3g}" for x in arr[:3])
        return f"[{shown}{', ...' if arr.size > 3 else ''}] (T={arr.size})"
    return repr(value)


def _points(grid):
    """List of (labels, values) dicts, one per grid point (cartesian product of a mapping)."""
    if isinstance(grid, dict):
        names = list(grid)
        axes = []
        for name in names:
            options = grid[name]
            if isinstance(options, dict):
                axes.append(list(options.items()))
            else:
                if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
                    raise ValueError(f"grid[{name!r}] must be a list of values or a dict "
                                     "label -> value")
                axes.append([(_label(v), v) for v in options])
            if not axes[-1]:
                raise ValueError(f"grid[{name!r}] is empty")
        return [({n: lab for n, (lab, _) in zip(names, combo)},
                 {n: v for n, (_, v) in zip(names, combo)})
                for combo in itertools.product(*axes)]
    points = list(grid)
    if not points or not all(isinstance(p, dict) for p in points):
        raise ValueError("grid must be a dict name -> values or a non-empty list of dicts")
    return [({n: _label(v) for n, v in p.items()}, dict(p)) for p in points]


def _simulate_kwargs(values: dict) -> dict:
    """simulate keywords from sweep parameters (``rho`` becomes ``mu_norm2 = rho κ/α``)."""
    unknown = set(values) - set(SIMULATE_PARAMETERS) - {"rho"}
    if unknown:
        raise ValueError(f"unknown sweep parameters {sorted(unknown)}; allowed: "
                         f"{list(SIMULATE_PARAMETERS) + ['rho']}")
    kwargs = dict(values)
    missing = {"d", "delta", "gamma", "weights", "correlation"} - set(kwargs)
    if missing:
        raise ValueError(f"missing sweep parameters {sorted(missing)}")
    if "rho" in kwargs:
        if "mu_norm2" in kwargs:
            raise ValueError("give rho or mu_norm2, not both")
        rho = kwargs.pop("rho")
        w = kwargs["weights"]
        if isinstance(w, CausalAttention):
            raise ValueError("rho needs fixed weights (α/κ is realised with causal attention): "
                             "give mu_norm2 instead")
        if not isinstance(kwargs["correlation"], PositionalModel):
            raise ValueError("correlation must be a positional model such as iid(T)")
        w = np.asarray(w, dtype=float)
        kappa = float(w @ w)
        alpha = float(w @ kwargs["correlation"].R @ w)
        if not (np.isfinite(rho) and rho >= 0) or alpha <= 0:
            raise ValueError(f"rho must be >= 0 and the weights must see the signal (α > 0), "
                             f"got rho = {rho}, α = {alpha}")
        kwargs["mu_norm2"] = float(rho) * kappa / alpha
    elif "mu_norm2" not in kwargs:
        raise ValueError("give rho or mu_norm2")
    return kwargs


def _run(kwargs: dict, seed: int) -> dict:
    """One simulation, summarised with its theory values (runs in a worker)."""
    start = time.perf_counter()
    r = simulate(seed=seed, **kwargs)
    seconds = time.perf_counter() - start
    return {
        "V": r.V, "N": r.N, "T": r.T, "delta_realised": r.delta, "gamma_realised": r.gamma,
        "kappa": r.kappa, "alpha": r.alpha, "mu_norm2_realised": r.mu_norm2, "rho_realised": r.rho,
        "top_eigenvalue": r.top_eigenvalue, "overlap": r.overlap,
        "theory_top_eigenvalue": float(top_eigenvalue(r.rho, r.delta, r.gamma, r.kappa)),
        "theory_overlap": float(overlap(r.rho, r.delta, r.gamma)),
        "theory_rho2": float(thresholds(r.delta, r.gamma)[1]),
        "bulk_edge": float(bulk_edges(r.delta, r.gamma, r.kappa)[1]),
        "seconds": seconds,
    }


def sweep(grid, *, n_seeds: int = 1, seed: int = 0, n_jobs: int | None = -1,
          progress: bool = True, cache: bool = False, common_random_numbers: bool = False,
          **fixed) -> pd.DataFrame:
    r"""Simulate every grid point for ``n_seeds`` seeds; one row per run.

    Parameters
    ----------
    grid : dict or list of dict
        ``{name: values}`` for the cartesian product of the values, or an explicit list
        of points ``[{name: value, ...}, ...]``. Names are :func:`~attnrmt_lib.simulate`
        keywords (``d``, ``delta``, ``gamma``, ``weights``, ``correlation``,
        ``mu_norm2``, ``center_table``, ``method``, ``density_probes``,
        ``density_moments``, ``table_dtype``) or ``rho`` (sets ``mu_norm2 = ρκ/α`` for
        fixed weights). Values may be given as a dict ``{label: value}``: the table then
        shows the label (use it for weights and positional models).
    n_seeds : int, default 1
        Independent runs per grid point.
    seed : int, default 0
        Root of the seed tree (see the module docstring).
    n_jobs : int or None, default -1
        joblib workers: -1 uses every core (or every Dask worker), 1 runs in this
        process; None defers to an enclosing ``joblib.parallel_config``.
    progress : bool, default True
        Show a tqdm progress bar over the runs still to compute.
    cache : bool, default False
        Look runs up in, and store them into, the on-disk cache (:mod:`attnrmt_lib.cache`).
    common_random_numbers : bool, default False
        Reuse the same seeds at every grid point.
    **fixed
        Parameters shared by every point (same names as in ``grid``).

    Returns
    -------
    pandas.DataFrame
        Columns: ``point`` (grid index); the grid parameters (labels), then the scalar
        fixed ones; ``replicate`` and ``seed`` (pass it to ``simulate`` to reproduce the row);
        realised ``V, N, T, delta_realised, gamma_realised, kappa, alpha,
        mu_norm2_realised, rho_realised``; ``top_eigenvalue`` and ``overlap`` (the
        squared alignment |û^T u|²); the theory at the realised ratios,
        ``theory_top_eigenvalue`` (same units as ``top_eigenvalue``: the bulk edge below
        the threshold), ``theory_overlap``, ``theory_rho2``, ``bulk_edge``; and
        ``seconds`` (wall time of the run, the only column that varies between
        executions). Rows are ordered by point, then replicate.

    Examples
    --------
    >>> from attnrmt_lib import iid, mean_weights
    >>> table = sweep({"rho": [1.0, 3.0]}, n_seeds=2, n_jobs=1, progress=False, d=100,
    ...               delta=0.5, gamma=0.5, weights=mean_weights(8), correlation=iid(8))
    >>> table.shape[0], list(table.rho)
    (4, [1.0, 1.0, 3.0, 3.0])
    """
    n_seeds = check_int(n_seeds, "n_seeds", 1)
    seed = check_int(seed, "seed", 0)
    points = _points(grid)
    names = set().union(*(values for _, values in points))
    clash = names & set(fixed)
    if clash:
        raise ValueError(f"parameters both in the grid and fixed: {sorted(clash)}")
    reserved = (names | set(fixed)) & (set(RESULT_COLUMNS) | {"point"})
    if reserved:
        raise ValueError(f"parameter names clash with result columns: {sorted(reserved)}")
    fixed_labels = {n: v for n, v in fixed.items()
                    if isinstance(v, (numbers.Number, str, bool, np.bool_))}

    runs = []  # (point, replicate, labels, simulate kwargs, run seed)
    for i, (labels, values) in enumerate(points):
        kwargs = _simulate_kwargs({**fixed, **values})
        for r in range(n_seeds):
            runs.append((i, r, {**fixed_labels, **labels}, kwargs,
                         run_seed(seed, i, r, common_random_numbers=common_random_numbers)))
    # Fail fast (in this process) on arguments simulate would reject.
    for kwargs in {id(k): k for *_, k, _ in runs}.values():
        _check_arguments(kwargs)

    results: list[dict | None] = [None] * len(runs)
    todo = []
    for j, (*_, kwargs, s) in enumerate(runs):
        hit = _cache.load("sweep-run", _run_key(kwargs, s)) if cache else None
        if hit is not None:
            results[j] = {k: v.item() for k, v in hit.items()}
        else:
            todo.append(j)

    if todo:
        from joblib import Parallel, delayed
        from tqdm.auto import tqdm

        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        jobs = (delayed(_tagged)(j, runs[j][3], runs[j][4]) for j in todo)
        with tqdm(total=len(todo), desc="sweep", disable=not progress) as bar:
            for j, row in parallel(jobs):
                results[j] = row
                if cache:
                    _cache.save("sweep-run", _run_key(runs[j][3], runs[j][4]), row)
                bar.update(1)

    columns: dict[str, list] = {"point": []}
    param_names = list(dict.fromkeys(
        [n for labels, _ in points for n in labels] + [n for n in fixed_labels]))
    for n in param_names:
        columns[n] = []
    for n in RESULT_COLUMNS:
        columns[n] = []
    for (i, r, labels, _, s), row in zip(runs, results):
        columns["point"].append(i)
        for n in param_names:
            columns[n].append(labels.get(n))
        columns["replicate"].append(r)
        columns["seed"].append(s)
        for n in RESULT_COLUMNS[2:]:
            columns[n].append(row[n])
    import pandas as pd

    return pd.DataFrame(columns)


def _run_key(kwargs, seed):
    return {"simulate": _cache.simulate_arguments(dict(kwargs, seed=seed))}


def _tagged(j, kwargs, seed):
    return j, _run(kwargs, seed)


def _check_arguments(kwargs: dict) -> None:
    """Run simulate's argument checks without simulating (a tiny dry run would still draw)."""
    method = kwargs.get("method", "dense")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if kwargs.get("table_dtype", "float64") not in TABLE_DTYPES:
        raise ValueError(f"table_dtype must be one of {TABLE_DTYPES}, "
                         f"got {kwargs['table_dtype']!r}")
