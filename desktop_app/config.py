"""Settings: one typed object, read from the environment, then a settings file, then defaults.

The earlier designs' names are kept as they were (``USE_ASYNC_SUMMARIZATION``, ``SUMMARY_MAX_WORKERS``,
``SKIP_PIPELINE_INIT``); every newer setting is ``CHAPTERWISE_<NAME>``. The settings file is
``settings.json`` in the config folder (written by the window's settings dialog). Where the folders are is
:mod:`desktop_app.paths`' business: the platform's per-user folders, or everything in ``CHAPTERWISE_DATA_DIR``.

The object is passed into constructors; nothing reads a global.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.exceptions import SettingsError as _SourceError

from desktop_app.paths import APP_NAME, SETTINGS_FILE, AppPaths, app_paths, one_folder, platform_paths

__all__ = ["APP_NAME", "SETTINGS_FILE", "Settings", "SettingsError", "default_data_dir", "env_name", "load_settings"]

#: API tokens shorter than this are refused (a guessable token is no lock).
MIN_TOKEN_LENGTH = 32
#: Settings whose value an error message never repeats.
_SECRET_FIELDS = frozenset({"api_token", "api_key"})

BackendName = Literal["extractive", "ollama", "openai", "local"]
PromptMode = Literal["auto", "chat", "completion"]


def default_data_dir() -> Path:
    """Where the database lives unless ``CHAPTERWISE_DATA_DIR`` says otherwise."""
    return platform_paths().data


def _seed(name: str) -> Any:
    # A seed-era name, also accepted with the CHAPTERWISE_ prefix.
    return AliasChoices(name, f"CHAPTERWISE_{name}")


class Settings(BaseSettings):
    """Every setting of the engine, the window and the API, typed and validated."""

    model_config = SettingsConfigDict(
        env_prefix="CHAPTERWISE_",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
    )

    # --- seed names
    use_async_summarization: bool = Field(True, validation_alias=_seed("USE_ASYNC_SUMMARIZATION"))
    summary_max_workers: int = Field(3, ge=1, le=16, validation_alias=_seed("SUMMARY_MAX_WORKERS"))
    skip_pipeline_init: bool = Field(False, validation_alias=_seed("SKIP_PIPELINE_INIT"))

    # --- places
    #: Set (by CHAPTERWISE_DATA_DIR, --data-dir or a constructor) it holds everything; unset, the platform's folders.
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""  # empty = sqlite file in data_dir
    cache_dir: Path | None = None  # None = the platform's cache folder (data_dir / "cache" in one-folder mode)
    log_dir: Path | None = None  # None = the platform's log folder (data_dir / "logs" in one-folder mode)

    # --- summarizer
    backend: BackendName = "extractive"
    model: str = ""
    endpoints: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_key: SecretStr | None = None
    context_tokens: int = Field(4096, ge=512, le=1_000_000)
    request_timeout: float = Field(120.0, gt=0, le=3600)
    summary_sentences: int = Field(5, ge=1, le=50)
    fallback_to_extractive: bool = True
    #: Chapters the built-in summarizer did while the LLM backend was down are summarized again once it is up.
    redo_fallbacks: bool = True
    #: How LLMs are asked: chat messages, a plain completion prompt (base models), or auto-detected.
    prompt_mode: PromptMode = "auto"
    #: The GGUF model file of the ``local`` backend (llama-cpp-python, no server).
    model_file: Path | None = None
    #: How many chapters the ``local`` backend summarizes at once (one model copy per child process).
    local_parallel: int = Field(1, ge=1, le=16)
    health_check_seconds: float = Field(5.0, ge=0.2, le=3600)  # how often LLM endpoints are probed
    #: The built-in summarizer in this many worker processes (0: on the pipeline's threads). The window uses
    #: one a core unless this is set, so summaries never compete with it for Python's interpreter lock.
    summary_processes: int = Field(0, ge=0, le=64)

    # --- pipeline
    min_workers: int = Field(3, ge=1, le=16)
    max_workers: int = Field(16, ge=1, le=64)
    summary_queue_size: int = Field(200, ge=1, le=100_000)
    write_queue_size: int = Field(500, ge=1, le=100_000)
    batch_size: int = Field(50, ge=1, le=10_000)
    batch_interval_ms: int = Field(500, ge=10, le=60_000)
    max_attempts: int = Field(3, ge=1, le=20)
    shutdown_timeout: float = Field(5.0, gt=0, le=600)
    lease_seconds: float = Field(60.0, ge=5, le=3600)

    # --- cache
    cache_enabled: bool = True
    cache_max_entries: int = Field(10_000, ge=0)
    cache_max_bytes: int = Field(1 << 30, ge=1 << 20)
    cache_ttl_seconds: int = Field(86_400, ge=0)

    # --- ingestion limits
    max_file_mb: int = Field(200, ge=1, le=10_000)
    max_pages: int = Field(5_000, ge=1)
    parse_timeout: float = Field(120.0, gt=0)
    max_chapters: int = Field(5_000, ge=1)
    parse_memory_mb: int = Field(2048, ge=0)  # the parse child's address space (RLIMIT_AS); 0 = unlimited
    max_zip_ratio: int = Field(200, ge=2)  # how well one part of an EPUB or DOCX may compress

    # --- local HTTP API
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    api_token: SecretStr | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # SQLAlchemy's default PostgreSQL driver is psycopg2; Chapterwise ships psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("api_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and 0 < len(value.get_secret_value().strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"the API token must be at least {MIN_TOKEN_LENGTH} characters; make one with "
                '`python -c "import secrets; print(secrets.token_urlsafe(32))"`, or leave it unset '
                "and Chapterwise generates one"
            )
        return value

    @field_validator("endpoints", "cors_origins", mode="before")
    @classmethod
    def _split_endpoints(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_bounds(self) -> Settings:
        if self.min_workers > self.max_workers:
            raise ValueError(
                f"CHAPTERWISE_MIN_WORKERS ({self.min_workers}) is above CHAPTERWISE_MAX_WORKERS ({self.max_workers})"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        settings_file = _settings_file_path()
        if settings_file.is_file():
            sources.append(JsonConfigSettingsSource(settings_cls, json_file=settings_file))
        return tuple(sources)

    # --- derived places

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'chapterwise.db'}"

    @property
    def paths(self) -> AppPaths:
        """The folders in effect: one folder when ``data_dir`` was given, else the platform's, then overrides."""
        base = one_folder(self.data_dir) if "data_dir" in self.model_fields_set else platform_paths()
        return AppPaths(
            config=base.config,
            data=base.data,
            cache=self.cache_dir or base.cache,
            logs=self.log_dir or base.logs,
            single_folder=base.single_folder,
        )

    @property
    def resolved_cache_dir(self) -> Path:
        return self.paths.cache

    @property
    def settings_path(self) -> Path:
        return self.paths.settings_file

    def effective_max_workers(self) -> int:
        """Upper bound of the adaptive pool: never below the initial count."""
        return max(self.max_workers, self.summary_max_workers)

    def save(self, changes: dict[str, Any]) -> Settings:
        """Validate ``changes`` on top of these settings, write them to the settings file, return the result."""
        current: dict[str, Any] = {}
        if self.settings_path.is_file():
            current = json.loads(self.settings_path.read_text(encoding="utf-8"))
        current.update({k: (v.get_secret_value() if isinstance(v, SecretStr) else v) for k, v in changes.items()})
        # Only the fields that were set: a default data_dir passed back in would switch to one-folder mode.
        candidate = type(self).model_validate({**_plain(self, self.model_fields_set), **current})
        self.settings_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.settings_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, indent=2, default=str), encoding="utf-8")
        tmp.replace(self.settings_path)
        return candidate


def _plain(settings: Settings, fields: set[str]) -> dict[str, Any]:
    data = settings.model_dump(include=fields)
    for key, value in data.items():
        if isinstance(value, SecretStr):
            data[key] = value.get_secret_value()
        elif isinstance(value, Path):
            data[key] = str(value)
    return data


def _settings_file_path() -> Path:
    return app_paths().settings_file


class SettingsError(Exception):
    """A setting has a bad value. The message names the setting, as the user would type it."""


_ENV_NAMES = {
    "use_async_summarization": "USE_ASYNC_SUMMARIZATION",
    "summary_max_workers": "SUMMARY_MAX_WORKERS",
    "skip_pipeline_init": "SKIP_PIPELINE_INIT",
}


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    return _ENV_NAMES.get(field, f"CHAPTERWISE_{field.upper()}")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning a validation error into a :class:`SettingsError` that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as err:
        lines = []
        for problem in err.errors():
            loc = problem.get("loc") or ("settings",)
            field = str(loc[0])
            name = env_name(field) if field in Settings.model_fields else field
            value = problem.get("input")
            secret = field in _SECRET_FIELDS
            shown = f" (got {value!r})" if value is not None and not isinstance(value, dict) and not secret else ""
            lines.append(f"Invalid setting {name}: {problem['msg']}{shown}")
        raise SettingsError("\n".join(lines)) from None
    except _SourceError as err:
        raise SettingsError(str(err).replace('"', "")) from None
    except (json.JSONDecodeError, OSError) as err:
        raise SettingsError(f"Cannot read the settings file {_settings_file_path()}: {err}") from None
