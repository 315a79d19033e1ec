"""Build the student notebooks and the autograders of every problem set.

Usage (from anywhere)::

    python assignments/build.py                 # all sets, into assignments/dist/
    python assignments/build.py set3_transitions  # only some sets
    python assignments/build.py --out /tmp/dist --jobs 2

For every master notebook ``assignments/master/<set>.ipynb`` this runs ``otter assign``, which
strips the solutions and the hidden tests and, unless ``--no-run-tests`` is given, grades the
solution notebook with the generated autograder and fails unless it scores full marks.
The output folder (git-ignored) then holds::

    <out>/<set>/student/      <set>.ipynb, tests/ (public tests only), attnrmt_checks.py -> students
    <out>/<set>/autograder/   solution notebook, all tests, attnrmt_reference.py, autograder zip
                              -> instructors only
    <out>/release/<set>.zip   the student folder as one zip (what you upload / hand out)
    <out>/autograders/<set>-autograder.zip   the autograder zip under a stable name

Grade a submission without Docker::

    otter run -a <out>/autograders/<set>-autograder.zip submission.ipynb
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
MASTERS = HERE / "master"
DEFAULT_OUT = HERE / "dist"


def masters(names=()):
    """The master notebooks, all of them or those named (by stem)."""
    found = {p.stem: p for p in sorted(MASTERS.glob("*.ipynb"))}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise SystemExit(f"unknown set(s) {unknown}; available: {sorted(found)}")
    return [found[n] for n in names] if names else list(found.values())


def assign(master: Path, out: Path, run_tests: bool = True) -> tuple[str, bool, str, float]:
    """Run ``otter assign`` on one master notebook into ``out/<set>``."""
    target = out / master.stem
    if target.exists():
        shutil.rmtree(target)
    cmd = [sys.executable, "-m", "otter", "assign", "--no-pdfs"]
    if not run_tests:
        cmd.append("--no-run-tests")
    cmd += [str(master), str(target)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=master.parent)
    elapsed = time.perf_counter() - start
    ok = proc.returncode == 0
    if ok:
        _package(master.stem, out)
    return master.stem, ok, proc.stdout + proc.stderr, elapsed


def _package(name: str, out: Path) -> None:
    """Write the student release zip and a stable-named copy of the autograder zip."""
    student = out / name / "student"
    release = out / "release"
    release.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(release / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(student.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(student))
    zips = sorted((out / name / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip for {name}, found {zips}")
    autograders = out / "autograders"
    autograders.mkdir(parents=True, exist_ok=True)
    shutil.copy(zips[0], autograders / f"{name}-autograder.zip")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="set names (default: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--no-run-tests", action="store_true",
                        help="skip grading the solutions with the autograder (faster)")
    parser.add_argument("--jobs", type=int, default=1, help="sets built in parallel")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    todo = masters(args.sets)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda m: assign(m, out, not args.no_run_tests), todo))

    failed = []
    for name, ok, log, elapsed in results:
        status = "ok" if ok else "FAILED"
        checked = "" if args.no_run_tests else ", solutions pass the autograder"
        print(f"{name:24s} {status}{checked if ok else ''} ({elapsed:.1f} s)")
        if not ok:
            failed.append(name)
            print(log[-6000:], file=sys.stderr)
    if failed:
        print(f"\n{len(failed)} set(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nStudent zips:     {out / 'release'}")
    print(f"Autograder zips:  {out / 'autograders'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
