"""A small on-disk cache for heavy numerical results, so a chapter executed twice computes once.

Results are dictionaries of NumPy arrays stored as ``.npz`` files (no pickles) under

1. ``$ATTNRMT_CACHE_DIR`` if set, else
2. ``$XDG_CACHE_HOME/attnrmt`` if ``XDG_CACHE_HOME`` is set, else
3. ``~/.cache/attnrmt``,

one sub-folder per namespace, one file per key. The key is a SHA-256 hash of the
namespace, the parameters (canonicalised: arrays by their bytes, positional models by
their name, R and a fixed sample, dataclasses by their fields) and the library's
fingerprint: its version and a hash of its source files, subpackages included
(:func:`source_digest`), so editing or moving library code invalidates every entry (a
stale number can never come back). Nothing in the repository is written. Set
``ATTNRMT_NO_CACHE=1`` to bypass the cache; :func:`clear` empties it.

Writes are atomic (a temporary file renamed into place), so concurrent executions of the
same notebook at worst compute twice. A directory that cannot be written disables the
cache silently: it only ever saves time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import numbers
import os
import tempfile
from pathlib import Path

import numpy as np

from ._version import __version__

__all__ = ["cache_dir", "cache_key", "cached_simulate", "clear", "library_fingerprint", "load",
           "memoize", "save", "simulate_arguments", "source_digest"]

_NONE = "__none__"
_KEY = "__key__"
_fingerprint: str | None = None


def cache_dir() -> Path:
    """The cache's root folder (see the module docstring for how it is chosen)."""
    if os.environ.get("ATTNRMT_CACHE_DIR"):
        return Path(os.environ["ATTNRMT_CACHE_DIR"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "attnrmt"
    return Path.home() / ".cache" / "attnrmt"


def _enabled() -> bool:
    return os.environ.get("ATTNRMT_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def source_digest(root) -> str:
    """Hex SHA-256 of every ``.py`` file below ``root``, subpackages included.

    Each file enters with its path relative to ``root`` and its bytes, in the order of the
    sorted relative paths, so moving code between modules or into a subpackage changes the
    digest as surely as editing it does.
    """
    root = Path(root)
    digest = hashlib.sha256()
    for relative in sorted(path.relative_to(root).as_posix() for path in root.rglob("*.py")):
        digest.update(relative.encode() + b"\0")
        digest.update((root / relative).read_bytes() + b"\0")
    return digest.hexdigest()


def library_fingerprint() -> str:
    """``"<version>-<hash of the package's .py files>"``, computed once per process."""
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = f"{__version__}-{source_digest(Path(__file__).resolve().parent)[:16]}"
    return _fingerprint


def _canonical(obj):
    """A JSON-serialisable description that determines ``obj``'s effect on a computation."""
    from .correlation import PositionalModel

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        return value if math.isfinite(value) else repr(value)
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        if arr.dtype == object:
            return {"__list__": [_canonical(x) for x in arr.ravel()], "shape": list(arr.shape)}
        return {"__array__": arr.dtype.str, "shape": list(arr.shape),
                "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, PositionalModel):
        # The sampler is a closure: identify it by what it draws for a fixed seed.
        return {"__positional__": obj.name, "R": _canonical(obj.R),
                "sample": _canonical(obj.sample(64, seed=20260101))}
    if isinstance(obj, np.random.SeedSequence):
        return {"__seedsequence__": _canonical(obj.entropy), "spawn_key": list(obj.spawn_key)}
    if isinstance(obj, np.random.Generator):
        raise ValueError("a numpy Generator cannot key a cache entry (its state moves on): "
                         "pass an integer seed or a SeedSequence")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"__dataclass__": type(obj).__qualname__,
                "fields": {f.name: _canonical(getattr(obj, f.name))
                           for f in dataclasses.fields(obj)}}
    raise ValueError(f"cannot build a cache key from a {type(obj).__name__}")


def cache_key(namespace: str, params: dict) -> str:
    """Hex SHA-256 of the namespace, the canonical parameters and the library fingerprint."""
    text = json.dumps({"namespace": namespace, "params": _canonical(params),
                       "library": library_fingerprint()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _path(namespace: str, key: str) -> Path:
    if not namespace or any(c in namespace for c in "/\\") or namespace.startswith("."):
        raise ValueError(f"namespace must be a plain folder name, got {namespace!r}")
    return cache_dir() / namespace / f"{key}.npz"


def load(namespace: str, params: dict) -> dict | None:
    """The stored arrays for these parameters, or None (a miss, or the cache is disabled)."""
    if not _enabled():
        return None
    key = cache_key(namespace, params)
    path = _path(namespace, key)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data[_KEY]) != key:
                return None
            none = set(data[_NONE].tolist()) if _NONE in data.files else set()
            out = {name: data[name] for name in data.files if name not in (_KEY, _NONE)}
    except (OSError, ValueError, KeyError, EOFError):
        return None
    out.update(dict.fromkeys(none))
    return out


def save(namespace: str, params: dict, arrays: dict) -> Path | None:
    """Store ``arrays`` (name -> array, scalar, string or None) for these parameters.

    Returns the file written, or None when the cache is disabled or not writable.
    """
    if not _enabled():
        return None
    key = cache_key(namespace, params)
    path = _path(namespace, key)
    payload = {}
    for name, value in arrays.items():
        if name in (_KEY, _NONE):
            raise ValueError(f"{name!r} is reserved")
        if value is not None:
            arr = np.asarray(value)
            if arr.dtype == object:
                raise ValueError(f"{name!r}: object arrays cannot be cached without pickles")
            payload[name] = arr
    payload[_NONE] = np.array([name for name, value in arrays.items() if value is None], dtype=str)
    payload[_KEY] = np.array(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return None
    return path


def memoize(namespace: str, params: dict, compute) -> dict:
    """``compute()`` (a dict of arrays) on a miss, the stored dict on a hit.

    ``memoize("squares", {"n": 3}, lambda: {"v": np.arange(3) ** 2})`` computes once per
    library version; later calls (in any process) load ``{"v": array([0, 1, 4])}``.
    """
    hit = load(namespace, params)
    if hit is not None:
        return hit
    arrays = compute()
    save(namespace, params, arrays)
    return {name: (None if value is None else np.asarray(value)) for name, value in arrays.items()}


def simulate_arguments(kwargs: dict) -> dict:
    """``kwargs`` completed with :func:`attnrmt_lib.simulate`'s defaults (one key per run)."""
    import inspect

    from .simulation import simulate

    bound = inspect.signature(simulate).bind(**kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def cached_simulate(**kwargs):
    """:func:`attnrmt_lib.simulate` with its result stored on disk (same arguments).

    A hit rebuilds the :class:`~attnrmt_lib.SimulationResult` with identical numbers. The
    seed must be an integer or a SeedSequence (a Generator's state would not be advanced
    on a hit).
    """
    from .simulation import SimulationResult, simulate

    kwargs = simulate_arguments(kwargs)
    fields = [f.name for f in dataclasses.fields(SimulationResult)]

    def compute():
        result = simulate(**kwargs)
        return {name: getattr(result, name) for name in fields}

    data = memoize("simulate", kwargs, compute)
    values = {}
    for name in fields:
        value = data[name]
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        values[name] = value
    for name in ("d", "V", "N", "T"):
        values[name] = int(values[name])
    for name in ("top_eigenvalue", "overlap", "kappa", "alpha", "rho", "delta", "gamma",
                 "mu_norm2"):
        values[name] = float(values[name])
    values["method"] = str(values["method"])
    if values["density_moments"] is not None:
        values["density_moments"] = int(values["density_moments"])
    return SimulationResult(**values)


def clear(namespace: str | None = None) -> int:
    """Delete the cached files (of one namespace, or all); returns how many were removed."""
    root = cache_dir() if namespace is None else cache_dir() / namespace
    removed = 0
    if root.is_dir():
        for path in root.rglob("*.npz"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
