"""Grade a folder of submissions locally (no Docker, no server) and write a CSV of scores.

Usage::

    python assignments/grade.py set3_transitions submissions/ -o grades_set3.csv
    python assignments/grade.py set3_transitions alice.ipynb bob.zip

Each submission (a student's ``.ipynb``, or a zip holding one) is executed top to bottom in a
fresh kernel of the current environment and graded with every test, public and hidden, of
``assignments/dist/autograders/<set>-autograder.zip`` (build it first with
``python assignments/build.py``). This is ``otter run`` in a loop; the CSV has one row per
submission with the total, the points possible and the score of each question.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from otter.api import grade_submission

HERE = Path(__file__).resolve().parent


def submissions_in(paths):
    """The .ipynb and .zip files among ``paths`` (folders are searched one level deep)."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".ipynb", ".zip"))
        elif path.suffix in (".ipynb", ".zip"):
            found.append(path)
        else:
            raise SystemExit(f"not a notebook, zip or folder: {path}")
    return found


def grade(autograder: Path, submissions) -> list[dict]:
    """One dict per submission: file, total, possible and each question's score."""
    rows = []
    for sub in submissions:
        row = {"submission": str(sub)}
        try:
            results = grade_submission(str(sub), str(autograder), quiet=True)
        except Exception as exc:  # a broken file must not stop the batch
            row.update(total=0, possible="", error=f"{type(exc).__name__}: {exc}")
        else:
            row.update(total=results.total, possible=results.possible, error="")
            for name in sorted(results.results):
                row[name] = results.get_score(name)
        rows.append(row)
        print(f"{sub}: {row['total']} / {row['possible']} {row['error']}".rstrip(), flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", help="set name, e.g. set3_transitions")
    parser.add_argument("submissions", nargs="+", help="notebooks, zips or folders of them")
    parser.add_argument("-o", "--output", type=Path, help="CSV file (default: print only)")
    parser.add_argument("--autograder", type=Path,
                        help="autograder zip (default: assignments/dist/autograders/<set>-autograder.zip)")
    args = parser.parse_args(argv)

    autograder = args.autograder or HERE / "dist" / "autograders" / f"{args.set}-autograder.zip"
    if not autograder.is_file():
        raise SystemExit(f"{autograder} not found: run `python assignments/build.py {args.set}` first")
    rows = grade(autograder, submissions_in(args.submissions))
    if args.output:
        fields = ["submission", "total", "possible", "error"]
        fields += sorted({k for r in rows for k in r} - set(fields))
        with open(args.output, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
