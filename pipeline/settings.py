"""Settings read from the environment (documented in docs/operations.md, "Settings").

``load_settings`` is the one place an ``EIOKU_*`` variable is read: the entry points (the
CLI, the API app, the Celery app, the benches) call it once and pass the ``Settings`` down
(a test checks that no other module reads the environment's ``EIOKU_*``)."""

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pipeline.errors import EiokuError

PROFILE_ORDER_DEFAULT = ("high_quality", "balanced", "fast")
MAX_BODY_BYTES_DEFAULT = 1024 * 1024
FRAME_DECODES_DEFAULT = 2
MAX_FRAME_PIXELS_DEFAULT = 4096 * 4096  # 4K (DCI and UHD) frames; 8K is refused
HISTORY_RETENTION_DEFAULT = 1000
DEVICE_VARIABLE = "EIOKU_DEVICE"
MODEL_VARIABLE = "EIOKU_MODEL"
HOME_VARIABLE = "EIOKU_HOME"
DATABASE_VARIABLE = "EIOKU_DATABASE_URL"
PLUGINS_VARIABLE = "EIOKU_ANALYZER_PLUGINS"
# the largest values a setting may take: beyond them timers, timestamps and the
# databases' integers overflow
MAX_SECONDS = 365 * 24 * 3600
MAX_COUNT = 2**31 - 1
MAX_SHOWN = 40  # characters of a refused value quoted in its message
# backend -> the drivers installed for it (None: SQLAlchemy's default for the backend)
DATABASE_DRIVERS = {
    "sqlite": (None, "pysqlite"),
    "postgresql": (None, "psycopg"),
    "postgres": (None, "psycopg"),
}
DATABASE_URL_START = re.compile(r"(?P<backend>[A-Za-z][A-Za-z0-9]*)(?:\+(?P<driver>\w+))?://")

N = TypeVar("N", int, float)
D = TypeVar("D", int, float, None)


class SettingsError(EiokuError, ValueError):
    """An environment variable has a value Eioku cannot use; the message names it."""

    code = "invalid_setting"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    broker_url: str | None = None
    default_profile: str = "fast"
    profile_order: tuple[str, ...] = field(default=PROFILE_ORDER_DEFAULT)
    models_dir: Path | None = None  # None: $home/models
    analyzer_plugins: tuple[str, ...] = ()
    visibility_timeout_s: int = 6 * 3600
    heartbeat_interval_s: float = 10.0
    stale_after_s: float = 120.0
    max_attempts: int = 3
    reconcile_interval_s: float = 30.0
    segment_s: float = 300.0  # a long video's run is planned as windows of about this
    allowed_roots: tuple[Path, ...] = ()  # the API reads and accepts files under these only
    allowed_model_roots: tuple[Path, ...] = ()  # API requests may name model paths under these
    api_tokens: tuple[str, ...] = ()  # bearer tokens that may read and write
    api_read_tokens: tuple[str, ...] = ()  # bearer tokens that may only read
    metrics_public: bool = False  # /metrics without a token even when tokens are set
    max_body_bytes: int = MAX_BODY_BYTES_DEFAULT
    frame_decodes: int = FRAME_DECODES_DEFAULT  # concurrent frame decodes in the API
    max_frame_pixels: int = MAX_FRAME_PIXELS_DEFAULT
    profiles_file: Path | None = None  # None: $home/profiles.toml
    history_retention: int = HISTORY_RETENTION_DEFAULT
    analyze_stamps: bool = True  # a plain `eioku analyze` already answered skips the planner
    device: str = "auto"  # of every model analyzer, unless its own variable names another
    # (variable name, value) of every EIOKU_DEVICE_<ANALYZER> and EIOKU_MODEL_<ANALYZER>_<PROFILE>
    analyzer_devices: tuple[tuple[str, str], ...] = ()
    model_overrides: tuple[tuple[str, str], ...] = ()
    threads: int | None = None  # per worker process; None: the cores ÷ the concurrency
    pin_cores: bool = True  # each worker pool process on its own share of the cores

    @property
    def requires_token(self) -> bool:
        return bool(self.api_tokens or self.api_read_tokens)

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def database_variable(self) -> str:
        """The variable that names the database: the default one lives in the home."""
        default = self.database_url == default_database_url(self.home)
        return HOME_VARIABLE if default else DATABASE_VARIABLE

    @property
    def models_path(self) -> Path:
        """Where model files assembled or converted by Eioku are kept."""
        return self.models_dir if self.models_dir is not None else self.home / "models"

    @property
    def profiles_path(self) -> Path:
        return self.profiles_file if self.profiles_file is not None else self.home / "profiles.toml"

    @property
    def weights_cache_file(self) -> Path:
        """The remembered sha256 of model weights, per path, size and mtime."""
        return self.home / "cache" / "weights-sha256.json"

    def device_for(self, analyzer: str) -> str:
        """The device ``analyzer`` asks for, as written: its own variable wins."""
        own = dict(self.analyzer_devices).get(device_variable(analyzer), "").strip()
        return own or self.device

    def model_override(self, analyzer: str, profile: str) -> str | None:
        """The environment's model for one analyzer x profile, if it names one."""
        return dict(self.model_overrides).get(model_variable(analyzer, profile), "").strip() or None


def device_variable(analyzer: str) -> str:
    return f"{DEVICE_VARIABLE}_{analyzer}".upper().replace("-", "_")


def model_variable(analyzer: str, profile: str) -> str:
    return f"{MODEL_VARIABLE}_{analyzer}_{profile}".upper().replace("-", "_")


def default_database_url(home: Path) -> str:
    return f"sqlite:///{home / 'eioku.db'}"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = _folder(HOME_VARIABLE, env.get(HOME_VARIABLE) or ".eioku")
    database_url = env.get(DATABASE_VARIABLE) or default_database_url(home)
    _check_database_url(database_url)
    order = env.get("EIOKU_PROFILE_ORDER")
    return Settings(
        home=home,
        database_url=database_url,
        broker_url=env.get("EIOKU_BROKER_URL") or None,
        models_dir=(
            _folder("EIOKU_MODELS_DIR", env["EIOKU_MODELS_DIR"])
            if env.get("EIOKU_MODELS_DIR")
            else None
        ),
        default_profile=env.get("EIOKU_DEFAULT_PROFILE", "fast"),
        analyzer_plugins=_plugins(env.get(PLUGINS_VARIABLE)),
        visibility_timeout_s=_integer(env, "EIOKU_VISIBILITY_TIMEOUT", 6 * 3600, MAX_SECONDS),
        heartbeat_interval_s=_number(env, "EIOKU_HEARTBEAT_INTERVAL", 10),
        stale_after_s=_number(env, "EIOKU_STALE_AFTER", 120),
        max_attempts=_integer(env, "EIOKU_MAX_ATTEMPTS", 3),
        reconcile_interval_s=_number(env, "EIOKU_RECONCILE_INTERVAL", 30),
        segment_s=_number(env, "EIOKU_SEGMENT_S", 300),
        profile_order=_names(order) or PROFILE_ORDER_DEFAULT,
        allowed_roots=_folders(env.get("EIOKU_ALLOWED_ROOTS")),
        allowed_model_roots=_folders(env.get("EIOKU_ALLOWED_MODEL_ROOTS")),
        api_tokens=_names(env.get("EIOKU_API_TOKEN")),
        api_read_tokens=_names(env.get("EIOKU_API_READ_TOKEN")),
        metrics_public=_flag(env, "EIOKU_METRICS_PUBLIC"),
        max_body_bytes=_integer(env, "EIOKU_API_MAX_BODY_BYTES", MAX_BODY_BYTES_DEFAULT),
        frame_decodes=_integer(env, "EIOKU_API_FRAME_DECODES", FRAME_DECODES_DEFAULT),
        max_frame_pixels=_integer(env, "EIOKU_API_MAX_FRAME_PIXELS", MAX_FRAME_PIXELS_DEFAULT),
        profiles_file=(
            Path(env["EIOKU_PROFILES"]).expanduser().resolve()
            if env.get("EIOKU_PROFILES")
            else None
        ),
        history_retention=_integer(env, "EIOKU_HISTORY_RETENTION", HISTORY_RETENTION_DEFAULT),
        analyze_stamps=_flag(env, "EIOKU_ANALYZE_STAMPS", default=True),
        device=env.get(DEVICE_VARIABLE, "").strip() or "auto",
        analyzer_devices=_prefixed(env, f"{DEVICE_VARIABLE}_"),
        model_overrides=_prefixed(env, f"{MODEL_VARIABLE}_"),
        threads=_integer(env, "EIOKU_THREADS", None),
        pin_cores=_flag(env, "EIOKU_PIN_CORES", default=True),
    )


def _prefixed(env: Mapping[str, str], prefix: str) -> tuple[tuple[str, str], ...]:
    """Every set variable whose name starts with ``prefix``, sorted by name."""
    return tuple(
        sorted((name, value) for name, value in env.items() if name.startswith(prefix) and value)
    )


def _names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list, blanks dropped."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _folders(value: str | None) -> tuple[Path, ...]:
    return tuple(Path(folder).expanduser().resolve() for folder in _names(value))


def _folder(name: str, raw: str) -> Path:
    """The folder ``raw`` names, which may not exist yet; refused when it, or the nearest
    part of it that exists, is not a folder. Whether a missing folder can be created is
    learnt when it first is (the message then names the variable too)."""
    path = Path(raw).expanduser().resolve()
    try:
        existing = next(part for part in (path, *path.parents) if part.exists())
    except OSError as exc:  # a name or a path too long
        raise SettingsError(f"{name}={raw!r} cannot be used ({exc.strerror})") from None
    if existing == path and not path.is_dir():
        raise SettingsError(f"{name}={raw!r} is not a folder")
    if not existing.is_dir():
        raise SettingsError(f"{name}={raw!r} cannot be created: {existing} is not a folder")
    return path


def _check_database_url(url: str) -> None:
    """A URL of a database Eioku can open. The value is not repeated: it may hold a
    password."""
    start = DATABASE_URL_START.match(url)
    if start is None:
        raise SettingsError(
            f"{DATABASE_VARIABLE} is not a database URL: expected sqlite:///PATH "
            "or postgresql://USER@HOST/DATABASE"
        )
    backend, driver = start["backend"].lower(), start["driver"]
    if backend not in DATABASE_DRIVERS:
        raise SettingsError(
            f"{DATABASE_VARIABLE} names a {backend!r} database: Eioku uses sqlite or postgresql"
        )
    if driver not in DATABASE_DRIVERS[backend]:
        raise SettingsError(
            f"{DATABASE_VARIABLE} names the driver {driver!r}, which is not installed: "
            f"use {backend}:// or {backend}+{DATABASE_DRIVERS[backend][1]}://"
        )


def _plugins(value: str | None) -> tuple[str, ...]:
    """``module:Class`` names; whether each imports is learnt when the catalog loads it."""
    plugins = _names(value)
    for plugin in plugins:
        module_name, _, class_name = plugin.partition(":")
        if not module_name or not class_name:
            raise SettingsError(f"{PLUGINS_VARIABLE}: {plugin!r} is not of the form module:Class")
    return plugins


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    """Seconds, at most ``MAX_SECONDS``."""
    return _positive(env, name, default, float, "a number", MAX_SECONDS)


def _integer(env: Mapping[str, str], name: str, default: D, maximum: int = MAX_COUNT) -> int | D:
    return _positive(env, name, default, int, "a whole number", maximum)


def _positive(
    env: Mapping[str, str],
    name: str,
    default: D,
    parse: Callable[[str], N],
    kind: str,
    maximum: int,
) -> N | D:
    """A positive finite value of ``name`` up to ``maximum``, read with ``parse``, else
    ``default``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    shown = raw if len(raw) <= MAX_SHOWN else f"{raw[:MAX_SHOWN]}..."
    try:
        value = parse(raw)
    except ValueError:  # also a number of more digits than int() reads
        raise SettingsError(f"{name}={shown!r} is not {kind}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name}={shown!r} is not a positive finite number")
    if value > maximum:
        raise SettingsError(f"{name}={shown!r} is more than {maximum}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}={raw!r} is not true or false")
