import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile(
    "attnrmt",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "attnrmt"))


def integrate_on_support(f, lower, upper, nodes=400):
    """∫_lower^upper f(λ) dλ for a density with square-root or λ^(-1/2), λ^(-2/3) edges.

    Gauss–Legendre in θ after λ = ℓ + (u - ℓ) sin⁶(θ/2) on [ℓ, m] and the mirror image on
    [m, u], so the integrand is smooth at both edges whatever their type.
    """
    t, w = np.polynomial.legendre.leggauss(nodes)
    h = (t + 1.0) * np.pi / 4.0  # θ/2 on [0, π/2]
    s, c = np.sin(h), np.cos(h)
    mid = (lower + upper) / 2.0
    jac = 3.0 * s**5 * c * (np.pi / 2.0) * w
    left = lower + (mid - lower) * s**6
    right = upper - (upper - mid) * s**6
    return (mid - lower) * np.sum(f(left) * jac) + (upper - mid) * np.sum(f(right) * jac)


def toc_files():
    """Every page of the book, as paths without suffix relative to the repository root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The README's build command, into a temporary folder; returns the HTML directory."""
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    proc = subprocess.run(
        [jb, "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert "build succeeded" in log
    return out / "_build" / "html"
