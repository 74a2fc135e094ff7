"""Where each setting comes from: arguments over the environment over the data dir's `.env`
over its settings.json over the defaults, field by field; `PRIVFIN_` names in any case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.settings import Settings, load_settings


def _write_sources(data_dir: Path) -> None:
    (data_dir / "settings.json").write_text(
        json.dumps({"model": "from-json", "batch_max_items": 3, "offline": True, "max_retries": 2}),
        encoding="utf-8",
    )
    (data_dir / ".env").write_text(
        "PRIVFIN_MODEL=from-dotenv\n"
        "export privfin_batch_max_items='9'  # a comment\n"
        "PRIVFIN_CONCURRENCY_CAP\n"  # a bare key sets nothing
        "PRIVFIN_SEND_AMOUNTS=yes\n",
        encoding="utf-8",
    )


def test_each_field_comes_from_the_highest_source_that_sets_it(
    isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_sources(isolated_data_dir)
    monkeypatch.setenv("Privfin_Batch_Max_Items", "12")  # any case
    monkeypatch.setenv("PRIVFIN_NOT_A_SETTING", "ignored")

    settings = load_settings(max_retries=7)

    assert settings.max_retries == 7  # argument over settings.json
    assert settings.batch_max_items == 12  # environment over .env over settings.json
    assert settings.model == "from-dotenv"  # .env over settings.json
    assert settings.send_amounts is True  # .env alone
    assert settings.offline is True  # settings.json alone
    assert settings.concurrency_cap == Settings.model_fields["concurrency_cap"].default
    assert not hasattr(settings, "not_a_setting")


def test_model_validate_reads_the_sources_beneath_its_values_too(
    isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_sources(isolated_data_dir)
    monkeypatch.setenv("PRIVFIN_MODEL", "from-env")

    settings = Settings.model_validate({"data_dir": isolated_data_dir, "max_retries": 5})

    assert (settings.model, settings.max_retries, settings.offline) == ("from-env", 5, True)


def test_the_environment_names_the_data_dir_whose_sources_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "settings.json").write_text(json.dumps({"model": "other-dir"}), encoding="utf-8")
    monkeypatch.delenv("PRIVFIN_DATA_DIR")
    monkeypatch.setenv("privfin_data_dir", str(other))

    assert load_settings().model == "other-dir"
    assert load_settings().data_dir == other.resolve()
