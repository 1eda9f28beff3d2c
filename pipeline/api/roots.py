"""The allowed roots: the API reads and accepts only files whose real path (symlinks
resolved, so no link leads outside) lies under one of EIOKU_ALLOWED_ROOTS; the same for
model folders named in a request and EIOKU_ALLOWED_MODEL_ROOTS."""

import os
from pathlib import Path
from typing import Any

from pipeline.api.errors import ApiError, invalid


def real_path_under(path: str, roots: tuple[Path, ...]) -> Path | None:
    """The real path of ``path`` when it lies under one of ``roots``, else None."""
    try:
        real = Path(os.path.realpath(path))
    except (ValueError, OSError):
        return None
    if real.is_absolute() and any(real.is_relative_to(root) for root in roots):
        return real
    return None


def allowed_path(path: str, roots: tuple[Path, ...], field: str = "path") -> str:
    """The real path of a file a request names; 403 when it is outside ``roots``."""
    if "\x00" in path:
        raise invalid(field, "not a valid path")
    real = real_path_under(path, roots)
    if real is None:
        raise ApiError(403, "path_not_allowed", "path is outside the allowed roots", field)
    return str(real)


def is_server_path_setting(key: str) -> bool:
    """Analyzer settings that name a file or folder on the server (`model_path`,
    `model_dir`, `models_dir`...) end in `_path` or `_dir`."""
    return key.endswith(("_path", "_dir"))


def check_model_paths(overrides: dict[str, dict[str, Any]], roots: tuple[Path, ...]) -> None:
    """Every server path in ``overrides`` must lie under a models root (403 otherwise);
    each is replaced by its real path, so a link swapped later cannot redirect it."""
    for analyzer, settings in overrides.items():
        for key, value in settings.items():
            if is_server_path_setting(key) and value is not None:
                field = f"overrides.{analyzer}.{key}"
                if not isinstance(value, str):
                    raise invalid(field, "expected a path")
                settings[key] = allowed_path(value, roots, field)
