"""Import memory: bounded by a small multiple of the file, whatever path the import takes.

The figures on a 20 MB file are in benchmarks/README.md (`bench_import_memory`); these
tests pin the causes with deterministic measures (tracemalloc, object identity), never
with timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tracemalloc
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.import_statements import run_import_command
from app.importer import FileImportResult, import_files, preview_files
from app.ingest import parse_statement
from app.ingest.currency import CurrencyContext
from app.store import Store

_TRACED_LIMIT = 10  # traced Python memory at the peak, as a multiple of the file; it was ~15x


def _statement(rows: int) -> bytes:
    rng = random.Random(3)
    day = dt.date(2024, 12, 31)
    lines = ["Transaction Date,Post Date,Description,Category,Type,Amount,Memo"]
    merchants = ("SQ *BLUE BOTTLE COFFEE", "WHOLEFDS {n} BROOKLYN NY", "AMZN Mktp US*{ref}", "MTA*NYCT PAYGO")
    for index in range(rows):
        if index and index % 100 == 0:
            day -= dt.timedelta(days=1)
        description = rng.choice(merchants).format(n=rng.randrange(1000), ref=f"{rng.randrange(36**8):X}")
        amount = -rng.uniform(2, 200)
        lines.append(f"{day:%m/%d/%Y},{day:%m/%d/%Y},{description},Shopping,Sale,{amount:.2f},")
    return ("\r\n".join(lines) + "\r\n").encode()


def _traced_peak(run: object) -> int:
    assert callable(run)
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_parse_statement_peaks_under_ten_times_the_file() -> None:
    data = _statement(30_000)
    peak = _traced_peak(lambda: parse_statement(data, "Chase1234_Activity.csv"))
    assert peak < _TRACED_LIMIT * len(data), f"{peak / len(data):.1f}x the file"


def test_a_whole_import_peaks_under_ten_times_the_file(store: Store) -> None:
    data = _statement(30_000)
    peak = _traced_peak(lambda: import_files(store, [("Chase1234_Activity.csv", data)]))
    assert store.count_transactions() == 30_000
    assert peak < _TRACED_LIMIT * len(data), f"{peak / len(data):.1f}x the file"


@pytest.mark.parametrize(("dry_run", "as_json"), [(False, False), (True, False), (False, True), (True, True)])
def test_the_cli_never_builds_a_transaction_object_per_row_at_once(
    dry_run: bool,
    as_json: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Counting through `parsed.transactions` validated one pydantic object per row (~25x the file).
    built: list[FileImportResult] = []

    def keep(run: object) -> object:
        assert callable(run)

        def wrapper(*args: object, **kwargs: object) -> list[FileImportResult]:
            results: list[FileImportResult] = run(*args, **kwargs)
            built.extend(results)
            return results

        return wrapper

    import app.cli.import_statements as importer

    monkeypatch.setattr(importer, "import_files", keep(import_files))
    monkeypatch.setattr(importer, "preview_files", keep(preview_files))
    path = tmp_path / "Chase1234_Activity.csv"
    path.write_bytes(_statement(500))
    args = argparse.Namespace(files=[path], account=None, dry_run=dry_run, json=as_json)
    assert run_import_command(args) == 0
    captured = capsys.readouterr()
    assert "500 rows read" in captured.err
    assert len(captured.out.splitlines()) == (500 if as_json else 0)
    [result] = built
    assert result.parsed is not None and "transactions" not in vars(result.parsed)


def test_the_dashboard_preview_never_builds_transaction_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ingest import TransactionTable
    from components.import_preview import preview_file

    def refuse(_table: TransactionTable) -> None:
        raise AssertionError("the preview validated every row into a Transaction object")

    monkeypatch.setattr(TransactionTable, "transactions", refuse)
    data = _statement(500)
    preview = preview_file("Chase1234_Activity.csv", data)
    assert preview.error is None and preview.rows_read == 500 and len(preview.ids) == 500
    assert len(preview.rows) == 200 and preview.rows["row"].tolist()[:2] == [2, 3]
    assert preview.period is not None and sum(preview.money_out.values()) < 0


def test_categorize_with_files_never_builds_transaction_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from app.ingest import TransactionTable

    def refuse(_table: TransactionTable) -> None:
        raise AssertionError("`privfin categorize FILE` validated every row into a Transaction object")

    monkeypatch.setattr(TransactionTable, "transactions", refuse)
    path = tmp_path / "Chase1234_Activity.csv"
    path.write_bytes(_statement(300))
    assert main(["categorize", "--offline", "--json", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 300


def test_transactions_streamed_in_chunks_are_the_same_objects_as_all_at_once() -> None:
    table = parse_statement(_statement(250), "Chase1234_Activity.csv").table
    assert list(table.iter_transactions(chunk=100)) == table.transactions()


def _short_statement(rows: int) -> bytes:
    """`Date,Description,Amount` with every description distinct: the most bytes of Python objects per file byte."""
    rng = random.Random(5)
    day = dt.date(2024, 12, 31)
    lines = ["Date,Description,Amount"]
    for index in range(rows):
        if index and index % 400 == 0:
            day -= dt.timedelta(days=1)
        lines.append(
            f"{day.isoformat()},SHOP {rng.randrange(36**6):X} {index},{-rng.randrange(1, 5_000) / 100:.2f}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_a_whole_import_of_short_rows_peaks_under_ten_times_the_file(store: Store) -> None:
    # Short rows were 11x traced (14x in RSS at 20 MB): a Decimal per row in the generic sign
    # check, a casefolded copy of every description in the id caches, and the records alive
    # while the ids were built.
    data = _short_statement(30_000)
    peak = _traced_peak(lambda: import_files(store, [("Checking_2024.csv", data)], home_currency="USD"))
    assert store.count_transactions() == 30_000
    assert peak < _TRACED_LIMIT * len(data), f"{peak / len(data):.1f}x the file"


def test_the_records_are_released_before_the_ids_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import app.ingest.statement as statement
    from app.ids import statement_ids

    live_records: list[int] = []

    def counting(*columns: Sequence[object]) -> list[str]:
        gc.collect()
        records = [o for o in gc.get_objects() if type(o) is list and len(o) == 3 and o and type(o[0]) is str]
        live_records.append(sum(1 for o in records if o[0][:4] == "2024"))
        return statement_ids(*columns)  # type: ignore[arg-type]

    monkeypatch.setattr(statement, "statement_ids", counting)
    parsed = parse_statement(
        _short_statement(2_000), "Checking_2024.csv", currency=CurrencyContext(home="USD")
    )
    assert len(parsed.table.ids) == 2_000 and len(set(parsed.table.ids)) == 2_000
    assert live_records == [0], "a cell list per record was alive while the ids were built"


def test_statement_ids_keep_no_copy_of_every_description() -> None:
    from app.ids import statement_ids

    rows = 20_000
    columns = (
        ["Checking"] * rows,
        [dt.date(2024, 1, 2)] * rows,
        [Decimal("-4.50")] * rows,
        ["USD"] * rows,
        [f"SHOP NUMBER {n:08d} NEW YORK NY" for n in range(rows)],
    )
    tracemalloc.start()
    try:
        ids = statement_ids(*columns)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(set(ids)) == rows
    # The ids and the occurrence counter are needed; a casefolded copy of each text was not.
    assert peak < 2 * held, f"peak {peak / held:.1f}x the ids it returns"


def test_the_upload_limit_is_inclusive_and_a_refusal_gives_exact_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("PRIVFIN_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("PRIVFIN_HOME_CURRENCY", "USD")
    header, row = b"Date,Description,Amount\n", b"2024-01-02,SHOP,-1.00\n"
    limit = 1 << 20
    rows = (limit - len(header)) // len(row)
    exact = tmp_path / "exact.csv"
    exact.write_bytes(header + row * rows + b"x" * (limit - len(header) - rows * len(row) - 1) + b"\n")
    assert exact.stat().st_size == limit
    assert main(["import", str(exact)]) == 0
    over = tmp_path / "over.csv"
    over.write_bytes(exact.read_bytes() + b"2024-01-03,SHOP TWO,-1.00\n"[:44])
    capsys.readouterr()
    assert main(["import", str(over)]) == 1
    # Rounded, this read "the file is 1.0 MB, over the upload limit of 1 MB".
    assert (
        f"({limit + 26:,} bytes), over the upload limit of 1 MB ({limit:,} bytes)" in capsys.readouterr().err
    )
