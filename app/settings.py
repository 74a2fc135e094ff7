"""Runtime settings: environment (`PRIVFIN_*`), the data dir's `.env` and `settings.json`.

Precedence, highest first: explicit arguments, environment, the data dir's `.env`, its
`settings.json` (written by the dashboard), defaults. A `.env` in the working directory is
never read: a folder the user merely runs privfin in must not redirect their transactions or
turn on amounts. The API key is a `SecretStr` so it never shows up in a repr, a log line or an
error message.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from app.datadir import PRIVATE_FILE_MODE, ensure_private_dir
from app.errors import UserFacingError
from app.fx import RateError, parse_rate
from app.money import normalize_currency_code

SETTINGS_FILE_NAME = "settings.json"
DOTENV_FILE_NAME = ".env"
DATA_DIR_ENV = "PRIVFIN_DATA_DIR"
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
    "home_currency",
    "exchange_rates",
)


class SettingsError(UserFacingError, ValueError):
    """Settings that cannot be used; the message names each field and why, never a secret's value."""


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "settings"
        parts.append(f"{field}: {problem['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("privfin", appauthor=False))


def resolve_data_dir(raw: str | os.PathLike[str] | None) -> Path:
    """The one reading of a data dir setting: empty means the default, `~` expands, relative becomes absolute."""
    text = os.fspath(raw).strip() if raw is not None else ""
    return Path(text).expanduser().resolve() if text else default_data_dir()


def _chosen_data_dir(init_settings: PydanticBaseSettingsSource) -> Path:
    """The data dir the settings being built will have: an explicit argument, else the environment."""
    explicit = (
        init_settings.init_kwargs.get("data_dir") if isinstance(init_settings, InitSettingsSource) else None
    )
    if explicit is not None:
        return resolve_data_dir(explicit)
    from_env = next((value for key, value in os.environ.items() if key.upper() == DATA_DIR_ENV), None)
    return resolve_data_dir(from_env)


def endpoint_url_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint base URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number or out of range
    except ValueError as error:
        return f"{url!r} is not a valid URL ({error})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} must start with http:// or https://"
    if not parts.hostname:
        return f"{url!r} has no host name"
    if port == 0:
        return f"{url!r} has port 0, which no server listens on"
    if parts.username is not None or parts.password is not None:
        return "the endpoint URL must not hold a user name or password; use the API key setting"
    if any(char.isspace() or not char.isprintable() for char in url):
        return f"{url!r} contains spaces or control characters"
    if len(url) > MAX_ENDPOINT_URL_CHARS:
        return f"the endpoint URL is {len(url):,} characters long; at most {MAX_ENDPOINT_URL_CHARS:,} are allowed"
    return _host_problem(parts.hostname, url)


MAX_ENDPOINT_URL_CHARS = 2048
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")


def _host_problem(host: str, url: str) -> str | None:
    # The HTTP client refuses what urlsplit lets through (httpx2.InvalidURL at the first
    # request): an IPv4 address out of range, a bad IPv6 literal, a name IDNA cannot encode.
    # Checked here so a bad URL is refused when typed, not a traceback on every later run.
    try:
        if ":" in host:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        elif _DOTTED_NUMBERS.fullmatch(host):
            ipaddress.IPv4Address(host)
        elif not host.isascii():
            host.encode("idna")
    except (ValueError, UnicodeError):
        return f"{url!r} has an invalid host ({host!r})"
    return None


def _checked_currency(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return normalize_currency_code(value)


def _checked_rates(value: list[str]) -> list[str]:
    """Each entry "EUR=1.0832": a currency code and a usable rate (see `app.fx.parse_rate`)."""
    table: dict[str, str] = {}
    for entry in value:
        code, _, text = str(entry).partition("=")
        currency = _checked_currency(code)
        if currency is None:
            raise ValueError(f"{entry!r} names no currency; write it as EUR=1.0832")
        try:
            table[currency] = str(parse_rate(text, currency))
        except RateError as error:
            raise ValueError(str(error)) from None
    return rates_setting(table)


def rates_setting(table: dict[str, str]) -> list[str]:
    """The `exchange_rates` setting for a {currency: rate} table."""
    return [f"{code}={rate}" for code, rate in sorted(table.items())]


def _checked_endpoint_url(value: str) -> str:
    url = value.strip().rstrip("/")
    problem = endpoint_url_problem(url)
    if problem:
        raise ValueError(problem)
    return url


EndpointUrl = Annotated[str, AfterValidator(_checked_endpoint_url)]


@dataclass(frozen=True)
class SavedSettings:
    """What `settings.json` holds that can be used, and why the rest was set aside."""

    values: dict[str, Any]
    problems: tuple[str, ...] = ()


def read_saved_settings(path: Path) -> SavedSettings:
    """The valid persisted fields of `path`: one bad value (say a URL saved by an older privfin)
    falls back to its default instead of making every later run crash."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SavedSettings({})
    except (OSError, ValueError) as error:
        return SavedSettings({}, (f"{path} cannot be read ({error}); using the defaults",))
    if not isinstance(raw, dict):
        return SavedSettings({}, (f"{path} does not hold settings; using the defaults",))
    values = {key: value for key, value in raw.items() if key in PERSISTED_FIELDS}
    try:
        _persisted_fields_model().model_validate(values)
    except ValidationError as error:
        bad = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
        detail = describe_validation_error(error)
        kept = {key: value for key, value in values.items() if key not in bad}
        return SavedSettings(kept, (f"{path}: {detail}; using the default for {', '.join(sorted(bad))}",))
    return SavedSettings(values)


class DataDirSettingsSource(PydanticBaseSettingsSource):
    """Reads `settings.json` from the data dir, the file the dashboard writes."""

    def __init__(self, settings_cls: type[BaseSettings], data_dir: Path) -> None:
        super().__init__(settings_cls)
        self.data_dir = data_dir

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return read_saved_settings(self.data_dir / SETTINGS_FILE_NAME).values


class DataDirDotEnvSource(DotEnvSettingsSource):
    """The data dir's `.env`; it cannot move the data dir, since it is read from there."""

    def __call__(self) -> dict[str, Any]:
        return {key: value for key, value in super().__call__().items() if key != "data_dir"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRIVFIN_",
        env_file=None,  # only the data dir's .env, chosen in settings_customise_sources
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=default_data_dir)

    # The OpenAI-compatible endpoint (a Parallax scheduler by default).
    endpoint_url: EndpointUrl = DEFAULT_ENDPOINT
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

    # The currency of a file that names none and whose account has none remembered; unset
    # until the user says it (the dashboard asks once), so money never silently becomes USD.
    home_currency: Annotated[str | None, AfterValidator(_checked_currency)] = None
    # Rates the user typed for Insights' optional total in the home currency, as "EUR=1.0832"
    # (one unit buys this many home-currency units, kept as exact text). A list, not a mapping:
    # the settings sources are merged key by key for mappings, so a removed rate would come back.
    exchange_rates: Annotated[list[str], AfterValidator(_checked_rates)] = Field(default_factory=list)

    @field_validator("data_dir", mode="before")
    @classmethod
    def _resolved_data_dir(cls, value: Any) -> Path:
        return resolve_data_dir(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        data_dir = _chosen_data_dir(init_settings)
        return (
            init_settings,
            env_settings,
            DataDirDotEnvSource(
                settings_cls, env_file=data_dir / DOTENV_FILE_NAME, env_file_encoding="utf-8"
            ),
            DataDirSettingsSource(settings_cls, data_dir),
            file_secret_settings,
        )

    @property
    def exchange_rate_table(self) -> dict[str, str]:
        """{currency: rate text} of the saved exchange rates."""
        return dict(entry.partition("=")[::2] for entry in self.exchange_rates)

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

    def saved_file_problems(self) -> tuple[str, ...]:
        """Values in settings.json that were set aside for their defaults (to show the user)."""
        return read_saved_settings(self.settings_path).problems


@functools.cache
def _persisted_fields_model() -> type[BaseModel]:
    """The persisted fields alone, with Settings' own types and checks, to validate settings.json
    field by field (validating a whole Settings would read every source again). Built on first
    use: a data dir without a settings.json never needs it."""
    fields: dict[str, Any] = {
        name: (Settings.model_fields[name].annotation, Settings.model_fields[name])
        for name in PERSISTED_FIELDS
    }
    return create_model("PersistedFields", **fields)


def settings_with(settings: Settings, updates: dict[str, Any]) -> Settings:
    """`settings` with `updates` applied and validated, nothing written: what a form holds before
    it is saved (so "Test connection" tests what was just typed). Raises SettingsError."""
    merged = settings.persistable() | {k: v for k, v in updates.items() if k in PERSISTED_FIELDS}
    try:
        return type(settings).model_validate(merged | {"data_dir": settings.data_dir})
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from error


def save_settings(settings: Settings, updates: dict[str, Any]) -> Settings:
    """Validate `updates`, write them to the data dir's settings.json, return the new settings.

    Raises SettingsError, and writes nothing, when a value is invalid."""
    validated = settings_with(settings, updates)
    ensure_private_dir(settings.data_dir)
    text = json.dumps(validated.persistable(), indent=2)
    # Created 0600 from the start (the file may hold an API key), under a name no other save uses.
    handle, tmp = tempfile.mkstemp(prefix=f".{SETTINGS_FILE_NAME}.", dir=settings.data_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, settings.settings_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return validated


def load_settings(**overrides: Any) -> Settings:
    """The settings in force; raises SettingsError naming each invalid value (from arguments,
    the environment or the data dir's .env; a bad settings.json value falls back instead)."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(f"invalid settings: {describe_validation_error(error)}") from error
