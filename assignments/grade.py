"""Grade a folder of submissions locally (no Docker, no server) and write a CSV of scores.

Usage::

    python assignments/grade.py set3_transitions submissions/ -o grades_set3.csv
    python assignments/grade.py set3_transitions alice.ipynb bob.zip --timeout 120
    python assignments/grade.py set3_transitions submissions/ --written written_set3.html

Each submission (a student's ``.ipynb``, or a zip holding one, such as the zip of the export
cell) is executed top to bottom in a fresh kernel of the current environment and graded with
every test, public and hidden, of ``assignments/dist/autograders/<set>-autograder.zip`` (build
it first with ``python assignments/build.py``). This is ``otter run`` in a loop, one worker
process per submission: a submission that runs longer than ``--timeout`` seconds (an endless
loop, say) is stopped, scores 0 and is reported in the ``error`` column, and the batch goes on.
The CSV has one row per submission with the total, the points possible and the score of each
autograded question; written questions are graded by hand (``--written`` collects them).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT = 300.0


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


# --- one submission, in a worker process --------------------------------------------------

def _worker(autograder: str, submission: str, out: str) -> int:
    """Grade one submission and write its scores as JSON (runs in its own process)."""
    import warnings

    warnings.simplefilter("ignore")
    from otter.api import grade_submission

    results = grade_submission(submission, autograder, quiet=True)
    scores = {name: results.get_score(name) for name in sorted(results.results)}
    Path(out).write_text(json.dumps(
        {"total": results.total, "possible": results.possible, "scores": scores}))
    return 0


def _kill_tree(pid: int) -> None:
    """Stop the worker and everything it started (the kernel runs in a session of its own)."""
    try:
        import psutil
    except ImportError:  # psutil comes with ipykernel; without it, the worker's group
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    procs = parent.children(recursive=True) + [parent]
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def grade_one(autograder: Path, submission: Path, timeout: float) -> tuple[dict | None, str]:
    """(scores, "") for a graded submission, (None, reason) when grading failed or timed out."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker",
             str(autograder), str(submission), str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            proc.communicate()
            return None, (f"TimeoutError: grading took longer than {timeout:g} s "
                          "(an endless loop?); stopped, no score")
        if proc.returncode != 0 or not out.is_file():
            lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
            return None, lines[-1].strip() if lines else f"grading exited with code {proc.returncode}"
        return json.loads(out.read_text()), ""


def grade(autograder: Path, submissions, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """One dict per submission: file, total, possible, error and each question's score."""
    rows = []
    for sub in submissions:
        row = {"submission": str(sub)}
        result, error = grade_one(autograder, sub, timeout)
        if result is None:  # a broken file or an endless loop must not stop the batch
            row.update(total=0, possible="", error=error)
        else:
            row.update(total=result["total"], possible=result["possible"], error="")
            row.update(result["scores"])
        rows.append(row)
        print(f"{sub}: {row['total']} / {row['possible']} {row['error']}".rstrip(), flush=True)
    return rows


# --- written answers ----------------------------------------------------------------------

def _read_notebook(path: Path):
    import nbformat

    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb") and "/" not in n.strip("/")]
            if len(names) != 1:
                raise ValueError(f"expected one notebook at the top of {path}, found {names}")
            return nbformat.reads(zf.read(names[0]).decode("utf-8"), as_version=4)
    return nbformat.read(path, as_version=4)


def written_answers(nb) -> list[tuple[str, list]]:
    """(prompt, answer cells) of every written (manual) question of a student notebook.

    otter marks a manual question with ``<!-- BEGIN QUESTION -->`` in its prompt cell and
    ``<!-- END QUESTION -->`` at the top of the cell after its answer.
    """
    questions, current = [], None
    for cell in nb.cells:
        source = cell.source
        if current is not None and "<!-- END QUESTION -->" in source:
            questions.append(current)
            current = None
        if cell.cell_type == "markdown" and "<!-- BEGIN QUESTION -->" in source:
            prompt = source.split("<!-- BEGIN QUESTION -->", 1)[1].strip()
            current = (prompt, [])
        elif current is not None:
            current[1].append(cell)
    if current is not None:
        questions.append(current)
    return questions


def collect_written(submissions, out: Path, title: str) -> None:
    """Write every submission's written answers, question by question, to ``out``.

    ``out`` ending in ``.ipynb`` gives a notebook, ``.html`` a web page (nbconvert, no LaTeX
    needed): one section per written question, one subsection per submission.
    """
    import nbformat

    by_question: dict[str, list] = {}
    for sub in submissions:
        try:
            questions = written_answers(_read_notebook(sub))
        except Exception as exc:  # reported in the grades' error column already
            print(f"{sub}: written answers not read ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        for prompt, cells in questions:
            by_question.setdefault(prompt, []).append((sub, cells))
    cells = [nbformat.v4.new_markdown_cell(f"# Written answers: {title}")]
    for prompt, answers in by_question.items():
        cells.append(nbformat.v4.new_markdown_cell(f"---\n\n{prompt}"))
        for sub, answer_cells in answers:
            cells.append(nbformat.v4.new_markdown_cell(f"#### {Path(sub).name}"))
            for cell in answer_cells:
                copy = nbformat.from_dict(dict(cell))
                copy["id"] = f"answer-{len(cells)}"  # ids must be unique across submissions
                cells.append(copy)
    nb = nbformat.v4.new_notebook(cells=cells)
    if out.suffix == ".html":
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        out.write_text(body, encoding="utf-8")
    else:
        nbformat.write(nb, out)
    print(f"wrote {out} ({len(by_question)} written questions)")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return _worker(*argv[1:4])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", help="set name, e.g. set3_transitions")
    parser.add_argument("submissions", nargs="+", help="notebooks, zips or folders of them")
    parser.add_argument("-o", "--output", type=Path, help="CSV file (default: print only)")
    parser.add_argument("--autograder", type=Path,
                        help="autograder zip (default: assignments/dist/autograders/<set>-autograder.zip)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds allowed per submission (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--written", type=Path,
                        help="also collect the written answers into this .html or .ipynb file")
    args = parser.parse_args(argv)

    autograder = args.autograder or HERE / "dist" / "autograders" / f"{args.set}-autograder.zip"
    if not autograder.is_file():
        raise SystemExit(f"{autograder} not found: run `python assignments/build.py {args.set}` first")
    if args.timeout <= 0:
        raise SystemExit(f"--timeout must be positive, got {args.timeout}")
    submissions = submissions_in(args.submissions)
    rows = grade(autograder, submissions, args.timeout)
    if args.output:
        fields = ["submission", "total", "possible", "error"]
        fields += sorted({k for r in rows for k in r} - set(fields))
        with open(args.output, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        print(f"wrote {args.output}")
    if args.written:
        collect_written(submissions, args.written, args.set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
