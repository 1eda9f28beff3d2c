"""Settings read from the environment (documented in README.md, "Settings")."""

import os
from dataclasses import dataclass, field
from pathlib import Path

PROFILE_ORDER_DEFAULT = ("high_quality", "balanced", "fast")


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
    allowed_roots: tuple[Path, ...] = ()  # POST /v1/videos accepts files under these only

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def models_path(self) -> Path:
        """Where model files assembled or converted by Eioku are kept."""
        return self.models_dir if self.models_dir is not None else self.home / "models"


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
        visibility_timeout_s=int(env.get("EIOKU_VISIBILITY_TIMEOUT", 6 * 3600)),
        heartbeat_interval_s=float(env.get("EIOKU_HEARTBEAT_INTERVAL", 10)),
        stale_after_s=float(env.get("EIOKU_STALE_AFTER", 120)),
        max_attempts=int(env.get("EIOKU_MAX_ATTEMPTS", 3)),
        reconcile_interval_s=float(env.get("EIOKU_RECONCILE_INTERVAL", 30)),
        profile_order=_names(order) or PROFILE_ORDER_DEFAULT,
        allowed_roots=tuple(
            Path(root).expanduser().resolve() for root in _names(env.get("EIOKU_ALLOWED_ROOTS"))
        ),
    )


def _names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list, blanks dropped."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())
