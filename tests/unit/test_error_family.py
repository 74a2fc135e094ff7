"""One error family: a `UserFacingError` is shown as its message, anything else is a bug whose
traceback goes to the private log in the data dir while the user sees one line naming it."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

import pytest

from app.accounts import AccountNameError
from app.categorize.decisions import DecisionError
from app.categorize.llm import LLMError
from app.categorize.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from app.cli import EXIT_FAILURE, build_parser, run_handler
from app.datadir import DataDirError
from app.errors import PrivfinError, UserFacingError
from app.ingest import IngestError
from app.ingest.amounts import AmountError
from app.reports import ExportError
from app.settings import SettingsError
from app.store import Store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("PRIVFIN_DATA_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.mark.parametrize(
    "kind",
    [
        IngestError,
        AmountError,
        LLMError,
        DecisionError,
        ExportError,
        TaxonomyError,
        AccountNameError,
        SettingsError,
        DataDirError,
    ],
)
def test_every_error_a_person_can_fix_is_user_facing(kind: type[Exception]) -> None:
    assert issubclass(kind, UserFacingError)
    assert issubclass(kind, PrivfinError)


def test_taxonomy_problems_are_user_facing_and_still_value_errors(data_dir: Path) -> None:
    taxonomy: Taxonomy = load_taxonomy(Store(data_dir / "privfin.db"))
    with pytest.raises(TaxonomyError, match="no category named 'Nope'") as raised:
        taxonomy.with_removed("Nope")
    assert isinstance(raised.value, ValueError)  # older callers catching ValueError keep working


def _raising(error: Exception) -> argparse.Namespace:
    args = build_parser().parse_args(["recurring"])

    def handler(_args: argparse.Namespace) -> int:
        raise error

    args.handler = handler
    return args


def test_a_user_facing_error_is_one_line_with_its_message(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_handler(_raising(ExportError("cannot write report.csv: it is a directory")))
    assert code == EXIT_FAILURE
    assert capsys.readouterr().err == "privfin recurring: cannot write report.csv: it is a directory\n"
    assert not (data_dir / "privfin.log").exists()


def test_a_bug_shows_the_generic_line_and_logs_its_traceback_privately(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_handler(_raising(KeyError("row-secret-merchant")))
    err = capsys.readouterr().err
    log = data_dir / "privfin.log"
    assert code == EXIT_FAILURE
    assert err == f"privfin recurring: something went wrong (KeyError); the details are in {log}\n"
    assert "row-secret-merchant" not in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "KeyError: 'row-secret-merchant'" in text
    assert "privfin recurring" in text
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
