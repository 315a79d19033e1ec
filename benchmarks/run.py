"""Speed figures for attnrmt_lib, each printed beside its baseline and as a ratio.

Run from anywhere: ``python benchmarks/run.py`` (``--quick`` skips the d = 10,000 run).
It prints the library figures below, then runs ``scale.py`` (matrix-free path, d up to
10,000) and ``widgets.py`` (explorer latency). Times are medians over repeats on this
machine; the targets come from the issues. The script exits non-zero if a target is
missed, so it can also be used as a check (it is not part of the test suite: tests assert
behaviour, this measures speed).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
import tracemalloc

import mpmath
import numpy as np

import attnrmt_lib as arl


def median_time(fn, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def row(name, ours, baseline, baseline_name, target):
    ratio = baseline / ours
    print(f"{name:<44} {ours * 1e3:10.2f} ms   {baseline_name:<34} {baseline * 1e3:10.2f} ms   "
          f"ratio {ratio:8.1f}x   {target}")
    return ratio


def bulk_density_by_roots(x, delta, gamma):
    """Baseline: numpy.roots on the cubic, one point at a time."""
    a, b = delta * gamma, delta + gamma + delta * gamma
    out = np.empty_like(x)
    for i, lam in enumerate(x):
        roots = np.roots([a, b, 1 + delta + gamma - lam, 1.0])
        out[i] = np.abs(roots.imag).max() / (np.pi * lam)
    return out


def bulk_density_mpmath(x, delta, gamma, digits=40):
    mpmath.mp.dps = digits
    a = mpmath.mpf(delta) * gamma
    b = mpmath.mpf(delta) + gamma + a
    out = []
    for lam in x:
        lam = mpmath.mpf(lam)
        roots = mpmath.polyroots([1, 1 + delta + gamma - lam, b, a], maxsteps=400, extraprec=200, asc=True)
        out.append(float(max(abs(mpmath.im(r)) for r in roots) / (mpmath.pi * lam)))
    return np.array(out)


def silverstein_fixed_point(x, population, gamma, eta, iterations):
    """Baseline: the plain fixed-point iteration m̃ ← 1/(-z + γ⟨t/(1 + t m̃)⟩) at Im z = η."""
    z = x + 1j * eta
    m = -1.0 / z
    t = population[None, :]
    for _ in range(iterations):
        m = 1.0 / (-z + gamma * np.mean(t / (1.0 + t * m[:, None]), axis=1))
    mm = (m + (1.0 - gamma) / z) / gamma
    return mm.imag / np.pi


def main() -> int:
    ok = True
    print(f"{'figure':<44} {'ours':>13}   {'baseline':<34} {'':>13}   {'':>14}   target")

    # 1. bulk_density, 2,000 points, against numpy.roots per point and a 40-digit oracle.
    delta, gamma = 0.5, 0.5
    lo, hi = arl.bulk_edges(delta, gamma)
    x = np.linspace(lo, hi, 2002)[1:-1]
    ours = median_time(lambda: arl.bulk_density(x, delta, gamma), repeats=21)
    base = median_time(lambda: bulk_density_by_roots(x, delta, gamma), repeats=3)
    ratio = row("bulk_density, 2,000 points", ours, base, "numpy.roots per point", ">= 200x")
    ok &= ratio >= 200
    errors = []
    for d_, g_ in [(0.5, 0.5), (0.1, 2.0), (3.0, 0.7), (1.0, 1.0)]:
        lo_, hi_ = arl.bulk_edges(d_, g_)
        xs = lo_ + (hi_ - lo_) * np.linspace(0.02, 0.98, 50)  # interior points
        errors.append(np.max(np.abs(arl.bulk_density(xs, d_, g_) / bulk_density_mpmath(xs, d_, g_) - 1)))
    err = max(errors)
    print(f"{'  max relative error vs 40-digit mpmath':<44} {err:10.2e}      (200 interior points, 4 laws)"
          f"{'':>38}<= 1e-10")
    ok &= err <= 1e-10

    # 2. sample_density with a 1,000-atom population on 500 points.
    population = arl.mp_quantiles(0.5, 1000)
    lo, hi = arl.sample_support(population, 0.5)[0]
    x = np.linspace(lo, hi, 502)[1:-1]
    ours = median_time(lambda: arl.sample_density(x, population, 0.5))
    base = median_time(lambda: silverstein_fixed_point(x, population, 0.5, 1e-3, 2000), repeats=3)
    ratio = row("sample_density, 1,000 atoms x 500 points", ours, base,
                "fixed point, 2,000 steps, Im z=1e-3", "< 2 s")
    ok &= ours < 2.0
    exact = arl.bulk_density(x, 0.5, 0.5)
    fp = silverstein_fixed_point(x, population, 0.5, 1e-3, 2000)
    nw = arl.sample_density(x, population, 0.5)
    print(f"{'  max |error| vs bulk_density (peak units)':<44} {np.max(np.abs(nw - exact)) / exact.max():10.2e}"
          f"      fixed point: {np.max(np.abs(fp - exact)) / exact.max():10.2e}")

    # 3. simulate at d = 1000 against one eigvalsh of a d x d matrix, and its peak memory.
    d, T = 1000, 16
    kwargs = dict(d=d, delta=0.5, gamma=0.5, weights=arl.mean_weights(T), correlation=arl.iid(T),
                  mu_norm2=3.0)
    rng = np.random.default_rng(0)
    G = rng.standard_normal((d, d))
    M = G @ G.T / d
    seeds = iter(range(100))
    ours = median_time(lambda: arl.simulate(seed=next(seeds), **kwargs))
    base = median_time(lambda: np.linalg.eigvalsh(M))
    ratio = row("simulate, d=1000, delta=gamma=0.5, T=16", ours, base, "one eigvalsh, 1000 x 1000", "<= 3x slower")
    ok &= ratio >= 1 / 3
    tracemalloc.start()
    result = arl.simulate(seed=0, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scale = 8 * (result.N * d + result.V * d)
    print(f"{'  peak memory':<44} {peak / 2**20:10.1f} MiB   8(Nd + Vd) = {scale / 2**20:.1f} MiB"
          f"{'':>20}ratio {peak / scale:8.2f}    O(Nd + Vd)")
    ok &= peak < 4 * scale

    here = Path(__file__).resolve().parent
    for script, args in (("scale.py", ["--quick"] if "--quick" in sys.argv else []), ("widgets.py", [])):
        print(f"\n== {script} ==", flush=True)
        ok &= subprocess.run([sys.executable, str(here / script), *args]).returncode == 0

    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
