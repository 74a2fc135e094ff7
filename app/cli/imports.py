"""`privfin imports [--json]`, `privfin imports remove ID [--yes]`: thin shells over `app.imports`
(machine output on stdout, the rest on stderr)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from app.cli.exit_codes import EXIT_FAILURE, EXIT_OK
from app.cli.files import open_store
from app.cli.output import json_line
from app.imports import (
    CategorizationRunning,
    ImportedFile,
    ImportNotFound,
    imported_files,
    moment_text,
    range_text,
    removal_preview,
    remove_import,
)


def import_line(item: ImportedFile) -> str:
    sample = " (sample data)" if item.sample else ""
    return (
        f"{item.id}: {item.file}{sample} - {item.layout or 'unknown layout'}, {item.account or 'no account'}, "
        f"{item.rows:,} rows ({item.new_rows:,} new, {item.duplicate_rows:,} already stored, "
        f"{item.skipped_rows:,} skipped), {range_text(item)}, imported {moment_text(item.imported_at)}"
    )


def run_imports_list(
    args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    files = imported_files(open_store())
    for item in files:
        print(json_line(item.record()) if args.json else import_line(item), file=out)
    if not files:
        print("privfin imports: nothing imported yet", file=err)
    return EXIT_OK


def _confirmed(question: str, stdin: TextIO, err: TextIO) -> bool:
    print(f"{question} [y/N] ", end="", file=err, flush=True)
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def run_imports_remove(
    args: argparse.Namespace, *, stdin: TextIO | None = None, err: TextIO | None = None
) -> int:
    stdin, err = stdin or sys.stdin, err or sys.stderr
    store = open_store()
    try:
        preview = removal_preview(store, args.id)
    except ImportNotFound as problem:
        print(f"privfin imports remove: {problem}", file=err)
        return EXIT_FAILURE
    print(f"privfin imports remove: {preview.message()}", file=err)
    for name in preview.untracked:
        print(f"  note: {name} was imported before privfin tracked overlaps; rows it shares go too", file=err)
    if not args.yes:
        if not stdin.isatty():
            print(
                "privfin imports remove: not removed; confirm with --yes (stdin is not a terminal)", file=err
            )
            return EXIT_FAILURE
        if not _confirmed("Remove this import?", stdin, err):
            print("privfin imports remove: not removed", file=err)
            return EXIT_FAILURE
    try:
        outcome = remove_import(store, args.id)
    except (ImportNotFound, CategorizationRunning) as problem:  # ImportNotFound: removed since the preview
        print(f"privfin imports remove: {problem}", file=err)
        return EXIT_FAILURE
    print(
        f"privfin imports remove: removed {outcome.file} ({outcome.removed_rows:,} rows; "
        f"{outcome.kept_rows:,} kept by other imports)",
        file=err,
    )
    return EXIT_OK
