"""Settings read from the environment (documented in docs/operations.md, "Settings").

``load_settings`` is the one place an ``EIOKU_*`` variable is read: the entry points (the
CLI, the API app, the Celery app, the benches) call it once and pass the ``Settings`` down
(a test checks that no other module reads the environment's ``EIOKU_*``)."""

import math
import os
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


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("EIOKU_HOME", ".eioku")).expanduser().resolve()
    database_url = env.get("EIOKU_DATABASE_URL") or f"sqlite:///{home / 'eioku.db'}"
    order = env.get("EIOKU_PROFILE_ORDER")
    return Settings(
        home=home,
        database_url=database_url,
        broker_url=env.get("EIOKU_BROKER_URL") or None,
        models_dir=(
            Path(env["EIOKU_MODELS_DIR"]).expanduser().resolve()
            if env.get("EIOKU_MODELS_DIR")
            else None
        ),
        default_profile=env.get("EIOKU_DEFAULT_PROFILE", "fast"),
        analyzer_plugins=_names(env.get("EIOKU_ANALYZER_PLUGINS")),
        visibility_timeout_s=_integer(env, "EIOKU_VISIBILITY_TIMEOUT", 6 * 3600),
        heartbeat_interval_s=_number(env, "EIOKU_HEARTBEAT_INTERVAL", 10),
        stale_after_s=_number(env, "EIOKU_STALE_AFTER", 120),
        max_attempts=_integer(env, "EIOKU_MAX_ATTEMPTS", 3),
        reconcile_interval_s=_number(env, "EIOKU_RECONCILE_INTERVAL", 30),
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


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    return _positive(env, name, default, float, "a number")


def _integer(env: Mapping[str, str], name: str, default: D) -> int | D:
    return _positive(env, name, default, int, "a whole number")


def _positive(
    env: Mapping[str, str], name: str, default: D, parse: Callable[[str], N], kind: str
) -> N | D:
    """A positive finite value of ``name`` read with ``parse``, else ``default``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not {kind}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name}={raw!r} is not a positive finite number")
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
