"""How often a running run proves it is alive, and how long a silent one is trusted:
built from the settings here, and nowhere else."""

from dataclasses import dataclass

from pipeline.settings import Settings


@dataclass(frozen=True)
class Timing:
    progress_interval_s: float = 1.0  # least time between two progress writes
    heartbeat_interval_s: float = 10.0
    stale_after_s: float = 120.0  # a running run silent this long may be taken over

    @classmethod
    def from_settings(cls, settings: Settings) -> "Timing":
        return cls(
            heartbeat_interval_s=settings.heartbeat_interval_s,
            stale_after_s=settings.stale_after_s,
        )


DEFAULT_TIMING = Timing()
