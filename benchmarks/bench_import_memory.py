"""Import memory: peak resident memory of an import of a ~20 MB statement, as a multiple of the file.

Generates statements of about `--mb` megabytes in three shapes, since memory per byte
depends on the bytes per row:

* `short`: `Date,Description,Amount`, ~45 bytes a row, every description distinct;
* `wide`: a Chase card export (the generator of `bench_import`), ~67 bytes a row;
* `many`: a 14-column bank export (references, debit/credit, balance, currency), ~150 bytes a row;

then runs, for each, each in its own child process and fresh data dir:

* `baseline`: a child that only imports the modules an import needs;
* `cli`: `privfin import FILE` (the real command line, `app.cli.main`);
* `library`: `app.importer.import_files` on the file's bytes (what the dashboard runs).

The parent reads each child's peak RSS from `resource.getrusage(RUSAGE_CHILDREN)` of a
fresh intermediate process (so one child's peak never hides another's), and reports
each import's raw peak and its peak minus the baseline's ("net"), both as ratios to the
file size (target: net at most 10x), with its wall and CPU time.

`--compare DIR` runs the same children with `DIR` first on `sys.path` (an older `app/`,
e.g. `git archive <commit> app | tar -x -C DIR`), interleaved with this tree's, so
before and after are measured side by side in one run. Run:
`.venv/bin/python -m benchmarks.bench_import_memory [--mb 20] [--repeat 2] [--shapes short,wide,many]
[--compare DIR]` (a worktree works as DIR: `git worktree add /tmp/before <commit>`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import site
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_import import generate_statement

_WIDE_BYTES_PER_ROW = 67  # what generate_statement writes per row, on average
_REPO_ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = os.pathsep.join(site.getsitepackages())

# The child: run one thing, then report its own peak through its exit (the parent reads
# RUSAGE_CHILDREN of a fresh intermediate process) and its wall time on stdout.
# It runs with -S, so the editable install's import hook cannot shadow the tree under test.
_CHILD = """
import os, sys, time
mode, path, data_dir, code_root, packages = sys.argv[1:6]
sys.path[:0] = [code_root, *packages.split(os.pathsep)]
import app.cli, app.importer, app.ingest, app.store  # what every import loads
assert app.ingest.__file__.startswith(code_root), (app.ingest.__file__, code_root)
os.environ["PRIVFIN_DATA_DIR"] = data_dir
wall, cpu = time.perf_counter(), time.process_time()
code = 0
if mode == "cli":
    code = app.cli.main(["import", path])
elif mode == "library":
    from pathlib import Path
    from app.settings import load_settings
    store = app.store.Store(load_settings().db_path)
    [result] = app.importer.import_files(store, [(path, Path(path).read_bytes())], home_currency="USD")
    code = 0 if result.error is None else 1
print(time.perf_counter() - wall, time.process_time() - cpu)
sys.exit(code)
"""

# The intermediate process: runs exactly one child and reports that child's peak RSS.
_MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(json.dumps({"rc": done.returncode, "peak_kib": peak_kib, "out": done.stdout, "err": done.stderr}))
"""


@dataclass(frozen=True)
class Run:
    peak_mib: float
    wall_s: float
    cpu_s: float


def _measure(mode: str, path: Path, data_dir: Path, code_root: Path) -> Run:
    # Over the default upload limit, and a home currency for the shapes that name none.
    env = {**os.environ, "PRIVFIN_MAX_UPLOAD_MB": "200", "PRIVFIN_HOME_CURRENCY": "USD"}
    env.pop("PRIVFIN_ENDPOINT_URL", None)
    child = [sys.executable, "-S", "-c", _CHILD, mode, str(path), str(data_dir), str(code_root), _PACKAGES]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *child], capture_output=True, text=True, env=env, check=True
    )
    report = json.loads(done.stdout)
    if report["rc"] != 0:
        raise RuntimeError(f"{mode} child failed ({report['rc']}): {report['err'][-2000:]}")
    wall, cpu = map(float, report["out"].split()[-2:])
    return Run(peak_mib=report["peak_kib"] / 1024, wall_s=wall, cpu_s=cpu)


_MODES = ("baseline", "cli", "library")


def measure_tree(code_root: Path, path: Path, work: Path, label: str) -> dict[str, Run]:
    return {mode: _measure(mode, path, work / f"{label}-{mode}", code_root) for mode in _MODES}


def _best(runs: list[Run]) -> Run:
    """Lowest of each figure over the repetitions: peaks barely vary, times do."""
    return Run(min(r.peak_mib for r in runs), min(r.wall_s for r in runs), min(r.cpu_s for r in runs))


def _line(shape: str, label: str, mode: str, run: Run, baseline: Run, file_mib: float) -> str:
    extra = run.peak_mib - baseline.peak_mib
    return (
        f"{shape:6} {label:8} {mode:8} peak {run.peak_mib:5.0f} MiB = {run.peak_mib / file_mib:5.1f}x raw, "
        f"- baseline {baseline.peak_mib:4.0f} MiB = {extra:5.0f} MiB = {extra / file_mib:5.1f}x net   "
        f"wall {run.wall_s:6.2f} s   cpu {run.cpu_s:6.2f} s"
    )


def _short_lines(rng: random.Random) -> Iterator[str]:
    yield "Date,Description,Amount"
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    day = dt.date(2024, 12, 31)
    for index in range(1 << 40):
        if index and index % 400 == 0:
            day -= dt.timedelta(days=1)
        words = "".join(rng.choices(letters, k=10)) + " " + "".join(rng.choices(letters, k=8))
        yield f"{day.isoformat()},{words} {index},{-rng.randrange(1, 50_000) / 100:.2f}"


_MANY_HEADER = (
    "Transaction Date,Posting Date,Reference,Transaction Type,Description,Memo,Merchant Category,"
    "Debit,Credit,Balance,Currency,Account Number,Check Number,Status"
)


def _many_lines(rng: random.Random) -> Iterator[str]:
    yield _MANY_HEADER
    merchants = (
        "WHOLE FOODS MARKET",
        "SHELL OIL 5744",
        "AMAZON MARKETPLACE",
        "NETFLIX.COM",
        "CITY UTILITIES",
    )
    day, balance = dt.date(2024, 12, 31), 250_000.0
    for index in range(1 << 40):
        if index and index % 300 == 0:
            day -= dt.timedelta(days=1)
        amount = rng.randrange(100, 40_000) / 100
        credit = rng.random() < 0.1
        balance += amount if credit else -amount
        merchant = rng.choice(merchants)
        debit_cell, credit_cell = ("", f"{amount:.2f}") if credit else (f"{amount:.2f}", "")
        yield (
            f"{day:%m/%d/%Y},{day + dt.timedelta(days=1):%m/%d/%Y},REF{rng.randrange(36**8):012d},"
            f"{'CREDIT' if credit else 'DEBIT'},{merchant} #{rng.randrange(10_000)},"
            f"POS PURCHASE {rng.randrange(10**6):06d},Shopping,{debit_cell},{credit_cell},{balance:.2f},"
            f"USD,XXXXXX4821,,Posted"
        )


def _write_lines(lines: Callable[[random.Random], Iterator[str]]) -> Callable[[Path, int], None]:
    def write(path: Path, size: int) -> None:
        with path.open("w", encoding="utf-8", newline="\r\n") as out:
            written = 0
            for line in lines(random.Random(11)):
                if written >= size:
                    break
                out.write(line + "\n")
                written += len(line) + 2

    return write


def _write_wide(path: Path, size: int) -> None:
    generate_statement(path, size // _WIDE_BYTES_PER_ROW)


_SHAPES: dict[str, tuple[str, Callable[[Path, int], None]]] = {
    "short": ("Checking_2024.csv", _write_lines(_short_lines)),
    "wide": ("Chase1234_Activity20230101_20241231_20250101.CSV", _write_wide),
    "many": ("bank_export_2024.csv", _write_lines(_many_lines)),
}


def _measure_shape(
    shape: str, args: argparse.Namespace, trees: list[tuple[str, Path]], work: Path
) -> dict[tuple[str, str], Run]:
    name, write = _SHAPES[shape]
    path = work / name
    write(path, int(args.mb * 1_048_576))
    file_mib = path.stat().st_size / 1_048_576
    rows = path.read_bytes().count(b"\n") - 1
    print(f"{shape}: {rows:,} rows, {file_mib:.1f} MiB, {path.stat().st_size / rows:.0f} bytes a row")
    runs: dict[tuple[str, str], list[Run]] = {}
    for attempt in range(args.repeat):  # interleaved, so both trees see the same machine load
        for label, root in trees:
            for mode, run in measure_tree(root, path, work, f"{shape}-{label}{attempt}").items():
                runs.setdefault((label, mode), []).append(run)
    best = {key: _best(value) for key, value in runs.items()}
    for label, _root in trees:
        for mode in _MODES[1:]:
            print(_line(shape, label, mode, best[label, mode], best[label, "baseline"], file_mib))
    if len(trees) > 1:
        for mode in _MODES[1:]:
            this, other = best["this", mode], best["compare", mode]
            extra = (this.peak_mib - best["this", "baseline"].peak_mib) / (
                other.peak_mib - best["compare", "baseline"].peak_mib
            )
            print(
                f"{shape:6} this / compare ({mode}): net memory {extra:.2f}x, raw {this.peak_mib / other.peak_mib:.2f}x, "
                f"wall {this.wall_s / other.wall_s:.2f}x, cpu {this.cpu_s / other.cpu_s:.2f}x"
            )
    path.unlink()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="approximate statement size")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--shapes", default=",".join(_SHAPES), help="comma-separated: " + ", ".join(_SHAPES))
    parser.add_argument("--compare", type=Path, help="another tree holding app/, measured side by side")
    args = parser.parse_args()

    trees = [("this", _REPO_ROOT)] + ([("compare", args.compare.resolve())] if args.compare else [])
    with tempfile.TemporaryDirectory(prefix="privfin-bench-mem-") as tmp:
        for shape in args.shapes.split(","):
            _measure_shape(shape, args, trees, Path(tmp))
    print("target: peak - baseline at most 10x the file size")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
