"""Frozen settings: defaults, then a TOML configuration file, then the environment.

No module-level state: callers pass Settings on. Every setting has one name, used as the key
of the configuration file (flat, top level) and, upper-cased with the ``GATEWAY_`` prefix, as
its environment variable::

    port = 8443                      # gateway.toml
    GATEWAY_PORT=9443                # environment: wins over the file

`Settings.load()` reads the file named by ``GATEWAY_CONFIG`` (or the path given), applies
the environment and validates the result; every error names the key and where it came from.
`Settings.from_env()` is the same without a file. See docs/operations.md.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import UnionType
from typing import Any

import platformdirs

from gateway.errors import ConfigurationError

ENV_PREFIX = "GATEWAY_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
SECRET_KEYS = frozenset({"admin_token", "metrics_token"})
"""Settings whose value is never shown (`gateway config show`, logs)."""


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
    metrics_token: str | None = None
    """When set, GET /metrics needs it as a bearer token; None: /metrics is open (keep it
    on an internal network)."""
    log_level: str = "INFO"
    log_format: str | None = None
    """json or text; None: text on a terminal, json otherwise."""
    worker_lease_seconds: float = 300.0
    """How long an outbox worker holds a claimed exchange; after that (its process died)
    another worker takes it over and sends it again with the same message id."""
    idempotency_claim_seconds: float = 30.0
    """How long an API request owns its Idempotency-Key; a retry after that (the request's
    process died) takes the key over and runs the request again (gateway.api.idempotent)."""
    rate_limit_partner_per_second: float = 200.0
    """Sustained requests per second per partner API key (0: no limit); per process."""
    rate_limit_partner_burst: int = 1000
    rate_limit_address_per_second: float = 1000.0
    """Sustained requests per second per source address (0: no limit); per process."""
    rate_limit_address_burst: int = 2000
    tls_cert_file: Path | None = None
    """PEM certificate chain of the server; with tls_key_file, `gateway serve` speaks HTTPS
    (TLS 1.2 minimum)."""
    tls_key_file: Path | None = None
    signing_key_file: Path | None = None
    """PEM private key (RSA >= 2048 bits or EC >= P-256, unencrypted; mode 0600) that signs
    outbound documents for partners whose signing policy asks for it (docs/api.md)."""
    signing_cert_file: Path | None = None
    """PEM certificate of signing_key_file (leaf first, then intermediates)."""
    hsts_max_age: int = 31_536_000
    """Strict-Transport-Security max-age (seconds) sent when the service is reached over
    HTTPS (TLS on, or an https public_url); 0: no HSTS header."""
    # Peppol access point (docs/peppol.md): set both AP files to enable POST /as4, the SMP
    # and the peppol-as4 transport. List values are comma-separated, except the CA file
    # lists (os.pathsep, as gateway.peppol.truststore reads them).
    peppol_ap_key_file: Path | None = None
    """PEM private key of our access point (unencrypted; keep it mode 0600)."""
    peppol_ap_cert_file: Path | None = None
    """PEM certificate of our access point (leaf first, then its CA); CN = the seat id."""
    peppol_seat_id: str | None = None
    """Expected seat id (e.g. POP000123); checked against the certificate's CN when set."""
    peppol_participants: str | None = None
    """Our participant ids (``0088:5790000435975``, comma-separated): C1 of what we send
    (the first) and the final recipients we accept and publish."""
    peppol_services: str | None = None
    """What we receive: ``<document type id> <process id>`` pairs separated by ``;``.
    None: Peppol BIS Billing 3.0 invoice and credit note."""
    peppol_country_c1: str | None = None
    """ISO 3166 country of C1 for the SBDH COUNTRY_C1 scope (required to send)."""
    peppol_ap_ca_files: str | None = None
    """Peppol root(s) + access-point CA(s), G2 and/or G3 (PEM paths, os.pathsep-separated)."""
    peppol_smp_ca_files: str | None = None
    """Peppol root(s) + SMP CA(s): verifies SMP responses (needed for discovery)."""
    peppol_sml_zone: str | None = None
    """SML DNS zone for discovery: participant.sml.prod.tech.peppol.org. (production),
    participant.sml.test.tech.peppol.org. (test) or a local zone."""
    peppol_sml_nameservers: str | None = None
    """DNS servers to ask (``ip`` or ``ip:port``, comma-separated); None: the system's."""
    peppol_smp_url: str | None = None
    """A fixed SMP for every receiver instead of the SML lookup (closed networks)."""
    peppol_smp_publish: bool = False
    """Serve our SMP under /smp for peppol_participants (needs the SMP key and certificate)."""
    peppol_smp_key_file: Path | None = None
    peppol_smp_cert_file: Path | None = None
    peppol_as4_url: str | None = None
    """Our AS4 URL as published in the SMP; None: public_url + /as4."""
    peppol_revocation: str = "soft"
    """soft (unknown status accepted and logged), hard (refused, retry later) or off."""
    peppol_crl_sources: str | None = None
    """CRLs to load (http(s):// URLs or file: paths, comma-separated), refreshed hourly;
    the CRL distribution points of the certificates seen are fetched too."""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gateway.sqlite'}"

    @property
    def installed_artefacts_dir(self) -> Path:
        return self.data_dir / "artefacts"

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert_file is not None and self.tls_key_file is not None

    @property
    def peppol_enabled(self) -> bool:
        """The gateway is a Peppol access point (docs/peppol.md)."""
        return self.peppol_ap_key_file is not None and self.peppol_ap_cert_file is not None

    @property
    def served_over_https(self) -> bool:
        return self.tls_enabled or (self.public_url or "").lower().startswith("https://")

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
        """Defaults overridden by ``GATEWAY_*`` variables (no configuration file)."""
        values = _env_values(os.environ if env is None else env)
        return cls(**values).validated()

    @classmethod
    def load(
        cls, config_path: Path | str | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        """Defaults < the TOML file (`config_path`, else ``GATEWAY_CONFIG``) < ``GATEWAY_*``."""
        source = os.environ if env is None else env
        path = config_path or source.get(CONFIG_ENV) or None
        values = read_config_file(Path(path)) if path else {}
        values |= _env_values(source)
        return cls(**values).validated()

    def validated(self) -> Settings:
        """This object if every value is in range; else ConfigurationError naming the key."""
        for problem in _range_problems(self):
            raise ConfigurationError(problem, code="invalid-setting")
        return self

    def public_view(self) -> dict[str, Any]:
        """Every setting as plain data, secrets masked (the database password too)."""
        view: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in SECRET_KEYS and value:
                value = "********"
            elif item.name == "database_url" and value:
                value = _masked_url(value)
            view[item.name] = str(value) if isinstance(value, Path) else value
        view["effective_database_url"] = _masked_url(self.effective_database_url)
        return view


def setting_names() -> tuple[str, ...]:
    return tuple(item.name for item in fields(Settings))


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings of a TOML file, converted and type-checked; unknown keys are errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file {path} does not exist "
                                 f"({CONFIG_ENV})", code="invalid-setting") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"configuration file {path} cannot be read: {exc}",
                                 code="invalid-setting") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"configuration file {path} is not valid TOML: {exc}",
                                 code="invalid-setting") from None
    known = setting_names()
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
            raise ConfigurationError(f"{path}: unknown key {key!r} ({hint})",
                                     code="invalid-setting")
        values[key] = _convert(key, raw, f"{path}: key {key!r}", from_text=False)
    return values


def _env_values(source: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in setting_names():
        raw = source.get(env_name(key))
        if raw:  # an empty variable counts as unset
            values[key] = _convert(key, raw, env_name(key), from_text=True)
    return values


def _field_type(key: str) -> tuple[type, bool]:
    """The value type of a setting and whether it may be None."""
    hint = typing.get_type_hints(Settings)[key]
    if isinstance(hint, UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _convert(key: str, raw: object, where: str, *, from_text: bool) -> Any:
    kind, optional = _field_type(key)
    if optional and not from_text and raw == "":
        return None
    converter = _CONVERTERS[kind]
    try:
        return converter(raw, from_text)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{where}: expected {_KIND_NAMES[kind]}, got {raw!r}", code="invalid-setting"
        ) from None


def _to_int(raw: object, from_text: bool) -> int:
    if from_text and isinstance(raw, str):
        return int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise TypeError
    return raw


def _to_float(raw: object, from_text: bool) -> float:
    if from_text and isinstance(raw, str):
        value = float(raw.strip())
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        raise TypeError
    if not math.isfinite(value):
        raise ValueError
    return value


def _to_str(raw: object, from_text: bool) -> str:
    if not isinstance(raw, str):
        raise TypeError
    return raw


def _to_path(raw: object, from_text: bool) -> Path:
    return Path(_to_str(raw, from_text)).expanduser()


_TRUE_TEXT = frozenset({"1", "true", "yes", "on"})
_FALSE_TEXT = frozenset({"0", "false", "no", "off"})


def _to_bool(raw: object, from_text: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if from_text and isinstance(raw, str) and raw.strip().lower() in _TRUE_TEXT | _FALSE_TEXT:
        return raw.strip().lower() in _TRUE_TEXT
    raise TypeError


_CONVERTERS: dict[type, Callable[[object, bool], Any]] = {
    int: _to_int, float: _to_float, str: _to_str, Path: _to_path, bool: _to_bool,
}
_KIND_NAMES = {int: "an integer", float: "a number", str: "a string", Path: "a path (string)",
               bool: "true or false"}


def _range_problems(settings: Settings) -> list[str]:
    problems: list[str] = []

    def check(ok: bool, key: str, rule: str) -> None:
        if not ok:
            problems.append(f"setting {key!r} ({env_name(key)}) {rule}; "
                            f"got {getattr(settings, key)!r}")

    check(0 <= settings.port <= 65535, "port", "must be between 0 and 65535")
    check(settings.workers >= 0, "workers", "must be 0 or more")
    check(settings.max_document_bytes > 0, "max_document_bytes", "must be positive")
    check(settings.worker_lease_seconds > 0, "worker_lease_seconds", "must be positive")
    check(settings.idempotency_claim_seconds > 0, "idempotency_claim_seconds", "must be positive")
    check(settings.log_level.upper() in LOG_LEVELS, "log_level",
          f"must be one of {', '.join(LOG_LEVELS)}")
    check(settings.log_format is None or settings.log_format in LOG_FORMATS, "log_format",
          f"must be one of {', '.join(LOG_FORMATS)}")
    for scope in ("partner", "address"):
        check(getattr(settings, f"rate_limit_{scope}_per_second") >= 0,
              f"rate_limit_{scope}_per_second", "must be 0 (no limit) or more")
        check(getattr(settings, f"rate_limit_{scope}_burst") >= 1,
              f"rate_limit_{scope}_burst", "must be at least 1")
    check(settings.hsts_max_age >= 0, "hsts_max_age", "must be 0 or more")
    problems += _tls_problems(settings)
    problems += _peppol_problems(settings)
    return problems


PEPPOL_REVOCATION_POLICIES = ("soft", "hard", "off")


def _peppol_problems(settings: Settings) -> list[str]:
    """File presence and enumerations; the contents are checked when the app builds the
    access point (gateway.peppol.access_point), with the setting named too."""
    problems = []
    if settings.peppol_revocation not in PEPPOL_REVOCATION_POLICIES:
        problems.append(f"setting 'peppol_revocation' ({env_name('peppol_revocation')}) must be "
                        f"one of {', '.join(PEPPOL_REVOCATION_POLICIES)}; "
                        f"got {settings.peppol_revocation!r}")
    pairs = (("peppol_ap_key_file", "peppol_ap_cert_file"),
             ("peppol_smp_key_file", "peppol_smp_cert_file"),
             ("signing_key_file", "signing_cert_file"))
    for first, second in pairs:
        if (getattr(settings, first) is None) != (getattr(settings, second) is None):
            missing = first if getattr(settings, first) is None else second
            problems.append(f"setting {missing!r} ({env_name(missing)}) is required when "
                            f"{first if missing == second else second!r} is set")
    for name in (name for pair in pairs for name in pair):
        path = getattr(settings, name)
        if path is not None and not path.is_file():
            problems.append(f"setting {name!r} ({env_name(name)}): file {path} does not exist")
    return problems


def _tls_problems(settings: Settings) -> list[str]:
    cert, key = settings.tls_cert_file, settings.tls_key_file
    if (cert is None) != (key is None):
        missing = "tls_key_file" if key is None else "tls_cert_file"
        return [f"setting {missing!r} ({env_name(missing)}) is required when the other TLS "
                "file is set"]
    return [f"setting {name!r} ({env_name(name)}): file {path} does not exist"
            for name, path in (("tls_cert_file", cert), ("tls_key_file", key))
            if path is not None and not path.is_file()]


def _masked_url(url: str) -> str:
    from gateway.db.engine import redacted  # imported late: it loads SQLAlchemy

    try:
        return redacted(url)
    except Exception:
        return "<unparseable URL>"
