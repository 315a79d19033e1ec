"""Old import paths kept working for one release, with a DeprecationWarning.

A module whose names moved sets ``__getattr__ = moved(__name__, {name: new_module})``;
``from old_module import name`` then still works (PEP 562) but warns and says where the
name lives now. The new module is imported only when a moved name is asked for.
"""

from __future__ import annotations

import importlib
import warnings


def moved(module: str, new_homes: dict[str, str]):
    """A module ``__getattr__`` serving ``new_homes[name].name`` with a DeprecationWarning."""

    def __getattr__(name: str):
        if name not in new_homes:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} has moved to {new_homes[name]}.{name}; import it from there "
            "(the old path will be removed in the next release)",
            DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(new_homes[name]), name)

    return __getattr__
