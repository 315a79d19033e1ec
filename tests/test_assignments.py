"""The problem sets in assignments/: they assign, grade fairly, teach, and leak nothing.

One build per session (``assignments/build.py`` into a temporary folder, without otter's own
solution run: the solution is graded below with ``otter.api.grade_submission``, i.e.
``otter run`` without Docker). Four notebooks per set go through the whole grading path: the
solution (full marks), the blank student notebook (zero, no error), a float32/list variant of
the solution (full marks) and a notebook with the plausible mistakes of the set (each costs
points in its own question, and only there). Single mistakes, library shortcuts and answers
that hard-code the public examples are checked in-process, by running the autograder's test
files against the executed notebook's namespace, which is what ``otter run`` does in a kernel.
"""

import ast
import csv
import json
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from contextlib import contextmanager
from pathlib import Path

import nbformat
import numpy as np
import pytest

with warnings.catch_warnings():  # otter 7 passes traitlets types, deprecated since traitlets 4.1
    warnings.simplefilter("ignore", DeprecationWarning)
    from otter.api import grade_submission
    from otter.test_files import ExceptionTestFile

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ROOT / "assignments"
MASTERS = sorted((ASSIGNMENTS / "master").glob("*.ipynb"))
SETS = [p.stem for p in MASTERS]

# otter 7 calls DataFrame.drop(inplace=True), deprecated in pandas 3.1: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop is deprecated")

# The chapters the coursework must cover, one set each (issue 4).
CHAPTER_SETS = ["set1_model", "set2_bulk", "set3_transitions", "set4_optimal", "set5_causal",
                "set6_toolbox", "set7_decisions"]

# The simulation question of every set: the function the student writes, and its question.
SIMULATIONS = {
    "set1_model": ("q5", "spike_experiment"),
    "set2_bulk": ("q5", "moment_experiment"),
    "set3_transitions": ("q6", "transition_experiment"),
    "set4_optimal": ("q5", "alignment_experiment"),
    "set5_causal": ("q6", "causal_experiment"),
    "set6_toolbox": ("q6", "free_product_experiment"),
    "set7_decisions": ("q6", "decision_experiment"),
}


# --- plausible mistakes ----------------------------------------------------------------------
# (set, question, what, code redefining the answer, a phrase the failing public check must say).
# The first block is the list of issue 18; the others are further common slips. The code runs
# in the namespace of the executed solution notebook (np, arl, P and the student's functions).

MISTAKES = [
    ("set1_model", "q1", "effective SNR without R", """
def effective_snr(w, R, mu_norm2):
    w = np.asarray(w, dtype=float)
    return (w @ w) * mu_norm2 / (w @ w)
""", "did you leave out R"),
    ("set1_model", "q3", "mean-pooling gain 1 + Tc", """
def mean_pooling_gain(T, c):
    return 1.0 + T * c
""", "counts the diagonal twice"),
    ("set1_model", "q4", "spurious SNR without the square on the sum", """
def spurious_rho(w, delta):
    w = np.asarray(w, dtype=float)
    return w.sum() * delta / (w @ w)
""", "forget the square"),
    ("set2_bulk", "q1", "upper edge without kappa", """
def upper_edge_equal(c, kappa=1.0):
    psi = (-c + np.sqrt(c * c + 8.0 * c)) / (4.0 * c)
    return (1.0 + psi) * (1.0 + c * psi) ** 2 / psi
""", "You left out κ"),
    ("set2_bulk", "q3", "moments with kappa^2 instead of kappa^k", """
def bulk_moment(k, delta, gamma, kappa=1.0):
    phi = P.polymul(P.polymul([1.0, 1.0], [1.0, delta]), [1.0, gamma])
    return kappa ** 2 * P.polypow(phi, k)[k - 1] / k
""", "not κ²"),
    ("set2_bulk", "q3", "moments with kappa instead of kappa^k", """
def bulk_moment(k, delta, gamma, kappa=1.0):
    phi = P.polymul(P.polymul([1.0, 1.0], [1.0, delta]), [1.0, gamma])
    return kappa * P.polypow(phi, k)[k - 1] / k
""", "not κ."),
    ("set2_bulk", "q3", "moments without kappa", """
def bulk_moment(k, delta, gamma, kappa=1.0):
    phi = P.polymul(P.polymul([1.0, 1.0], [1.0, delta]), [1.0, gamma])
    return P.polypow(phi, k)[k - 1] / k
""", "You left out κ"),
    ("set2_bulk", "q4", "atom 1 - 1/(delta gamma)", """
def atom_mass(delta, gamma):
    return max(0.0, 1.0 - 1.0 / (delta * gamma))
""", "not 1 - 1/(δγ)"),
    ("set2_bulk", "q5", "central instead of raw moments", """
def moment_experiment(seed):
    res = arl.simulate(d=400, delta=0.5, gamma=0.5, weights=arl.mean_weights(16),
                       correlation=arl.iid(16), mu_norm2=0.0, seed=seed)
    lam = res.eigenvalues / res.kappa
    emp = np.array([lam.mean(), np.mean((lam - lam.mean()) ** 2), np.mean((lam - lam.mean()) ** 3)])
    return emp, np.mean((lam < lower_edge_equal(0.5)) | (lam > upper_edge_equal(0.5)))
""", "raw moment"),
    ("set4_optimal", "q4", "detection threshold with the gain inverted", """
def detection_threshold(w, R, delta, gamma):
    w, R = np.asarray(w, dtype=float), np.asarray(R, dtype=float)
    return arl.thresholds(delta, gamma)[1] * (w @ R @ w) / (w @ w)
""", "invert the gain"),
    ("set5_causal", "q2", "causal weights without e^tau on the diagonal", """
def causal_limit_weights(T, tau):
    e = np.exp(tau)
    w = [1 / (e + s - 1) + sum(1.0 / (e + t - 1) for t in range(s + 1, T + 1)) for s in range(1, T + 1)]
    return np.array(w) / T
""", "e^τ on the diagonal"),
    # a mistake in an answer that later questions build on: charged once (issue 18, item 2)
    ("set3_transitions", "q2", "rho2 without delta (x* only)", """
def rho2(delta, gamma):
    return np.roots([1.0, 0.0, -(delta + gamma + gamma * delta), -2.0 * gamma * delta]).real.max()
""", "ρ₂ = δ + x*"),
    ("set4_optimal", "q2", "eigenvector of the smallest eigenvalue", """
def best_weights(R):
    v = np.linalg.eigh(np.asarray(R, dtype=float))[1][:, 0]
    return v if v.sum() >= 0 else -v
""", "*smallest* eigenvalue"),
    # further common slips
    ("set1_model", "q2", "label model with s_t^2 on the diagonal", """
def label_correlation(s):
    s = np.asarray(s, dtype=float)
    return np.outer(s, s)
""", "The diagonal is R_tt"),
    ("set2_bulk", "q2", "lower edge from the positive root", """
def lower_edge_equal(c, kappa=1.0):
    psi = (-c + np.sqrt(c * c + 8.0 * c)) / (4.0 * c)
    return kappa * (1.0 + psi) * (1.0 + c * psi) ** 2 / psi
""", "That is the upper edge"),
    ("set3_transitions", "q1", "rho1 = sqrt(delta)", """
def rho1(delta):
    return np.sqrt(delta)
""", "x must reach √δ"),
    ("set3_transitions", "q3", "outlier without kappa", """
def outlier(rho, delta, gamma, kappa=1.0):
    x = rho - delta
    return rho * (x + 1.0) * (x + gamma) / x ** 2
""", "You left out κ"),
    ("set3_transitions", "q4", "alignment without the zero below rho_2", """
def alignment(rho, delta, gamma):
    x = rho - delta
    return (x ** 3 - (delta + gamma + gamma * delta) * x - 2.0 * gamma * delta) / (x ** 2 * (x + gamma))
""", "return 0 for ρ ≤ ρ₂"),
    ("set3_transitions", "q5", "Paul threshold gamma instead of sqrt(gamma)", """
def paul_alignment(rho, gamma):
    if rho <= gamma:
        return 0.0
    return (1.0 - gamma / rho ** 2) / (1.0 + gamma / rho)
""", "not ρ > γ"),
    ("set4_optimal", "q1", "gain without R", """
def gain(w, R):
    w = np.asarray(w, dtype=float)
    return (w @ w) / (w @ w)
""", "did you leave out R"),
    ("set4_optimal", "q2", "eigenvector taken as a row", """
def best_weights(R):
    v = np.linalg.eigh(np.asarray(R, dtype=float))[1][-1]
    return v if v.sum() >= 0 else -v
""", "not the rows"),
    ("set4_optimal", "q3", "Markov gain without the finite-T correction", """
def markov_mean_gain(T, phi):
    return (1 + phi) / (1 - phi)
""", "finite-T correction is missing"),
    ("set5_causal", "q1", "harmonic weights off by one", """
def harmonic(T):
    H = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, T + 1))])
    return (H[T] - H[1:]) / T
""", "Off by one"),
    ("set5_causal", "q3", "harmonic kappa over T", """
def harmonic_kappa(T):
    return (2 * T - np.sum(1.0 / np.arange(1, T + 1))) / T
""", "not /T"),
    ("set5_causal", "q4", "mean pooling's gain for harmonic pooling", """
def harmonic_exchangeable_gain(T, c):
    return 1.0 + (T - 1) * c
""", "gain of mean pooling"),
    ("set5_causal", "q5", "mean minus harmonic", """
def harmonic_minus_mean(R):
    R = np.asarray(R, dtype=float)
    T = R.shape[0]
    return arl.snr(arl.mean_weights(T), R) - arl.snr(arl.harmonic_weights(T), R)
""", "Harmonic minus mean"),
    # the toolbox and decisions sets
    ("set6_toolbox", "q1", "Stieltjes transform from the wrong root", """
def stieltjes_mp(z, gamma):
    b = z + gamma - 1.0
    return (b + np.sqrt(b * b - 4.0 * gamma * z)) / (2.0 * gamma * z)
""", "behaves like 1/z"),
    ("set6_toolbox", "q2", "S coefficients without the factor 1 + z", """
def s_coefficients(m1, m2, m3):
    return np.array([1.0 / m1, -m2 / m1 ** 3, (2.0 * m2 ** 2 - m1 * m3) / m1 ** 5])
""", "S(z) = (1 + z)χ(z)/z"),
    ("set6_toolbox", "q3", "free product edge of MP with the summed ratio", """
def product_upper_edge(ratios, kappa=1.0):
    return kappa * (1.0 + np.sqrt(np.sum(ratios))) ** 2
""", "not the free product"),
    ("set6_toolbox", "q4", "secular equation with the normalised trace", """
def secular_outlier(a, p, rho):
    a = np.asarray(a, dtype=float)
    lo, hi = a.max(), a.max() + rho
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rho * np.mean(1.0 / (mid - a)) > 1.0 else (lo, mid)
    return 0.5 * (lo + hi)
""", "spectral measure of u"),
    ("set6_toolbox", "q5", "eigenvector projection without rho squared", """
def secular_alignment(a, p, rho):
    a, p = np.asarray(a, dtype=float), np.asarray(p, dtype=float)
    lam = secular_outlier(a, p, rho)
    return 1.0 / np.sum(p / (lam - a) ** 2)
""", "at most 1"),
    ("set7_decisions", "q1", "TW scale without the delta gamma term", """
def tw_scale(delta, gamma, kappa=1.0):
    psi = np.roots([2.0 * delta * gamma, delta + gamma + delta * gamma, 0.0, -1.0]).real.max()
    edge = kappa * (1 + psi) * (1 + delta * psi) * (1 + gamma * psi) / psi
    return (np.sqrt(2.0 / (2.0 * kappa * psi ** -3)) / edge) ** (-2.0 / 3.0)
""", "δγ term"),
    ("set7_decisions", "q2", "edge test centred at the Marchenko-Pastur edge", """
def edge_test(top_eigenvalue, d, delta, gamma, kappa=1.0):
    edge = kappa * (1.0 + np.sqrt(gamma)) ** 2
    statistic = (top_eigenvalue - edge) * d ** (2.0 / 3.0) / tw_scale(delta, gamma, kappa)
    return statistic, 1.0 - arl.tw1_cdf(statistic)
""", "Marchenko–Pastur edge"),
    ("set7_decisions", "q3", "rho_hat from the other positive root", """
def rho_hat(top_eigenvalue, delta, gamma, kappa=1.0):
    y = top_eigenvalue / kappa
    roots = np.roots([delta * gamma, delta + gamma + delta * gamma, 1.0 + delta + gamma - y, 1.0])
    return delta + 1.0 / roots.real[(np.abs(roots.imag) < 1e-9) & (roots.real > 0)].max()
""", "decreasing branch"),
    ("set7_decisions", "q4", "classification error without kappa over alpha", """
import itertools
from scipy.special import ndtr

def unsupervised_error_rate(w, s, eta_tilde):
    w, s = np.asarray(w, dtype=float), np.asarray(s, dtype=float)
    xi = np.array(list(itertools.product([1.0, -1.0], repeat=len(w))))
    prob = np.prod((1.0 + xi * s) / 2.0, axis=1)
    return np.sum(prob * ndtr(-np.sqrt(eta_tilde / (1.0 - eta_tilde)) * (xi @ w) / np.sqrt(w @ w)))
""", "κ/α"),
    ("set7_decisions", "q5", "plug-in cost without the token noise", """
def plugin_cost(R, q, N):
    lam = np.linalg.eigvalsh(np.asarray(R, dtype=float))[::-1]
    return np.sum(lam[0] * lam[1:] / (lam[0] - lam[1:])) / N
""", "token noise"),
    ("set7_decisions", "q6", "decision experiment without kappa", """
def decision_experiment(seed):
    res = arl.simulate(d=300, delta=0.5, gamma=0.5, weights=arl.mean_weights(8), correlation=arl.iid(8),
                       mu_norm2=4.0, seed=seed)
    return (edge_test(res.top_eigenvalue, res.d, res.delta, res.gamma)[0],
            rho_hat(res.top_eigenvalue, res.delta, res.gamma))
""", "units of S"),
]

# The mistakes put together into one notebook per set and graded end to end.
WRONG_NOTEBOOK = {
    "set1_model": ["effective SNR without R", "mean-pooling gain 1 + Tc",
                   "spurious SNR without the square on the sum"],
    "set2_bulk": ["upper edge without kappa", "moments with kappa^2 instead of kappa^k",
                  "atom 1 - 1/(delta gamma)", "central instead of raw moments"],
    "set3_transitions": ["rho2 without delta (x* only)", "Paul threshold gamma instead of sqrt(gamma)"],
    "set4_optimal": ["detection threshold with the gain inverted", "eigenvector of the smallest eigenvalue"],
    "set5_causal": ["causal weights without e^tau on the diagonal", "mean pooling's gain for harmonic pooling"],
    "set6_toolbox": ["Stieltjes transform from the wrong root", "S coefficients without the factor 1 + z",
                     "secular equation with the normalised trace", "eigenvector projection without rho squared"],
    "set7_decisions": ["edge test centred at the Marchenko-Pastur edge", "rho_hat from the other positive root",
                       "classification error without kappa over alpha", "plug-in cost without the token noise"],
}

# Derivation answers that call the library instead: each must score nothing in its question.
SHORTCUTS = {
    "set1_model": {
        "q1": "def effective_snr(w, R, mu_norm2):\n    return mu_norm2 * arl.snr(np.asarray(w, float), np.asarray(R, float))",
        "q2": "def label_correlation(s):\n    return arl.label_model(s).R",
        "q3": "def mean_pooling_gain(T, c):\n    return arl.snr(arl.mean_weights(T), arl.exchangeable(T, c).R)",
        "q4": "def spurious_rho(w, delta):\n    return arl.mean_token_snr(np.asarray(w, float), delta)",
    },
    "set2_bulk": {
        "q1": "def upper_edge_equal(c, kappa=1.0):\n    return arl.bulk_edges(c, c, kappa)[1]",
        "q2": "def lower_edge_equal(c, kappa=1.0):\n    return arl.bulk_edges(c, c, kappa)[0]",
        "q3": "def bulk_moment(k, delta, gamma, kappa=1.0):\n    return arl.bulk_moments(k, delta, gamma, kappa)[k]",
        "q4": "def atom_mass(delta, gamma):\n    return arl.bulk_atom(delta, gamma)",
    },
    "set3_transitions": {
        "q1": "def rho1(delta):\n    return arl.thresholds(delta, 1.0)[0]",
        "q2": "def rho2(delta, gamma):\n    return arl.thresholds(delta, gamma)[1]",
        "q3": "def outlier(rho, delta, gamma, kappa=1.0):\n    return arl.top_eigenvalue(rho, delta, gamma, kappa)",
        "q4": "def alignment(rho, delta, gamma):\n    return arl.overlap(rho, delta, gamma)",
        "q5": ("def paul_outlier(rho, gamma):\n    return arl.paul_top_eigenvalue(rho, gamma)\n\n"
               "def paul_alignment(rho, gamma):\n    return arl.paul_overlap(rho, gamma)"),
    },
    "set4_optimal": {
        # bound by name: the recorder of module attributes cannot see it, the name check does
        "q1": "from attnrmt_lib import snr as _snr\n\ndef gain(w, R):\n    return _snr(np.asarray(w, float), np.asarray(R, float))",
        "q2": "def best_weights(R):\n    return arl.optimal_weights(np.asarray(R, float))",
        "q3": "def markov_mean_gain(T, phi):\n    return arl.snr(arl.mean_weights(T), arl.markov(T, phi).R)",
        "q4": "def detection_threshold(w, R, delta, gamma):\n    return arl.detection_threshold(np.asarray(w, float), np.asarray(R, float), delta, gamma)",
    },
    "set5_causal": {
        "q1": "def harmonic(T):\n    return arl.harmonic_weights(T)",
        "q2": "def causal_limit_weights(T, tau):\n    return arl.harmonic_weights(T, tau)",
        "q3": "def harmonic_kappa(T):\n    w = arl.harmonic_weights(T)\n    return w @ w",
        "q4": "def harmonic_exchangeable_gain(T, c):\n    return arl.snr(arl.harmonic_weights(T), arl.exchangeable(T, c).R)",
    },
    "set6_toolbox": {
        "q1": "def stieltjes_mp(z, gamma):\n    return arl.mp_stieltjes(z, gamma)",
        "q2": "def s_coefficients(m1, m2, m3):\n    return arl.free_probability.s_transform_coefficients([m1, m2, m3])",
        "q3": "def product_upper_edge(ratios, kappa=1.0):\n    return arl.free_probability.free_mp_product_upper_edge(ratios, kappa)",
        # the weighted Stieltjes transform of the library inside one's own root finder
        "q4": ("from scipy.optimize import brentq\n\ndef secular_outlier(a, p, rho):\n    a = np.asarray(a, float)\n"
               "    h = lambda x: rho * arl.empirical_stieltjes(a, x, p).real - 1.0\n"
               "    return brentq(h, a.max() + 1e-9, a.max() + rho)"),
        "q5": ("def secular_alignment(a, p, rho):\n    a = np.asarray(a, float)\n    lam = secular_outlier(a, p, rho)\n"
               "    r = 0.5 * (lam - a.max())\n"
               "    f = lambda z: arl.empirical_stieltjes(a, z, p) / (1.0 - rho * arl.empirical_stieltjes(a, z, p))\n"
               "    return arl.resolvent.contour_integral(f, lam, r, nodes=256).real"),
    },
    "set7_decisions": {
        "q1": "def tw_scale(delta, gamma, kappa=1.0):\n    return arl.tracy_widom_scale(delta, gamma, kappa)",
        # only arl.bulk_edges and arl.tw1_cdf are allowed: the statistic must be the student's
        "q2": ("from attnrmt_lib.outlier_test import tw_pvalue, tw_statistic\n\n"
               "def edge_test(top_eigenvalue, d, delta, gamma, kappa=1.0):\n"
               "    return (tw_statistic(top_eigenvalue, d, delta, gamma, kappa),\n"
               "            tw_pvalue(top_eigenvalue, d, delta, gamma, kappa))"),
        "q3": "def rho_hat(top_eigenvalue, delta, gamma, kappa=1.0):\n    return arl.estimation.invert_top_eigenvalue(top_eigenvalue, delta, gamma, kappa)",
        "q4": "def unsupervised_error_rate(w, s, eta_tilde):\n    return arl.classification.spectral_classification_error(w, s, eta_tilde)",
        "q5": "from attnrmt_lib.plugin_weights import plugin_loss\n\ndef plugin_cost(R, q, N):\n    return plugin_loss(R, q, N)",
    },
}

# Inserted into the solution notebook: after the imports, helpers that make every answer
# function compute from float32 inputs and return float32 scalars and plain lists instead of
# arrays (issue 18, item 2); after each answer cell, a call that wraps the functions it defined.
FLOAT32_HELPERS = '''
import functools as _functools
import inspect as _inspect

def _to32(value):
    if isinstance(value, tuple):
        return tuple(_to32(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32).tolist()
    if isinstance(value, (float, np.floating)):
        return np.float32(value)
    return value

def _as32(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, float):
        return np.float32(value)
    return value

def _float32(func):
    @_functools.wraps(func)
    def wrapped(*args, **kwargs):
        result = func(*[_as32(a) for a in args], **{k: _as32(v) for k, v in kwargs.items()})
        return _to32(result)
    wrapped._float32 = True
    return wrapped

def _wrap_new():
    for name, value in list(globals().items()):
        if (_inspect.isfunction(value) and value.__module__ == "__main__" and not name.startswith("_")
                and not getattr(value, "_float32", False)):
            globals()[name] = _float32(value)
'''


# --- building and grading, once per session --------------------------------------------------

@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments_dist")
    proc = subprocess.run(
        [sys.executable, str(ASSIGNMENTS / "build.py"), "--out", str(out), "--no-run-tests", "--jobs", "2"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return out


def _mistake(what):
    found = [m for m in MISTAKES if m[2] == what]
    assert len(found) == 1, what
    return found[0]


def _variant(dist, name, kind, folder):
    """The notebook of one kind for set ``name``, written into ``folder``.

    ``wrong``: the solution with the set's plausible mistakes and float32/list answers
    everywhere. otter runs each question's tests at its ``grader.check`` cell, so the changes go
    right after the answer cells, before their checks.
    """
    if kind == "blank":
        return dist / name / "student" / f"{name}.ipynb"
    solution = dist / name / "autograder" / f"{name}.ipynb"
    if kind == "solution":
        return solution
    assert kind == "wrong", kind
    answers = {f for fs in _answer_functions(name).values() for f in fs}
    mistakes = {re.search(r"^def (\w+)\(", _mistake(what)[3], flags=re.M).group(1): _mistake(what)[3]
                for what in WRONG_NOTEBOOK[name]}
    nb = nbformat.read(solution, as_version=4)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        if "import attnrmt_lib as arl" in cell.source:
            cells.append(nbformat.v4.new_code_cell(FLOAT32_HELPERS))
        defined = set(re.findall(r"^def (\w+)\(", cell.source, flags=re.M)) & answers
        if defined:
            cells += [nbformat.v4.new_code_cell(mistakes[f]) for f in sorted(defined) if f in mistakes]
            cells.append(nbformat.v4.new_code_cell("_wrap_new()"))
    assert sum("_wrap_new()" == c.source for c in cells) >= 4
    nb.cells = cells
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def graded(dist, tmp_path_factory):
    """graded(name, kind): the otter results of one notebook, graded once per session."""
    cache = {}

    def get(name, kind):
        if (name, kind) not in cache:
            folder = tmp_path_factory.mktemp(f"{name}_{kind}")
            cache[name, kind] = grade_submission(
                str(_variant(dist, name, kind, folder)),
                str(dist / "autograders" / f"{name}-autograder.zip"),
                quiet=True,
            )
        return cache[name, kind]

    return get


# --- running the tests in-process ------------------------------------------------------------

@contextmanager
def _on_path(folder):
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))


def _namespace(notebook, extra=(), transform=None):
    """Execute the code cells of ``notebook`` (not otter's) and then ``extra`` in one namespace.

    ``transform`` rewrites the source of every cell first.
    """
    ns = {"__name__": "__main__"}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code" and "otter" not in cell.source and "grader." not in cell.source:
            source = transform(cell.source) if transform else cell.source
            exec(compile(source, f"<{Path(notebook).stem}>", "exec"), ns)
    for src in extra:
        exec(compile(src, "<override>", "exec"), ns)
    return ns


def _solution_namespace(dist, name, extra=(), transform=None):
    return _namespace(dist / name / "autograder" / f"{name}.ipynb", extra, transform)


def _run_tests(dist, name, ns, questions=None):
    """{question: [(hidden, passed, message, points)]} for the autograder's tests run on ``ns``."""
    results = {}
    with _on_path(dist / name / "autograder"):
        for path in sorted((dist / name / "autograder" / "tests").glob("q*.py")):
            if questions is not None and path.stem not in questions:
                continue
            test_file = ExceptionTestFile.from_file(str(path))
            test_file.run(ns)
            results[path.stem] = [
                (r.test_case.hidden, r.passed, r.message, r.test_case.points)
                for r in test_file.test_case_results
            ]
    return results


def _answer_functions(name):
    """{question: names of the functions its solution cell defines}."""
    return {q: re.findall(r"^def (\w+)\(", text, flags=re.M)
            for q, text in _question_solutions(name).items()}


def _affected(name, q):
    """Question ``q`` and every question whose answer uses one of its functions, transitively."""
    sources, functions = _question_solutions(name), _answer_functions(name)
    affected, todo = {q}, [q]
    while todo:
        names = functions[todo.pop()]
        for other, text in sources.items():
            if other not in affected and any(re.search(rf"\b{f}\(", text) for f in names):
                affected.add(other)
                todo.append(other)
    return affected


def _errors(nb):
    return [
        f"{o.get('ename')}: {o.get('evalue', '')[:200]}"
        for c in nb.cells if c.cell_type == "code"
        for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]


def _messages(results, q):
    return [tcr.message for tcr in results.results[q].test_case_results]


# --- reading the master notebooks ------------------------------------------------------------

def _raw_first_line(cell):
    return cell.source.strip().splitlines()[0].strip().upper() if cell.source.strip() else ""


def _master_parts(name):
    """(solution needles, hidden-test needles, public text) of one master notebook.

    Solution needles: the code a `# SOLUTION` line or a `# BEGIN/END SOLUTION` block hides
    (for `x = value  # SOLUTION` the hidden part is `value`) and the lines of the model answers
    of the written questions. Hidden-test needles: the body lines of the tests marked
    `# HIDDEN`. Public text: everything the student may see (markdown, provided code, public
    tests), used to exempt strings published on purpose.
    """
    nb = nbformat.read(ASSIGNMENTS / "master" / f"{name}.ipynb", as_version=4)
    solutions, hidden, hidden_unparsed, public = [], [], [], []
    block = None
    for cell in nb.cells:
        if cell.cell_type == "raw":
            first = _raw_first_line(cell)
            if first in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
                block = first
            elif first in ("# END SOLUTION", "# END TESTS"):
                block = None
            continue
        lines = cell.source.splitlines()
        if cell.cell_type == "code" and block == "# BEGIN TESTS":
            if lines and lines[0].strip().upper() == "# HIDDEN":
                # as written, and as otter writes it into the test files (ast.unparse)
                hidden += [line.strip() for line in lines[1:]]
                tree = ast.parse("\n".join(lines[1:]))
                hidden_unparsed += [line.strip() for line in ast.unparse(tree.body[0]).splitlines()]
            else:
                # as written, and as otter writes it into the student's test files
                public += lines + ast.unparse(ast.parse(cell.source)).splitlines()
            continue
        if cell.cell_type == "markdown" and block == "# BEGIN SOLUTION":
            solutions += [line.strip() for line in lines if line.strip()]
            continue
        if cell.cell_type == "code" and block == "# BEGIN SOLUTION":
            inside = False
            for line in lines:
                text = line.strip()
                if text.endswith("# BEGIN SOLUTION"):
                    inside = True
                elif text.endswith("# END SOLUTION"):
                    inside = False
                elif inside:
                    solutions.append(text)
                elif re.search(r"#\s*SOLUTION$", text):
                    code = re.sub(r"#\s*SOLUTION$", "", text).strip()
                    m = re.match(r"^[\w.\[\], ]+=(?!=)(.*)$", code)
                    solutions.append(m.group(1).strip() if m else code)
                else:
                    public.append(line)
            continue
        public += lines
    public_text = "\n".join(public)
    solution_needles = sorted({s for s in solutions if len(s) >= 6 and s not in public_text})

    def needles(lines):
        return sorted({
            h for h in lines
            if len(h) >= 8 and not h.startswith(("import ", "from ")) and h not in public_text
        })

    return solution_needles, (needles(hidden), needles(hidden_unparsed)), public_text


def _written_questions(name):
    nb = nbformat.read(ASSIGNMENTS / "master" / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "raw" and "manual: true" in c.source]


def _texts(folder):
    """Every text a student receives: files of the student folder and the release zip."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".ipynb":
                nb = nbformat.reads(data.decode(), as_version=4)
                texts[str(path)] = "\n".join(c.source for c in nb.cells) + json.dumps(nb.metadata)
            else:
                texts[str(path)] = data.decode("utf-8", errors="replace")
    return texts


def _student_texts(dist, name):
    texts = _texts(dist / name / "student")
    with zipfile.ZipFile(dist / "release" / f"{name}.zip") as zf:
        for member in zf.namelist():
            data = zf.read(member)
            if member.endswith(".ipynb"):
                nb = nbformat.reads(data.decode(), as_version=4)
                texts[f"zip:{member}"] = "\n".join(c.source for c in nb.cells) + json.dumps(nb.metadata)
            else:
                texts[f"zip:{member}"] = data.decode("utf-8", errors="replace")
    return texts


# --- structure ---------------------------------------------------------------------------------

def test_one_set_per_chapter():
    assert set(CHAPTER_SETS) <= set(SETS), SETS
    assert set(SIMULATIONS) == set(SETS) == set(WRONG_NOTEBOOK) == set(SHORTCUTS)


@pytest.mark.parametrize("name", SETS)
def test_set_assigns(dist, name):
    student, autograder = dist / name / "student", dist / name / "autograder"
    assert (student / f"{name}.ipynb").is_file()
    assert (autograder / f"{name}.ipynb").is_file()
    assert (dist / "release" / f"{name}.zip").is_file()
    agzip = dist / "autograders" / f"{name}-autograder.zip"
    assert agzip.is_file()
    # every autograded question has public tests for the student and hidden tests for the grader
    questions = sorted(p.name for p in (autograder / "tests").glob("q*.py"))
    assert len(questions) >= 4
    assert questions == sorted(p.name for p in (student / "tests").glob("q*.py"))
    for q in questions:
        cases = ExceptionTestFile.from_file(str(autograder / "tests" / q)).test_cases
        assert any(tc.hidden for tc in cases), f"{name}/{q} has no hidden test"
        assert any(not tc.hidden for tc in cases), f"{name}/{q} has no public test"
        public = ExceptionTestFile.from_file(str(student / "tests" / q)).test_cases
        assert public and not any(tc.hidden for tc in public)
    # the shared checks reach the students; the reference values only the autograder
    assert (student / "attnrmt_checks.py").is_file()
    assert not (student / "attnrmt_reference.py").exists()
    with zipfile.ZipFile(dist / "release" / f"{name}.zip") as zf:
        assert "attnrmt_checks.py" in zf.namelist()
        assert not any("reference" in m for m in zf.namelist())
    with zipfile.ZipFile(agzip) as zf:
        members = set(zf.namelist())
        assert {"files/attnrmt_checks.py", "files/attnrmt_reference.py"} <= members
        config = json.loads(zf.read("otter_config.json"))
        environment = zf.read("environment.yml").decode()
    # grading feedback once grades are published; the Gradescope image runs the book's Python
    assert config["show_hidden"] is True and config["show_stdout"] is True
    assert "python=3.11" in environment, environment
    # students initialise the grader themselves; the notebook says how to install it in Colab
    nb = nbformat.read(student / f"{name}.ipynb", as_version=4)
    assert "pip install otter-grader attnrmt_lib" in nb.cells[0].source
    assert "other seeds" in nb.cells[0].source
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any(f'otter.Notebook("{name}.ipynb")' in s for s in sources)
    assert any("grader.check_all()" in s for s in sources)
    assert any("grader.export(" in s for s in sources)
    assert nb.metadata["otter"]["require_no_pdf_confirmation"] is True
    # written questions: one Markdown answer cell each, framed for otter's PDF filtering
    written = _written_questions(name)
    assert len(written) >= 3, f"{name}: too few written questions"
    answers = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])
               and c.cell_type == "markdown"]
    assert len(answers) == len(written)
    assert sum("<!-- BEGIN QUESTION -->" in c.source for c in nb.cells) == len(written)


@pytest.mark.parametrize("name", SETS)
def test_written_answers_reach_the_pdf_export(dist, name, tmp_path):
    """otter's PDF export keeps the written questions and their answers (the LaTeX step itself
    needs xelatex and pandoc, which this environment lacks)."""
    from otter.export.exporters.base_exporter import BaseExporter

    nb = nbformat.read(dist / name / "student" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if "otter_answer_cell" in cell.metadata.get("tags", []) and cell.cell_type == "markdown":
            cell.source = "My written answer for the grader."
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    filtered = BaseExporter.load_notebook(str(path), filtering=True, pagebreaks=True)
    text = "\n".join(c.source for c in filtered.cells)
    assert text.count("My written answer for the grader.") == len(_written_questions(name))
    assert "grader.check" not in text and "def " not in text


def test_export_cell_writes_the_submission_zip(dist, tmp_path):
    """The export cell's call, without a PDF (no LaTeX here): a zip with the notebook."""
    name = "set1_model"
    work = tmp_path / name
    shutil.copytree(dist / name / "student", work)
    proc = subprocess.run(
        [sys.executable, "-c",
         f"import otter; otter.Notebook({name + '.ipynb'!r}).export(pdf=False, display_link=False)"],
        cwd=work, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    zips = list(work.glob(f"{name}_*.zip"))
    assert len(zips) == 1, list(work.iterdir())
    with zipfile.ZipFile(zips[0]) as zf:
        assert f"{name}.ipynb" in zf.namelist()


# --- grading end to end ------------------------------------------------------------------------

@pytest.mark.parametrize("name", SETS)
def test_solution_scores_full_marks(graded, name):
    results = graded(name, "solution")
    assert results.possible >= 10
    assert results.total == results.possible, results.summary()
    assert not _errors(results.notebook)


@pytest.mark.parametrize("name", SETS)
def test_float32_and_list_answers_score_full_marks(dist, name):
    """Answers computed in float32 and returned as float32 scalars and lists lose nothing.

    The answer functions get float32 arguments (NumPy keeps float32 through arithmetic with
    Python floats), the solutions' arrays are made float32 (``dtype=float`` becomes
    ``np.float32``), and they return float32 scalars and lists instead of arrays.
    """
    ns = _solution_namespace(dist, name, [FLOAT32_HELPERS, "_wrap_new()"],
                             transform=lambda src: src.replace("dtype=float)", "dtype=np.float32)"))
    answers = [f for fs in _answer_functions(name).values() for f in fs]
    assert answers and all(getattr(ns[f], "_float32", False) for f in answers)
    results = _run_tests(dist, name, ns)
    failures = {q: [m for _, p, m, _ in cases if not p] for q, cases in results.items()}
    assert not any(failures.values()), failures


@pytest.mark.parametrize("name", SETS)
def test_blank_notebook_scores_zero_and_says_so(graded, name):
    results = graded(name, "blank")
    assert results.possible >= 10
    # the unanswered notebook earns nothing, and runs top to bottom without an error
    assert results.total == 0, results.summary()
    assert not _errors(results.notebook), _errors(results.notebook)
    # every failure names its question and says the answer is blank, never a bare TypeError
    for q in results.results:
        for message in _messages(results, q):
            assert f"AssertionError: {q}:" in message, message
            assert any(p in message for p in ("is `...`", "still blank", "Is a `...` left")), message


@pytest.mark.parametrize("name", SETS)
def test_mistakes_cost_their_question_only_and_float32_costs_nothing(graded, name):
    """Graded end to end: the set's plausible mistakes, and float32/list answers everywhere."""
    results = graded(name, "wrong")
    assert not _errors(results.notebook), _errors(results.notebook)
    mistaken = {_mistake(what)[1] for what in WRONG_NOTEBOOK[name]}
    for q, res in results.results.items():
        if q in mistaken:
            assert res.score < res.possible, f"{name}/{q}: the mistake scored full marks"
        else:
            assert res.score == res.possible, f"{name}/{q} loses points it should not:\n{results.summary()}"


def test_grade_script_writes_csv_with_time_limit_and_written_answers(dist, tmp_path):
    name = "set4_optimal"
    subs = tmp_path / "submissions"
    subs.mkdir()
    shutil.copy(dist / name / "autograder" / f"{name}.ipynb", subs / "alice.ipynb")
    (subs / "carol.ipynb").write_text("not a notebook")
    nb = nbformat.read(dist / name / "student" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if "otter_answer_cell" in cell.metadata.get("tags", []) and cell.cell_type == "markdown":
            cell.source = "Dave's written answer."
        elif cell.cell_type == "code" and "def gain(" in cell.source:
            cell.source += "\n\nwhile True:  # an endless loop\n    pass\n"
    nbformat.write(nb, subs / "dave.ipynb")
    autograder = dist / "autograders" / f"{name}-autograder.zip"

    def run(files, *options):
        out = tmp_path / "grades.csv"
        proc = subprocess.run(
            [sys.executable, str(ASSIGNMENTS / "grade.py"), name, *map(str, files), "-o", str(out),
             "--autograder", str(autograder), *options],
            capture_output=True, text=True, timeout=900,
        )
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        with open(out, newline="") as f:
            return {Path(r["submission"]).stem: r for r in csv.DictReader(f)}

    # the endless loop with a short limit (and its written answers collected), then the others
    written = tmp_path / "written.ipynb"
    rows = run([subs / "dave.ipynb"], "--timeout", "5", "--written", str(written))
    assert float(rows["dave"]["total"]) == 0 and "TimeoutError" in rows["dave"]["error"]
    collected = nbformat.read(written, as_version=4)
    text = "\n".join(c.source for c in collected.cells)
    assert text.count("Dave's written answer.") == len(_written_questions(name))
    assert "#### dave.ipynb" in text
    rows = run([subs / "alice.ipynb", subs / "carol.ipynb"])
    assert float(rows["alice"]["total"]) == float(rows["alice"]["possible"]) == 15
    assert float(rows["alice"]["q5"]) == 4 and not rows["alice"]["error"]
    assert float(rows["carol"]["total"]) == 0 and rows["carol"]["error"]


# --- checks that teach, in-process -------------------------------------------------------------

@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m[0]}-{m[1]}-{m[2]}" for m in MISTAKES])
def test_mistake_fails_a_public_check_that_names_the_cause(dist, mistake):
    name, q, what, code, phrase = mistake
    # the question and those that build on it: no other question can see the mistake
    results = _run_tests(dist, name, _solution_namespace(dist, name, [code]), _affected(name, q))
    public_failures = [msg for hidden, passed, msg, _ in results[q] if not hidden and not passed]
    assert public_failures, f"{name}/{q}: the public tests accept '{what}'"
    assert any(phrase in msg for msg in public_failures), public_failures
    assert any(not passed for hidden, passed, *_ in results[q] if hidden), \
        f"{name}/{q}: the hidden tests accept '{what}'"
    # charged once: every other question still passes all its tests
    others = {other: [msg for _, passed, msg, _ in cases if not passed]
              for other, cases in results.items() if other != q}
    assert not any(others.values()), others


@pytest.mark.parametrize("name", SETS)
def test_derivation_questions_reject_library_shortcuts(dist, name):
    for q, code in SHORTCUTS[name].items():
        ns = _solution_namespace(dist, name, [code])
        # the shortcut is right, numerically: only the policy rejects it
        results = _run_tests(dist, name, ns, _affected(name, q))
        assert not any(passed for _, passed, *_ in results[q]), f"{name}/{q}: a shortcut scores"
        message = [msg for hidden, _, msg, _ in results[q] if not hidden][0]
        assert "calls the library" in message, message
        others = {o: [m for _, p, m, _ in c if not p] for o, c in results.items() if o != q}
        assert not any(others.values()), others


def test_library_allowed_where_the_question_says_so(dist):
    """Set 4 Q4 may call arl.thresholds, Set 5 Q5 any library function, Set 7 Q2 arl.bulk_edges and
    arl.tw1_cdf (their solutions do)."""
    for name, q, call in (("set4_optimal", "q4", "arl.thresholds("), ("set5_causal", "q5", "arl.snr("),
                          ("set7_decisions", "q2", "arl.tw1_cdf(")):
        assert call in _question_solutions(name)[q]
        results = _run_tests(dist, name, _solution_namespace(dist, name), {q})
        assert all(passed for _, passed, *_ in results[q]), results[q]


class _Memo:
    """Records a correct function's answers, then replays them: a hard-coded answer."""

    def __init__(self, func):
        self.func, self.table = func, []

    def record(self, *args, **kwargs):
        result = self.func(*args, **kwargs)
        self.table.append((args + tuple(kwargs.values()), result))
        return result

    def replay(self, *args, **kwargs):
        given = args + tuple(kwargs.values())
        for key, result in self.table:
            if len(key) == len(given) and all(_same(a, b) for a, b in zip(key, given)):
                return result
        return self.table[0][1]  # the memorised worked example, whatever is asked


def _same(a, b):
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.all(a == b))
    except (TypeError, ValueError):
        return a == b


@pytest.mark.parametrize("name", SETS)
def test_hidden_tests_reject_hard_coded_answers(dist, name):
    """Answers that replay the public examples pass every public test and fail every hidden one."""
    ns = _solution_namespace(dist, name)
    answers = _answer_functions(name)
    memos = {f: _Memo(ns[f]) for fs in answers.values() for f in fs}
    public_only = {f: memo.record for f, memo in memos.items()}
    with _on_path(dist / name / "student"):
        for path in sorted((dist / name / "student" / "tests").glob("q*.py")):
            ExceptionTestFile.from_file(str(path)).run({**ns, **public_only})
    cheats = {f: memo.replay for f, memo in memos.items()}
    results = _run_tests(dist, name, {**ns, **cheats})
    for q, cases in results.items():
        for hidden, passed, message, _ in cases:
            if hidden:
                assert not passed, f"{name}/{q}: a hidden test accepts the replayed public answers"
            else:
                assert passed, f"{name}/{q}: the replayed answers should pass the public test\n{message}"


def _question_solutions(name):
    """{question: the source of its solution cell} for the autograded questions of a master."""
    nb = nbformat.read(ASSIGNMENTS / "master" / f"{name}.ipynb", as_version=4)
    out, current, block = {}, None, None
    for cell in nb.cells:
        if cell.cell_type == "raw":
            text = cell.source.strip()
            if text.startswith("# BEGIN QUESTION"):
                current = None if "manual: true" in text else re.search(r"name:\s*(\w+)", text).group(1)
            block = text.splitlines()[0].strip() if text else None
            continue
        if current and block == "# BEGIN SOLUTION" and cell.cell_type == "code":
            out[current] = cell.source
    return out


@pytest.mark.parametrize("name", SETS)
def test_simulations_are_graded_at_other_seeds(dist, name):
    """The notebooks' claim: the hidden tests rerun the simulation with other seeds."""
    q, func = SIMULATIONS[name]
    ns = _solution_namespace(dist, name)
    seeds = []
    ns.update(_seeds=seeds, _original=ns[func])
    exec(f"def {func}(seed):\n    _seeds.append(seed)\n    return _original(seed)", ns)
    results = _run_tests(dist, name, ns, {q})
    assert all(passed for _, passed, *_ in results[q])
    public_seed = seeds[0]
    assert len(set(seeds)) >= 3 and len(set(seeds) - {public_seed}) >= 2, seeds


# --- leaks ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SETS)
def test_student_version_leaks_no_solution(dist, name):
    solutions, _, _ = _master_parts(name)
    assert len(solutions) >= 5
    texts = _student_texts(dist, name)
    leaks = [(s, label) for s in solutions for label, text in texts.items() if s in text]
    assert not leaks, leaks
    # the search does find them where they belong
    solution_nb = _texts(dist / name / "autograder")[str(dist / name / "autograder" / f"{name}.ipynb")]
    assert all(s in solution_nb for s in solutions)


@pytest.mark.parametrize("name", SETS)
def test_student_version_leaks_no_hidden_test(dist, name):
    _, (as_written, as_unparsed), _ = _master_parts(name)
    assert len(as_unparsed) >= 5
    texts = _student_texts(dist, name)
    leaks = [(h, label) for h in as_written + as_unparsed for label, text in texts.items() if h in text]
    assert not leaks, leaks
    # the reference values of the hidden tests are neither shipped nor named
    assert not [label for label, text in texts.items() if "attnrmt_reference" in text]
    # the search does find them where they belong
    grader_tests = "\n".join(p.read_text() for p in (dist / name / "autograder" / "tests").glob("*.py"))
    assert all(h in grader_tests for h in as_unparsed)
