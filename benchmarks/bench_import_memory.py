"""Import memory: peak resident memory of an import of a ~20 MB statement, as a multiple of the file.

Generates a Chase-like statement (the generator of `bench_import`) of about `--mb`
megabytes in a temp dir, then runs, each in its own child process and fresh data dir:

* `baseline`: a child that only imports the modules an import needs;
* `cli`: `privfin import FILE` (the real command line, `app.cli.main`);
* `library`: `app.importer.import_files` on the file's bytes (what the dashboard runs).

The parent reads each child's peak RSS from `resource.getrusage(RUSAGE_CHILDREN)` of a
fresh intermediate process (so one child's peak never hides another's), and reports
each import's peak minus the baseline's, as a ratio to the file size (target: at most
10x), with its wall and CPU time.

`--compare DIR` runs the same children with `DIR` first on `sys.path` (an older `app/`,
e.g. `git archive <commit> app | tar -x -C DIR`), interleaved with this tree's, so
before and after are measured side by side in one run. Run:
`.venv/bin/python -m benchmarks.bench_import_memory [--mb 20] [--repeat 3] [--compare DIR]`.
"""

from __future__ import annotations

import argparse
import json
import os
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_import import generate_statement

_BYTES_PER_ROW = 67  # what generate_statement writes per row, on average
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
    [result] = app.importer.import_files(store, [(path, Path(path).read_bytes())])
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
    env = {**os.environ, "PRIVFIN_MAX_UPLOAD_MB": "200"}  # the default limit is 20 MB
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


def _line(label: str, mode: str, run: Run, baseline: Run, file_mib: float) -> str:
    extra = run.peak_mib - baseline.peak_mib
    return (
        f"{label:8} {mode:8} peak {run.peak_mib:5.0f} MiB - baseline {baseline.peak_mib:4.0f} MiB = "
        f"{extra:5.0f} MiB = {extra / file_mib:5.1f}x the file   wall {run.wall_s:6.2f} s   cpu {run.cpu_s:6.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="approximate statement size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another tree holding app/, measured side by side")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="privfin-bench-mem-") as tmp:
        work = Path(tmp)
        path = work / "Chase1234_Activity20230101_20241231_20250101.CSV"
        generate_statement(path, int(args.mb * 1_048_576 / _BYTES_PER_ROW))
        file_mib = path.stat().st_size / 1_048_576
        rows = path.read_bytes().count(b"\n") - 1
        print(f"statement: {rows:,} rows, {file_mib:.1f} MiB")
        trees = [("this", _REPO_ROOT)] + ([("compare", args.compare.resolve())] if args.compare else [])
        runs: dict[tuple[str, str], list[Run]] = {}
        for attempt in range(args.repeat):  # interleaved, so both trees see the same machine load
            for label, root in trees:
                for mode, run in measure_tree(root, path, work, f"{label}{attempt}").items():
                    runs.setdefault((label, mode), []).append(run)
        best = {key: _best(value) for key, value in runs.items()}
        for label, _root in trees:
            for mode in _MODES[1:]:
                print(_line(label, mode, best[label, mode], best[label, "baseline"], file_mib))
        if args.compare:
            for mode in _MODES[1:]:
                this, other = best["this", mode], best["compare", mode]
                extra = (this.peak_mib - best["this", "baseline"].peak_mib) / (
                    other.peak_mib - best["compare", "baseline"].peak_mib
                )
                print(
                    f"this / compare ({mode}): memory over baseline {extra:.2f}x, "
                    f"wall {this.wall_s / other.wall_s:.2f}x, cpu {this.cpu_s / other.cpu_s:.2f}x"
                )
        print("target: peak - baseline at most 10x the file size")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
