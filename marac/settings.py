"""Typed settings read from ``MARAC_*`` environment variables (and a ``.env`` file).

Each concern has a small frozen dataclass; :func:`get_settings` builds them once.  Tests set the
environment and call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"MARAC_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw is not None else default


def _persistent_secret(var_dir: Path, filename: str) -> str:
    """A random secret kept under ``var/`` so that the embedded default needs no set-up.

    Production sets the variable instead; the file is created with owner-only permissions.
    """
    path = var_dir / filename
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    echo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class SecuritySettings:
    secret_key: str
    data_keys: tuple[str, ...]  # first encrypts; all decrypt (rotation)
    # Keys the blind indexes; never rotated with the data key, or every index would need recomputing.
    index_key: str = ""
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None
    mail_dir: Path
    sender: str
    protective_marking: str = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    base_url: str
    database: DatabaseSettings
    security: SecuritySettings
    mail: MailSettings
    templates_dir: Path
    log_level: str = "INFO"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    load_dotenv(Path.cwd() / ".env", override=False)
    var_dir = Path(_env("VAR_DIR", "var") or "var").resolve()
    database_url = _env("DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'marac.db'}"
    secret_key = _env("SECRET_KEY") or _persistent_secret(var_dir, "secret_key")
    data_key = _env("DATA_KEY") or _persistent_secret(var_dir, "data_key")
    old_keys = [k for k in (_env("DATA_KEY_OLD") or "").split(",") if k]
    package_root = Path(__file__).resolve().parent.parent
    return Settings(
        var_dir=var_dir,
        base_url=(_env("BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        database=DatabaseSettings(url=database_url, echo=_env("DATABASE_ECHO") == "1"),
        security=SecuritySettings(
            secret_key=secret_key,
            data_keys=(data_key, *old_keys),
            index_key=_env("INDEX_KEY") or _persistent_secret(var_dir, "index_key"),
            session_idle_minutes=_int("SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int("SESSION_MAX_HOURS", 12),
            login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
            login_lockout_minutes=_int("LOGIN_LOCKOUT_MINUTES", 15),
        ),
        mail=MailSettings(
            smtp_url=_env("SMTP_URL"),
            mail_dir=Path(_env("MAIL_DIR") or str(var_dir / "mail")),
            sender=_env("MAIL_FROM") or "marac@localhost",
            protective_marking=_env("PROTECTIVE_MARKING") or "OFFICIAL-SENSITIVE",
        ),
        templates_dir=Path(_env("TEMPLATES_DIR") or str(package_root / "templates" / "docx")),
        log_level=_env("LOG_LEVEL") or "INFO",
    )
