"""Runtime settings: environment (`PRIVFIN_*`), a `.env` file, and `settings.json` in the data dir.

Precedence, highest first: explicit arguments, environment, `.env`, the data dir's
`settings.json` (written by the dashboard), defaults. The API key is a `SecretStr`
so it never shows up in a repr, a log line or an error message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SETTINGS_FILE_NAME = "settings.json"
DEFAULT_ENDPOINT = "http://127.0.0.1:3001/v1"

# Fields the dashboard may persist to settings.json (never the data dir itself).
PERSISTED_FIELDS = (
    "endpoint_url",
    "model",
    "api_key",
    "batch_max_items",
    "batch_token_budget",
    "max_concurrency",
    "request_timeout_s",
    "max_retries",
    "send_amounts",
    "use_response_format",
    "offline",
)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("privfin", appauthor=False))


def _data_dir_from_env() -> Path:
    raw = os.environ.get("PRIVFIN_DATA_DIR")
    return Path(raw).expanduser() if raw else default_data_dir()


class DataDirSettingsSource(PydanticBaseSettingsSource):
    """Reads `settings.json` from the data dir, the file the dashboard writes."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _data_dir_from_env() / SETTINGS_FILE_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict):
            return {}
        return {k: v for k, v in raw.items() if k in PERSISTED_FIELDS}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRIVFIN_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=default_data_dir)

    # The OpenAI-compatible endpoint (a Parallax scheduler by default).
    endpoint_url: str = DEFAULT_ENDPOINT
    model: str | None = None  # Parallax ignores it; vLLM / llama.cpp need it
    api_key: SecretStr | None = None
    offline: bool = False  # never contact the endpoint; built-in rules only

    # Batching: items per request, and a token budget for one request (prompt + answer),
    # so that a 2,048-token context still works.
    batch_max_items: int = Field(default=40, ge=1, le=500)
    batch_token_budget: int = Field(default=1800, ge=256)
    max_concurrency: int | None = Field(default=None, ge=1, le=64)
    concurrency_cap: int = Field(default=16, ge=1, le=64)

    connect_timeout_s: float = Field(default=5.0, gt=0)
    # The most one request may take, connect to last byte: a total deadline that a server
    # dripping its reply cannot extend (see llm.EndpointClient.deadline_s).
    request_timeout_s: float = Field(default=180.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    backoff_base_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    # One categorize run: after this long no request starts and the rest waits for the next
    # run; after this many failures of one kind in a row the endpoint is taken to be broken.
    run_deadline_s: float = Field(default=600.0, gt=0)
    breaker_failures: int = Field(default=5, ge=1, le=100)

    # What may leave the machine.
    send_amounts: bool = False
    use_response_format: bool = False

    max_upload_mb: int = Field(default=20, ge=1, le=200)

    @field_validator("endpoint_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            DataDirSettingsSource(settings_cls),
            file_secret_settings,
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "privfin.sqlite3"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / SETTINGS_FILE_NAME

    def api_key_value(self) -> str:
        """The key to hand to the SDK; Parallax needs none but the SDK needs some string."""
        return self.api_key.get_secret_value() if self.api_key else "placeholder"

    def persistable(self) -> dict[str, Any]:
        data = self.model_dump(include=set(PERSISTED_FIELDS))
        data["api_key"] = self.api_key.get_secret_value() if self.api_key else None
        return data


def save_settings(settings: Settings, updates: dict[str, Any]) -> Settings:
    """Validate `updates`, write them to the data dir's settings.json, return the new settings."""
    merged = settings.persistable() | {k: v for k, v in updates.items() if k in PERSISTED_FIELDS}
    candidate = settings.model_copy(update={})
    validated = type(candidate).model_validate(merged | {"data_dir": settings.data_dir})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.settings_path
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(validated.persistable(), indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)  # the file may hold an API key
    tmp.replace(path)
    return validated


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
