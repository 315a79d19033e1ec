"""Input checks shared by the whole library.

Every public function validates its arguments here so that bad input fails with a
``ValueError`` that names the parameter and the allowed range, instead of a silent NaN
deep inside a cubic solver or an eigensolver.
"""

from __future__ import annotations

import numbers

import numpy as np


def _as_float(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value, name: str) -> float:
    """Return ``value`` as a float, requiring a finite number > 0."""
    value = _as_float(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def check_nonnegative(value, name: str) -> float:
    """Return ``value`` as a float, requiring a finite number >= 0."""
    value = _as_float(value, name)
    if value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_interval(value, name: str, low: float, high: float) -> float:
    """Return ``value`` as a float, requiring ``low <= value <= high``."""
    value = _as_float(value, name)
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value}")
    return value


def check_int(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int, requiring an integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_array(values, name: str, *, nonnegative: bool = False) -> np.ndarray:
    """Return a finite float array (any shape); optionally require all entries >= 0."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must contain only numbers >= 0, got min {arr.min()}")
    return arr


def check_rho(rho) -> np.ndarray:
    """Return the effective signal-to-noise ratio(s) ρ = α‖μ‖²/κ as a finite array >= 0."""
    rho = check_array(rho, "rho")
    if np.any(rho < 0):
        raise ValueError(f"rho must be >= 0 (rho = alpha ||mu||^2 / kappa), got min {rho.min()}")
    return rho


def check_nonnegative_array(values, name: str) -> np.ndarray:
    """Return a finite float array (any shape) whose entries are all >= 0."""
    return check_array(values, name, nonnegative=True)


def check_weights(weights, T: int | None = None, name: str = "weights") -> np.ndarray:
    """Return pooling weights as a 1-D float array: finite, not all zero, length ``T``."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {w.shape}")
    if T is not None and w.size != T:
        raise ValueError(f"{name} must have length T = {T}, got length {w.size}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must contain only finite numbers")
    if not np.any(w != 0):
        raise ValueError(f"{name} must not be all zero (kappa = ||w||^2 must be > 0)")
    return w


def check_correlation_matrix(R, T: int | None = None, name: str = "R") -> np.ndarray:
    """Return ``R`` as a symmetric positive semi-definite float matrix of size ``T``."""
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or R.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix, got shape {R.shape}")
    if T is not None and R.shape[0] != T:
        raise ValueError(f"{name} must be {T} x {T} to match the weights, got {R.shape}")
    if not np.all(np.isfinite(R)):
        raise ValueError(f"{name} must contain only finite numbers")
    scale = max(1.0, float(np.abs(R).max()))
    if not np.allclose(R, R.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{name} must be symmetric")
    lam_min = float(np.linalg.eigvalsh(R)[0])
    if lam_min < -1e-10 * scale * R.shape[0]:
        raise ValueError(
            f"{name} must be positive semi-definite, got smallest eigenvalue {lam_min:.3g}"
        )
    return (R + R.T) / 2
