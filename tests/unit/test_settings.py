"""Settings: endpoint URLs are validated, a bad saved value falls back, one reading of the data dir,
`.env` only from the data dir, settings.json private from its first byte, clear CLI errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from app.cli import EXIT_FAILURE, EXIT_USAGE, main
from app.settings import DEFAULT_ENDPOINT, Settings, SettingsError, load_settings, save_settings
from app.store import Store

BAD_URLS = [
    "http://h:99999/v1",
    "http://h:abc/v1",
    "http://[::1/v1",
    "127.0.0.1:3001/v1",  # no scheme
    "ftp://h/v1",
    "http:///v1",
    "http://user:secret@h/v1",
    "http://h :3001/v1",
]


@pytest.fixture
def no_env_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test environment pins PRIVFIN_ENDPOINT_URL; these tests need it unset."""
    monkeypatch.delenv("PRIVFIN_ENDPOINT_URL", raising=False)


@pytest.mark.parametrize("url", BAD_URLS)
def test_an_invalid_endpoint_url_is_refused_and_not_saved(url: str, settings: Settings) -> None:
    with pytest.raises(SettingsError, match="endpoint_url") as raised:
        load_settings(endpoint_url=url)
    assert "Traceback" not in str(raised.value)
    with pytest.raises(SettingsError, match="endpoint_url"):
        save_settings(settings, {"endpoint_url": url})
    assert not settings.settings_path.exists()


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("http://[::1]:3001/v1/", "http://[::1]:3001/v1"),
        (" https://gpu-box.lan/v1 ", "https://gpu-box.lan/v1"),
        ("http://192.168.1.50:3001/v1", "http://192.168.1.50:3001/v1"),
    ],
)
def test_valid_endpoint_urls_are_kept(url: str, kept: str) -> None:
    assert load_settings(endpoint_url=url).endpoint_url == kept


def test_a_bad_saved_value_falls_back_to_its_default_and_says_so(
    no_env_endpoint: None, isolated_data_dir: Path
) -> None:
    saved = {"endpoint_url": "http://h:99999/v1", "model": "kept-model", "batch_max_items": 0}
    (isolated_data_dir / "settings.json").write_text(json.dumps(saved), encoding="utf-8")
    settings = load_settings()
    assert settings.endpoint_url == DEFAULT_ENDPOINT
    assert settings.batch_max_items == Settings.model_fields["batch_max_items"].default
    assert settings.model == "kept-model"  # the good values still count
    (problem,) = settings.saved_file_problems()
    assert "endpoint_url" in problem and "batch_max_items" in problem and "default" in problem


def test_a_tilde_data_dir_is_expanded_once_for_the_database_and_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "x").mkdir(parents=True)
    (home / "x" / "settings.json").write_text(json.dumps({"model": "from-home"}), encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PRIVFIN_DATA_DIR", "~/x")
    settings = load_settings()
    assert settings.data_dir == home / "x"
    assert settings.model == "from-home"
    Store(settings.db_path).close()
    assert (home / "x" / "privfin.sqlite3").exists()
    assert not (tmp_path / "~").exists()  # the working directory


def test_a_relative_data_dir_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rel" / "data").mkdir(parents=True)
    (tmp_path / "rel" / "data" / "settings.json").write_text(json.dumps({"model": "rel"}), encoding="utf-8")
    monkeypatch.setenv("PRIVFIN_DATA_DIR", "rel/data")
    settings = load_settings()
    assert settings.data_dir == (tmp_path / "rel" / "data").resolve()
    assert settings.data_dir.is_absolute()
    assert settings.model == "rel"


def test_an_explicit_data_dir_reads_its_own_settings(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "settings.json").write_text(json.dumps({"model": "other"}), encoding="utf-8")
    assert Settings(data_dir=other).model == "other"


def test_a_dotenv_in_the_working_directory_is_never_read(
    no_env_endpoint: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_data_dir: Path
) -> None:
    hostile = tmp_path / "downloads"
    hostile.mkdir()
    (hostile / ".env").write_text(
        "PRIVFIN_ENDPOINT_URL=http://attacker.example:3001/v1\n"
        "PRIVFIN_SEND_AMOUNTS=true\n"
        "PRIVFIN_OFFLINE=false\n"
        f"PRIVFIN_DATA_DIR={tmp_path / 'elsewhere'}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(hostile)
    settings = load_settings()
    assert settings.endpoint_url == DEFAULT_ENDPOINT
    assert settings.send_amounts is False
    assert settings.data_dir == isolated_data_dir.resolve()


def test_the_data_dirs_dotenv_counts_but_cannot_move_the_data_dir(
    no_env_endpoint: None, tmp_path: Path, isolated_data_dir: Path
) -> None:
    (isolated_data_dir / ".env").write_text(
        f"PRIVFIN_ENDPOINT_URL=http://127.0.0.1:3002/v1\nPRIVFIN_DATA_DIR={tmp_path / 'elsewhere'}\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.endpoint_url == "http://127.0.0.1:3002/v1"
    assert settings.data_dir == isolated_data_dir.resolve()


def test_settings_json_is_private_and_a_new_data_dir_is_too(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        settings = Settings(data_dir=tmp_path / "new" / "privfin")
        save_settings(settings, {"api_key": "sk-secret-value", "model": "m"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(settings.settings_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    assert sorted(p.name for p in settings.data_dir.iterdir()) == ["settings.json"]  # no temp file left


def test_cli_refuses_a_bad_endpoint_as_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["categorize", "--endpoint", "http://h:99999/v1", "--offline"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "endpoint_url" in err and "99999" in err and "Traceback" not in err


def test_cli_with_a_bad_environment_value_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVFIN_ENDPOINT_URL", "http://[::1/v1")
    assert main(["export", "--format", "csv", "-o", "out.csv"]) == EXIT_USAGE
    assert "endpoint_url" in capsys.readouterr().err


def test_cli_warns_about_a_bad_saved_value_and_goes_on(
    no_env_endpoint: None, capsys: pytest.CaptureFixture[str], isolated_data_dir: Path
) -> None:
    (isolated_data_dir / "settings.json").write_text(json.dumps({"endpoint_url": "http://h:abc/v1"}))
    assert main(["categorize", "--offline"]) == 0
    assert "warning" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["import", "a.csv"], ["categorize", "--offline"], ["serve", "--port", "9"]]
)
def test_cli_with_a_data_dir_that_is_a_file_says_so(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.csv").write_text("Date,Description,Amount\n2026-01-02,SHOP,-1.00\n")
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.setenv("PRIVFIN_DATA_DIR", str(tmp_path / "afile"))
    assert main(command) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
