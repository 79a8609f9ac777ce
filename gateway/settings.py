"""Frozen settings read from the environment. No module-level state: callers pass Settings on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from gateway.errors import ConfigurationError

ENV_PREFIX = "GATEWAY_"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("einvoice-gateway", appauthor=False))


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None  # None: SQLite file in data_dir
    artefacts_dir: Path | None = None  # None: data_dir/artefacts when installed there
    max_document_bytes: int = 32 * 1024 * 1024
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    public_url: str | None = None
    admin_token: str | None = None
    log_level: str = "INFO"
    worker_lease_seconds: float = 300.0
    """How long an outbox worker holds a claimed exchange; after that (its process died)
    another worker takes it over and sends it again with the same message id."""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gateway.sqlite'}"

    @property
    def installed_artefacts_dir(self) -> Path:
        return self.data_dir / "artefacts"

    def resolved_artefacts_dir(self) -> Path | None:
        """The explicit artefacts dir, else the installed copy if present, else None."""
        if self.artefacts_dir is not None:
            return self.artefacts_dir
        installed = self.installed_artefacts_dir
        return installed if (installed / "MANIFEST.json").exists() else None

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = source.get(ENV_PREFIX + name)
            return value if value else None

        base = cls()
        try:
            return cls(
                data_dir=Path(get("DATA_DIR") or base.data_dir),
                database_url=get("DATABASE_URL"),
                artefacts_dir=Path(p) if (p := get("ARTEFACTS_DIR")) else None,
                max_document_bytes=int(get("MAX_DOCUMENT_BYTES") or base.max_document_bytes),
                host=get("HOST") or base.host,
                port=int(get("PORT") or base.port),
                workers=int(get("WORKERS") or base.workers),
                public_url=get("PUBLIC_URL"),
                admin_token=get("ADMIN_TOKEN"),
                log_level=get("LOG_LEVEL") or base.log_level,
                worker_lease_seconds=float(get("WORKER_LEASE_SECONDS")
                                           or base.worker_lease_seconds),
            )
        except ValueError as exc:
            raise ConfigurationError(f"invalid {ENV_PREFIX}* setting: {exc}") from None
