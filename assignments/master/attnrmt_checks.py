"""Checks shared by the tests of the problem sets (ships with every set; it holds no answers).

Every check raises an ``AssertionError`` whose message starts with the question's name and says
what to look at, so that ``grader.check("q2")`` explains a failure instead of printing a bare
traceback:

- a blank answer says so ("q2: `rho2` is not set yet", "... returned None: is `rho2` still
  blank?") rather than raising a ``TypeError``;
- a wrong number gives the value found, the value expected and, when the value matches a
  known mistake, the likely cause;
- a derivation question whose answer calls ``attnrmt_lib`` (``arl``) is told so: those
  questions ask for your own formula (the question says when a library function is allowed).

Numbers are compared with the relative tolerance :data:`RTOL`, so float32 arithmetic, lists
instead of arrays and any correct method (closed form, root finder, series) all pass.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import types

import numpy as np

RTOL = 1e-5
"""Relative tolerance of every exact (non-simulated) comparison.

float32 has a machine epsilon of 1.2e-7, so an answer computed in float32 with a few dozen
operations is within about 1e-6 of the exact value; 1e-5 accepts it with a margin of ten. Every
plausible mistake the tests look for (a missing factor, a wrong root, a wrong power) moves the
answer by more than 1e-2, a thousand times the tolerance.
"""

ATOL = 1e-6
"""Absolute tolerance, for answers that should vanish (float32 resolution at scale 1)."""

_MISSING = object()


# --- formatting ---------------------------------------------------------------------------

def _fmt(value) -> str:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return repr(value)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return np.array2string(arr, precision=6, separator=", ", threshold=20)


def _short(value) -> str:
    """A short argument for messages: numbers as numbers, small arrays in full."""
    if isinstance(value, (bool, int, np.integer)):
        return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return type(value).__name__
    if arr.size <= 6:
        return _fmt(arr)
    return "<" + "x".join(map(str, arr.shape)) + " array>"


def signature(name, *args, **kwargs) -> str:
    """``name(arg, ...)`` as shown in messages."""
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


# --- blank answers, types and shapes ------------------------------------------------------

def answer(q: str, name: str, value):
    """The student's ``value`` stored under ``name``; fails if it is missing or left blank."""
    if value is None:
        raise AssertionError(
            f"{q}: `{name}` is not defined yet: run its answer cell above "
            f"(and keep the name `{name}`)."
        )
    if value is Ellipsis:
        raise AssertionError(f"{q}: `{name}` is not set yet: replace the `...` with your answer.")
    return value


def numbers(q: str, label: str, value, shape=None) -> np.ndarray:
    """``value`` as a float array (lists, NumPy scalars and float32 are all fine).

    Fails with a message when ``value`` is blank, not numeric, complex with a non-zero
    imaginary part, of the wrong shape, or not finite.
    """
    if value is Ellipsis:
        raise AssertionError(f"{q}: {label} is `...`: replace the `...` with your code.")
    if value is None:
        raise AssertionError(f"{q}: {label} is None: did you forget a `return`?")
    try:
        arr = np.asarray(value)
        if np.iscomplexobj(arr):
            scale = np.maximum(1.0, np.abs(arr.real))
            if np.any(np.abs(arr.imag) > 1e-8 * scale):
                raise AssertionError(
                    f"{q}: {label} = {arr!r} is complex: the answer is a real number "
                    "(take the real root, or its `.real` part)."
                )
            arr = arr.real
        arr = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{q}: {label} should be a number or an array of numbers, not "
            f"{type(value).__name__}."
        ) from None
    if shape is not None:
        shape = tuple(shape)
        if arr.shape != shape:
            if arr.size == 1 and shape == ():
                arr = arr.reshape(())
            else:
                raise AssertionError(f"{q}: {label} has shape {arr.shape}, expected {shape}.")
    if not np.all(np.isfinite(arr)):
        raise AssertionError(f"{q}: {label} = {_fmt(arr)} is not finite (nan or inf).")
    return arr


def unpack(q: str, label: str, result, names):
    """The values of a function that returns a tuple ``names``, checked one by one."""
    if result is Ellipsis or result is None:
        numbers(q, label, result)
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        raise AssertionError(
            f"{q}: {label} should return the {len(names)} values ({', '.join(names)}), "
            f"got {_short(result)}."
        )
    return list(result)


# --- comparisons --------------------------------------------------------------------------

def close(q: str, label: str, got, expected, *, rtol: float = RTOL, atol: float = ATOL,
          why: str = "", hints=()) -> np.ndarray:
    """Fail unless ``got`` equals ``expected`` to ``rtol``/``atol``.

    ``hints`` is a sequence of ``(wrong_value, explanation)``: when ``got`` matches one of the
    wrong values (a known mistake), its explanation is added to the message.
    """
    expected = np.asarray(expected, dtype=float)
    arr = numbers(q, label, got, expected.shape)
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return arr
    message = f"{q}: {label} = {_fmt(arr)}, expected {_fmt(expected)}"
    message += f" ({why})." if why else "."
    for wrong, explanation in hints:
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == arr.shape and np.allclose(arr, wrong, rtol=1e-4, atol=atol):
            message += " " + explanation
            break
    raise AssertionError(message)


def within(q: str, label: str, got, target, tol: float, *, why: str = "", hints=()) -> float:
    """Fail unless the number ``got`` lies within ``tol`` of ``target`` (simulation checks).

    ``hints`` is a sequence of ``(predicate, explanation)``; the first predicate true for
    ``got`` adds its explanation to the message.
    """
    value = float(numbers(q, label, got, ()))
    if abs(value - target) <= tol:
        return value
    message = (f"{q}: {label} = {value:.4g}, expected {target:.4g} within {tol:.2g}"
               + (f" ({why})." if why else "."))
    for predicate, explanation in hints:
        if predicate(value):
            message += " " + explanation
            break
    raise AssertionError(message)


def lookup(q: str, name: str, table):
    """A stand-in for the student's function ``name`` that knows only the values in ``table``.

    ``table`` is a list of ``(args, value)`` pairs (``args`` a tuple; arrays allowed). Tests
    of a question that uses an earlier answer (``rho2`` inside ``alignment``, say) put a
    correct version in its place while they run, so that a mistake is charged once, in its
    own question; the public tests use this table of the worked examples' values.
    """
    table = [(tuple(args) if isinstance(args, tuple) else (args,), value) for args, value in table]

    def matches(key, given):
        if len(key) != len(given):
            return False
        for k, g in zip(key, given):
            k, g = np.asarray(k, dtype=float), np.asarray(g, dtype=float)
            if k.shape != g.shape or not np.allclose(k, g, rtol=1e-6, atol=1e-9):
                return False
        return True

    def stand_in(*args, **kwargs):
        given = list(args) + list(kwargs.values())
        for key, value in table:
            try:
                if matches(key, given):
                    return value
            except (TypeError, ValueError):
                continue
        known = ", ".join(signature(name, *key) for key, _ in table)
        raise AssertionError(
            f"{q}: this test knows `{name}` only as {known}, but it was called as "
            f"{signature(name, *args, **kwargs)}: follow the question's parameters."
        )

    stand_in.__name__ = name
    return stand_in


# --- calling the student's functions ------------------------------------------------------

def _is_library(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return (module == "attnrmt_lib" or module.startswith("attnrmt_lib.")) and callable(obj) \
        and not isinstance(obj, type)


def _names_used(func):
    """Global and attribute names used by ``func``'s code, nested code objects included."""
    names, stack = set(), [func.__code__]
    while stack:
        code = stack.pop()
        names.update(code.co_names)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return names


def _bound_library_functions(func, allowed, seen):
    """Library functions that ``func`` (or a helper of the same notebook) reaches by name.

    Catches ``from attnrmt_lib import snr`` style imports, which the call recorder of
    :func:`_record_library_calls` cannot see.
    """
    if not hasattr(func, "__code__") or id(func) in seen:
        return []
    seen.add(id(func))
    found = []
    namespace = func.__globals__
    objects = [namespace[n] for n in _names_used(func) if n in namespace]
    for cell in func.__closure__ or ():
        try:
            objects.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    for obj in objects:
        if _is_library(obj):
            name = getattr(obj, "__name__", "?")
            if name not in allowed:
                found.append(f"{name}")
        elif isinstance(obj, types.FunctionType) and obj.__globals__ is namespace:
            found += _bound_library_functions(obj, allowed, seen)
    return found


def _recorder(func, calls, label, trusted):
    @functools.wraps(func)
    def recorded(*args, **kwargs):
        frame = sys._getframe(1)
        caller = frame.f_globals.get("__name__", "") or ""
        if frame.f_code not in trusted and not (
            caller == "attnrmt_lib" or caller.startswith("attnrmt_lib.")
        ):
            calls.append(label)
        return func(*args, **kwargs)

    return recorded


@contextlib.contextmanager
def _record_library_calls(calls, allowed, trusted=frozenset()):
    """Record every call into ``attnrmt_lib`` made from outside the library, except ``allowed``.

    Calls made directly by the code objects in ``trusted`` (the tests' stand-ins) are not
    recorded.
    """
    patched = []
    try:
        for name, module in list(sys.modules.items()):
            if not (name == "attnrmt_lib" or name.startswith("attnrmt_lib.")):
                continue
            if not isinstance(module, types.ModuleType):
                continue
            for attr, obj in list(vars(module).items()):
                if attr.startswith("_") or not _is_library(obj):
                    continue
                if attr in allowed or getattr(obj, "__name__", attr) in allowed:
                    continue
                label = f"arl.{attr}" if name == "attnrmt_lib" else f"{name}.{attr}"
                setattr(module, attr, _recorder(obj, calls, label, trusted))
                patched.append((module, attr, obj))
        yield
    finally:
        for module, attr, obj in reversed(patched):
            setattr(module, attr, obj)


def call(q: str, name: str, func, *args, library=None, use=None, **kwargs):
    """Call the student's function ``func`` (stored under ``name``) with ``args``.

    Parameters
    ----------
    library : None or sequence of str
        ``None``: the question may use the library freely. A sequence: the names of the only
        ``attnrmt_lib`` functions the answer may call (``()``: none, the question asks for the
        student's own code); any other call fails the test.
    use : dict or None
        Names of the notebook replaced by correct versions during the call, so that an answer
        building on an earlier one is graded on its own.
    """
    answer(q, name, func)
    if not callable(func):
        raise AssertionError(
            f"{q}: `{name}` should be a function (`def {name}(...):`), not "
            f"{type(func).__name__}."
        )
    label = signature(name, *args, **kwargs)
    namespace = getattr(func, "__globals__", None)
    saved = {}
    calls = []
    try:
        if use and namespace is not None:
            for key, value in use.items():
                saved[key] = namespace.get(key, _MISSING)
                namespace[key] = value
        bound = [] if library is None else _bound_library_functions(func, set(library), set())
        trusted = frozenset(v.__code__ for v in (use or {}).values() if hasattr(v, "__code__"))
        watch = (contextlib.nullcontext() if library is None
                 else _record_library_calls(calls, set(library), trusted))
        with watch:
            try:
                result = func(*args, **kwargs)
            except AssertionError:
                raise
            except Exception as exc:
                hint = ""
                if "ellipsis" in str(exc).lower():
                    hint = f" Is a `...` left in `{name}`? Replace every `...` with your code."
                raise AssertionError(
                    f"{q}: {label} raised {type(exc).__name__}: {exc}.{hint}"
                ) from None
    finally:
        for key, value in saved.items():
            if value is _MISSING:
                namespace.pop(key, None)
            else:
                namespace[key] = value
    used = sorted(set(bound) | set(calls))
    if used:
        allowed = ", ".join(f"`arl.{a}`" for a in library) if library else "none"
        raise AssertionError(
            f"{q}: `{name}` calls the library ({', '.join(f'`{u}`' for u in used)}). This "
            f"question asks for your own derivation in NumPy; library functions allowed "
            f"here: {allowed}."
        )
    if result is Ellipsis:
        raise AssertionError(f"{q}: {label} returned `...`: replace the `...` in `{name}` with your code.")
    if result is None:
        raise AssertionError(
            f"{q}: {label} returned None: is `{name}` still blank? Replace every `...` in it "
            "with your code and `return` the result."
        )
    return result
