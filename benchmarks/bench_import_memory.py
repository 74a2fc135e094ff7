"""Import memory: peak resident memory of `privfin import` on a ~20 MB statement, as a multiple of the file.

Generates a Chase-like statement (the generator of `bench_import`) of about `--mb`
megabytes in a temp dir, then runs, each in its own child process:

* a baseline child that only imports the modules an import needs;
* `privfin import FILE` (the real command line, `app.cli.main`) into a fresh temp data dir.

The parent reads each child's peak RSS from `resource.getrusage(RUSAGE_CHILDREN)`
(children are measured one at a time, each from a fresh intermediate process, so one
child's peak never hides another's) and reports the import's peak minus the baseline's,
as a ratio to the file size (target: at most 10x), and the import's wall time.

`--compare DIR` runs the same children a second time with `DIR` first on `sys.path`
(e.g. an older `app/` extracted with `git archive <commit> app | tar -x -C DIR`), so
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
if mode == "import":
    os.environ["PRIVFIN_DATA_DIR"] = data_dir
    started = time.perf_counter()
    code = app.cli.main(["import", path])
    print(time.perf_counter() - started)
    sys.exit(code)
print(0.0)
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
    return Run(peak_mib=report["peak_kib"] / 1024, wall_s=float(report["out"].strip().splitlines()[-1]))


@dataclass(frozen=True)
class Figures:
    baseline_mib: float
    import_peak_mib: float
    wall_s: float

    def ratio(self, file_mib: float) -> float:
        return (self.import_peak_mib - self.baseline_mib) / file_mib


def measure_tree(code_root: Path, path: Path, work: Path, repeat: int, label: str) -> Figures:
    """Best (lowest) of `repeat` runs of each child: peaks barely vary, wall times do."""
    baselines, peaks, walls = [], [], []
    for attempt in range(repeat):
        baselines.append(_measure("baseline", path, work / f"{label}-base-{attempt}", code_root).peak_mib)
        run = _measure("import", path, work / f"{label}-data-{attempt}", code_root)
        peaks.append(run.peak_mib)
        walls.append(run.wall_s)
    return Figures(min(baselines), min(peaks), min(walls))


def _line(label: str, figures: Figures, file_mib: float) -> str:
    return (
        f"{label:8} baseline {figures.baseline_mib:6.0f} MiB   import peak {figures.import_peak_mib:6.0f} MiB   "
        f"peak - baseline {figures.import_peak_mib - figures.baseline_mib:6.0f} MiB = "
        f"{figures.ratio(file_mib):5.1f}x the file   wall {figures.wall_s:6.2f} s"
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
        results: dict[str, Figures] = {}
        # Interleaved, so both trees see the same machine load.
        for attempt in range(args.repeat):
            for label, root in trees:
                figures = measure_tree(root, path, work, 1, f"{label}{attempt}")
                best = results.get(label)
                results[label] = (
                    figures
                    if best is None
                    else Figures(
                        min(best.baseline_mib, figures.baseline_mib),
                        min(best.import_peak_mib, figures.import_peak_mib),
                        min(best.wall_s, figures.wall_s),
                    )
                )
        for label, _root in trees:
            print(_line(label, results[label], file_mib))
        if "compare" in results:
            this, other = results["this"], results["compare"]
            print(
                f"this / compare: peak - baseline {this.ratio(file_mib) / other.ratio(file_mib):.2f}x, "
                f"wall {this.wall_s / other.wall_s:.2f}x"
            )
        print("target: peak - baseline at most 10x the file size")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
