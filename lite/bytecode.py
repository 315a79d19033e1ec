"""Run inside Pyodide by lite/build.py: the bytecode of every module a reader's session imports.

Pyodide's packages ship their sources only, so each kernel start compiles every module it
imports again (about half of the import time of IPython, matplotlib and scipy under
Pyodide). This script imports what a live explorer's session imports: the kernel's IPython,
the install cell's inline backend, ipywidgets, ``attnrmt_lib.widgets`` (with the library and
scipy modules it needs) and one explorer's draw (mathtext, PNG). Modules only chapters use
(pandas, ``scipy.stats``) are left out: 12 MB more bytecode (uncompressed) for no explorer. It then compiles
each imported module of site-packages to an unchecked-hash ``.pyc`` (loaded without looking
at the source's time stamp, which an unpacked wheel does not keep) and prints them, as
``BYTECODE <json: path under site-packages -> base64>``, for lite/build.py to add to the
wheels they belong to.
"""

import base64
import importlib.util
import json
import os
import py_compile
import site
import sys

import IPython.core.completer  # noqa: F401 - the kernel's start-up (with jedi)
import IPython.core.interactiveshell  # noqa: F401
import ipywidgets  # noqa: F401
import matplotlib.pyplot  # noqa: F401
import matplotlib_inline.backend_inline  # noqa: F401 - %matplotlib inline

from attnrmt_lib.widgets import bulk_explorer

bulk_explorer()  # the modules a first draw imports (mathtext, the PNG writer, ...)

SITE = site.getsitepackages()[0]
compiled = {}
for module in list(sys.modules.values()):
    source = getattr(module, "__file__", None) or ""
    if source.endswith(".py") and source.startswith(SITE + os.sep):
        target = importlib.util.cache_from_source(source)
        py_compile.compile(source, cfile=target, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        with open(target, "rb") as f:
            compiled[os.path.relpath(target, SITE)] = base64.b64encode(f.read()).decode()
print("BYTECODE " + json.dumps(compiled, sort_keys=True))
