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

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("EIOKU_HOME", ".eioku")).expanduser().resolve()
    database_url = env.get("EIOKU_DATABASE_URL") or f"sqlite:///{home / 'eioku.db'}"
    order = env.get("EIOKU_PROFILE_ORDER")
    return Settings(
        home=home,
        database_url=database_url,
        broker_url=env.get("EIOKU_BROKER_URL") or None,
        default_profile=env.get("EIOKU_DEFAULT_PROFILE", "fast"),
        profile_order=(
            tuple(p.strip() for p in order.split(",") if p.strip())
            if order
            else PROFILE_ORDER_DEFAULT
        ),
    )
