"""Scale figures for the matrix-free simulator (issue 6), each beside its baseline.

Run from anywhere: ``python benchmarks/scale.py`` (``--quick`` skips d = 10,000;
``--dense-10k`` also times the dense path at d = 10,000, several minutes). Times are
medians over repeats, with the two methods interleaved so that they share the machine's
load; the d = 10,000 run happens in a fresh subprocess so that its peak memory (maximum
resident set size) is its own. Exits non-zero if a target is missed.

Targets:
- d = 2,000: the two paths agree (same seed: top eigenvalue to 1e-8 relative, alignment
  to 1e-8, the density estimate within 5 standard errors of the dense spectrum's
  Jackson-smoothed density); the ratio dense/lanczos is reported.
- float32 tables: changes to the top eigenvalue and alignment below 1e-3 of their
  finite-size fluctuations (3.5/√d and 0.9/√d), density changes below 1e-2 of its
  standard error.
- d = 10,000, δ = γ = 0.5, T = 16: top eigenvalue, alignment and bulk density in < 60 s
  and < 8 GiB peak.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

import attnrmt_lib as arl
from attnrmt_lib.matrix_free import kpm_density_of_eigenvalues, smoothed_bulk_density

T = 16
CONFIG = dict(delta=0.5, gamma=0.5, weights=arl.mean_weights(T), correlation=arl.iid(T),
              mu_norm2=3.0)
LARGE = dict(method="lanczos", table_dtype="float32", density_probes=16, density_moments=128)


def interleaved_median_times(fns: dict, repeats: int) -> dict:
    """Median wall time of each function, the functions taking turns (shared load)."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def row(name, ours, baseline, baseline_name, target):
    ratio = baseline / ours
    print(f"{name:<44} {ours:10.2f} s    {baseline_name:<34} {baseline:10.2f} s    "
          f"ratio {ratio:8.1f}x   {target}")
    return ratio


def line(name, value, unit, note, target):
    print(f"{name:<44} {value:10.3g} {unit:<4} {note:<63}{target}")


def interval(result):
    g = result.density_grid
    h = g[1] - g[0]
    return g[0] - h / 2, g[-1] + h / 2


def child(spec: str) -> None:
    """Run one simulation and print its time, peak memory and results as JSON."""
    kwargs = json.loads(spec)
    start = time.perf_counter()
    r = arl.simulate(d=kwargs.pop("d"), seed=kwargs.pop("seed"), **CONFIG, **kwargs)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss * 1024  # kB on Linux
    out = dict(seconds=seconds, peak=peak, cpu=usage.ru_utime + usage.ru_stime,
               top=r.top_eigenvalue, overlap=r.overlap, kappa=r.kappa, rho=r.rho, delta=r.delta,
               gamma=r.gamma)
    if r.density is not None:
        a, b = interval(r)
        theory = smoothed_bulk_density(r.density_grid, r.delta, r.gamma, r.kappa, (a, b),
                                       r.density_moments)
        x = r.density_grid / r.kappa
        interior = (x > 0.3) & (x < 4.0)
        out["density_score"] = float(np.max(np.abs(r.density - theory)[interior]
                                            / (r.density_error[interior] + 20 * theory.max() / r.d)))
        out["density_rel_se"] = float(np.median(r.density_error[interior] / r.density[interior]))
    print(json.dumps(out))


def run_child(**kwargs) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(kwargs)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv) -> int:
    ok = True
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings scale with it)")
    print(f"{'figure':<44} {'ours':>12}    {'baseline':<34} {'':>12}    {'':>14}   target")

    # 1. d = 2,000: dense against matrix-free, same seeds, interleaved.
    d = 2000
    seeds = iter(range(1000))
    fns = {
        "dense": lambda: arl.simulate(d=d, seed=next(seeds), **CONFIG),
        "lanczos": lambda: arl.simulate(d=d, seed=next(seeds), method="lanczos", **CONFIG),
        "lanczos, top only": lambda: arl.simulate(d=d, seed=next(seeds), method="lanczos",
                                                  density_probes=0, **CONFIG),
    }
    t = interleaved_median_times(fns, repeats=3)
    row("lanczos + density, d=2000 (float64)", t["lanczos"], t["dense"], "dense (eigvalsh of S)",
        "reported")
    row("lanczos, top eigenpair only, d=2000", t["lanczos, top only"], t["dense"],
        "dense (eigvalsh of S)", "reported")

    dense = arl.simulate(d=d, seed=7, **CONFIG)
    free = arl.simulate(d=d, seed=7, method="lanczos", **CONFIG)
    rel = abs(free.top_eigenvalue / dense.top_eigenvalue - 1)
    dov = abs(free.overlap - dense.overlap)
    line("  top eigenvalue, |lanczos/dense - 1|", rel, "", "same seed, d = 2,000", "<= 1e-8")
    line("  alignment, |lanczos - dense|", dov, "", "same seed", "<= 1e-8")
    ok &= rel <= 1e-8 and dov <= 1e-8
    a, b = interval(free)
    exact = kpm_density_of_eigenvalues(dense.eigenvalues[:-1], (a, b), free.density_grid,
                                       free.density_moments, normalise=d)
    inside = exact > 0.02 * exact.max()
    score = np.abs((free.density - exact) / free.density_error)[inside]
    line("  density: max |estimate - dense| / s.e.", score.max(), "",
         f"Jackson-smoothed dense spectrum, {inside.sum()} points; rms {np.sqrt(np.mean(score**2)):.2f}",
         "< 5")
    ok &= score.max() < 5
    theory = smoothed_bulk_density(free.density_grid, free.delta, free.gamma, free.kappa, (a, b),
                                   free.density_moments)
    x = free.density_grid / free.kappa
    mid = (x > 0.3) & (x < 4.0)
    line("  density: max |estimate - bulk law| / peak", np.abs(free.density - theory)[mid].max()
         / theory.max(), "", "bulk law, same smoothing, 0.3κ..4κ", "reported")

    # 2. float32 tables: the error they cause against the finite-size error.
    free32 = arl.simulate(d=d, seed=7, method="lanczos", table_dtype="float32", **CONFIG)
    e_top = abs(free32.top_eigenvalue - free.top_eigenvalue) / free.kappa / (3.5 / np.sqrt(d))
    e_ov = abs(free32.overlap - free.overlap) / (0.9 / np.sqrt(d))
    e_den = np.max(np.abs(free32.density - free.density)[inside] / free.density_error[inside])
    line("  float32 table: top eigenvalue change", e_top, "", "in units of the finite-size sd 3.5/√d",
         "< 1e-3")
    line("  float32 table: alignment change", e_ov, "", "in units of the finite-size sd 0.9/√d", "< 1e-3")
    line("  float32 table: density change", e_den, "", "in units of its standard error (same probes)",
         "< 1e-2")
    ok &= e_top < 1e-3 and e_ov < 1e-3 and e_den < 1e-2

    if "--quick" not in argv:
        # 3. d = 10,000 in a fresh process: time and peak memory.
        big = run_child(d=10_000, seed=0, **LARGE)
        line("d=10,000 lanczos (float32), top + density", big["seconds"], "s",
             f"16 probes, 128 moments, T = 16; process CPU {big['cpu']:.0f} s", "< 60 s")
        line("  peak memory (max RSS of the process)", big["peak"] / 2**30, "GiB",
             "float32 table 20,000 x 10,000 = 0.75 GiB, drawn in blocks", "< 8 GiB")
        ok &= big["seconds"] < 60 and big["peak"] < 8 * 2**30
        theory_top = arl.top_eigenvalue(big["rho"], big["delta"], big["gamma"])
        line("  top eigenvalue / κ - theory", big["top"] / big["kappa"] - theory_top, "",
             f"theory {theory_top:.4f}; finite-size sd ≈ 3.5/√d = 0.035", "reported")
        line("  alignment - theory", big["overlap"] - arl.overlap(big["rho"], big["delta"], big["gamma"]),
             "", "finite-size sd ≈ 0.9/√d = 0.009", "reported")
        line("  density: max |est - law| / (s.e. + 20 peak/d)", big["density_score"], "",
             f"median relative s.e. {big['density_rel_se']:.3f}", "< 5")
        ok &= big["density_score"] < 5
        ref = run_child(d=10_000, seed=0, method="lanczos", density_probes=0)
        line("  float64 vs float32, top eigenvalue", abs(ref["top"] - big["top"]) / ref["kappa"]
             / 0.035, "", "change in units of the finite-size sd, d = 10,000", "< 1e-3")
        line("  float64 vs float32, alignment", abs(ref["overlap"] - big["overlap"]) / 0.009, "",
             "change in units of the finite-size sd", "< 1e-3")
        ok &= abs(ref["top"] - big["top"]) / ref["kappa"] < 0.035e-3
        ok &= abs(ref["overlap"] - big["overlap"]) < 0.009e-3
        line("d=10,000 lanczos (float64), top only", ref["seconds"], "s",
             f"peak {ref['peak'] / 2**30:.2f} GiB", "reported")
        if "--dense-10k" in argv:
            dense_big = run_child(d=10_000, seed=0, method="dense")
            row("d=10,000 lanczos (float32) vs dense", big["seconds"], dense_big["seconds"],
                f"dense, peak {dense_big['peak'] / 2**30:.1f} GiB", "reported")
        else:
            line("  dense at d=10,000 (extrapolated, d^3)", t["dense"] * 125, "s",
                 "125 x the d = 2,000 median; --dense-10k to measure", "reported")

    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
