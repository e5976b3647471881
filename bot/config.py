"""Settings of the bot process, read from environment variables (pydantic-settings).

Usage::

    TELEGRAM_BOT_TOKEN=123:abc python -m bot                 # the real bot, long polling
    TELEGRAM_BOT_TOKEN=123:abc LIQCALC_WEBHOOK_URL=https://bot.example.com/tg \\
        LIQCALC_WEBHOOK_SECRET=s3cret python -m bot            # webhook behind a TLS proxy
    python -m bot                                            # no token: console chat

Variables: ``TELEGRAM_BOT_TOKEN``, ``TELEGRAM_API_BASE_URL`` (a local Bot API server or a test
emulator, like ``http://127.0.0.1:8081/bot``) and ``LIQCALC_*`` for the rest (``LIQCALC_DB``,
``LIQCALC_MODE``, ``LIQCALC_WEBHOOK_*``, ``LIQCALC_USER_RATE_LIMIT``, ...; see :class:`BotSettings`).
The token is a ``SecretStr``: it never shows in ``repr``, logs or error messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.wheel_host import LITE_ORIGIN, WheelSettings
from market.catalog import cache_location

__all__ = ["BotSettings", "file_base_url"]

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def file_base_url(base_url: str) -> str:
    """The file-download base derived from an API base: ``…/bot`` → ``…/file/bot``.

    >>> file_base_url("http://127.0.0.1:8081/bot")
    'http://127.0.0.1:8081/file/bot'
    >>> file_base_url("http://localhost/api/bot{token}")
    'http://localhost/api/file/bot{token}'
    """
    head, sep, tail = base_url.rpartition("/bot")
    if not sep:
        raise ValueError(f"API base URL {base_url!r} has no '/bot' part; type it like http://127.0.0.1:8081/bot")
    return f"{head}/file/bot{tail}"


class BotSettings(BaseSettings):
    """Everything the process reads from the environment, validated once at start."""

    model_config = SettingsConfigDict(env_prefix="LIQCALC_", extra="ignore", populate_by_name=True, frozen=True)

    token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("token", "TELEGRAM_BOT_TOKEN"))
    api_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("api_base_url", "TELEGRAM_API_BASE_URL")
    )
    db: str = Field(default="liqcalc.sqlite3", description="SQLite path, or a postgresql:// URL")
    mode: Literal["auto", "polling", "webhook"] = "auto"
    webhook_url: str | None = Field(default=None, description="public HTTPS URL Telegram posts updates to")
    webhook_secret: SecretStr | None = Field(default=None, description="X-Telegram-Bot-Api-Secret-Token value")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str | None = Field(default=None, description="local path; default: the path of webhook_url")
    inbox: str | None = Field(
        default=None, description="journal of updates taken but not answered; default beside LIQCALC_DB; 'off'"
    )
    poll_timeout: int = Field(default=10, ge=0, le=50, description="getUpdates long-poll seconds")
    concurrency: int = Field(default=256, ge=1, le=4096, description="updates handled at once")
    connection_pool: int = Field(default=8, ge=1, le=1024, description="HTTP connections to the Bot API")
    user_rate_limit: int = Field(default=10, ge=0, description="commands per user per window; 0: no limit")
    user_rate_window: float = Field(default=60.0, gt=0, description="seconds")
    telegram_overall_rate: float = Field(default=30.0, ge=0, description="messages/s to Telegram; 0: no limit")
    telegram_group_rate: float = Field(default=20.0, ge=0, description="messages/min per group; 0: no limit")
    flood_wait: float = Field(
        default=600.0,
        gt=0,
        le=3600,
        description="seconds of Telegram 429s one answer waits out before a restart keeps it",
    )
    admin_chat_id: int | None = Field(default=None, description="chat that receives error reports")
    market_db: str | None = Field(
        default=None,
        description="market-data cache: SQLite path or postgresql:// URL; default beside LIQCALC_DB; 'off': bundled only",
    )
    market_refresh_hours: float = Field(default=24.0, gt=0, description="hours between refreshes of every venue")
    watch_interval: float = Field(
        default=10.0, ge=0.2, le=600, description="seconds between polls of the watched marks"
    )
    binance_api_key: SecretStr | None = Field(default=None, description="read-only key for the signed brackets")
    binance_api_secret: SecretStr | None = None
    log_level: str = "INFO"
    wheel_port: int | None = Field(default=None, ge=1, le=65535, description="serve liqcalc's wheel for xlwings Lite")
    wheel_dir: str = Field(default="dist", description="where make dist puts the wheel")
    wheel_listen: str = "127.0.0.1"
    wheel_cert: str | None = Field(default=None, description="PEM certificate: HTTPS (Lite needs it)")
    wheel_key: str | None = Field(default=None, description="PEM private key of wheel_cert")
    wheel_origin: str = Field(default=LITE_ORIGIN, description="Access-Control-Allow-Origin")

    @field_validator("token", "webhook_secret", "binance_api_key", "binance_api_secret", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("wheel_port", "wheel_cert", "wheel_key", mode="before")
    @classmethod
    def _blank_wheel_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @property
    def wheel(self) -> WheelSettings | None:
        """The wheel host's settings, or None when ``LIQCALC_WHEEL_PORT`` is not set."""
        if self.wheel_port is None:
            return None
        return WheelSettings(
            port=self.wheel_port, directory=Path(self.wheel_dir), listen=self.wheel_listen,
            cert=Path(self.wheel_cert) if self.wheel_cert else None, key=Path(self.wheel_key) if self.wheel_key else None,
            origin=self.wheel_origin,
        )  # fmt: skip

    @field_validator("api_base_url", "webhook_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("api_base_url")
    @classmethod
    def _has_bot_part(cls, value: str | None) -> str | None:
        if value is not None:
            file_base_url(value)
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> BotSettings:
        if self.run_mode == "webhook":
            if not self.webhook_url:
                raise ValueError("webhook mode needs LIQCALC_WEBHOOK_URL, the public https:// address")
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not _SECRET.match(secret):
                raise ValueError(
                    "webhook mode needs LIQCALC_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -"
                )
        if (self.wheel_cert is None) != (self.wheel_key is None):
            raise ValueError("give both LIQCALC_WHEEL_CERT and LIQCALC_WHEEL_KEY (PEM files), or neither")
        return self

    @property
    def run_mode(self) -> Literal["console", "polling", "webhook"]:
        """``console`` without a token; else the chosen mode (``auto``: webhook when a URL is set)."""
        if self.token is None:
            return "console"
        if self.mode == "auto":
            return "webhook" if self.webhook_url else "polling"
        return self.mode

    @property
    def base_url(self) -> str:
        """Bot API base the token is appended to."""
        return self.api_base_url or TELEGRAM_BASE_URL

    @property
    def base_file_url(self) -> str:
        """File-download base, derived from :attr:`base_url`."""
        return file_base_url(self.base_url)

    @property
    def inbox_path(self) -> Path | None:
        """Where the update journal lives (:mod:`bot.inbox`); ``None`` in the console, for an in-memory
        ``LIQCALC_DB``, or when ``off``.

        Default: beside an SQLite ``LIQCALC_DB`` (``liqcalc.sqlite3`` → ``liqcalc-inbox.sqlite3``),
        else in the working folder. A journal belongs to one process: only one process can poll a
        token, and webhook workers are told apart by their port (``liqcalc-inbox-8443.sqlite3``).
        """
        db = self.db.strip().removeprefix("sqlite:///")
        if self.run_mode == "console" or (self.inbox or "").strip().lower() == "off" or db == ":memory:":
            return None
        if self.inbox:
            return Path(self.inbox)
        path = Path("liqcalc.sqlite3" if "://" in db or not db else db)
        worker = f"-{self.webhook_port}" if self.run_mode == "webhook" else ""
        return path.with_name(f"{path.stem}-inbox{worker}.sqlite3")

    @property
    def market_location(self) -> str | None:
        """Where fetched market data is cached; ``None``: ``off`` (bundled tables only, nothing fetched).

        Default: beside an SQLite ``LIQCALC_DB`` (``liqcalc.sqlite3`` → ``liqcalc-market.sqlite3``), or
        the same PostgreSQL database (several instances share one cache).
        """
        return cache_location(self.market_db, self.db)

    @property
    def local_webhook_path(self) -> str:
        """The path the webhook server listens on, without the leading slash."""
        if self.webhook_path is not None:
            return self.webhook_path.lstrip("/")
        return urlparse(self.webhook_url or "").path.lstrip("/")
