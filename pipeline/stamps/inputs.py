"""The key of a stamp: everything outside the database that the answer to a plain
`eioku analyze` of one file depends on, read with the standard library alone."""

import hashlib
import json
import os
import site
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from pipeline.analysis.consulted import file_signature
from pipeline.media.fingerprint import FileStat
from pipeline.settings import Settings

STAMP_FORMAT = 1
CODE_PACKAGES = ("pipeline", "workers", "schemas")
# CUDA_* and NVIDIA_* decide what a device `auto` finds; every EIOKU_* setting (models,
# devices included) is in the Settings, also part of the key
ENVIRONMENT_PREFIXES = ("CUDA_", "NVIDIA_")


@dataclass(frozen=True)
class TypedRequest:
    """A request as typed on the command line, before it is parsed and checked (a stamp
    is only ever written for one that was valid)."""

    analyzers: str
    profile: str | None
    overrides: tuple[str, ...]


def stamp_key(
    settings: Settings,
    request: TypedRequest,
    path: str,
    stat: FileStat,
    environ: Mapping[str, str] | None = None,
) -> str:
    """``path`` as given is in the key as well as the file it resolves to: the report
    names the path as given. ``environ`` defaults to this process's environment."""
    env = os.environ if environ is None else environ
    document = {
        "format": STAMP_FORMAT,
        "request": [request.analyzers, request.profile, list(request.overrides)],
        "path": path,
        "file": [stat.path, stat.size_bytes, stat.mtime_ns],
        "settings": repr(settings),
        "environment": sorted(
            (name, value) for name, value in env.items() if name.startswith(ENVIRONMENT_PREFIXES)
        ),
        "code": code_identity(),
        "profiles_file": file_signature(settings.profiles_path),
        "models_dir": file_signature(settings.models_path),
    }
    return hashlib.sha256(json.dumps(document, separators=(",", ":")).encode()).hexdigest()


@cache
def code_identity() -> str:
    """The names, sizes and mtimes of Eioku's own files, and the mtime of every folder
    packages are installed in: an edited source file, an added, removed or upgraded
    package (a model package, say) gives another identity."""
    digest = hashlib.sha256(sys.version.encode())
    for package in CODE_PACKAGES:
        spec = find_spec(package)
        roots = spec.submodule_search_locations if spec is not None else None
        for root in roots or ():
            for line in _tree_lines(Path(root)):
                digest.update(line.encode(errors="surrogateescape"))
    for folder in sorted(_site_folders()):
        digest.update(f"{folder}={file_signature(Path(folder))}\n".encode())
    return digest.hexdigest()


def _tree_lines(root: Path) -> list[str]:
    lines = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            lines.append(f"{path}={file_signature(Path(path))}\n")
    return lines


def _site_folders() -> set[str]:
    folders = set(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.add(site.getusersitepackages())
    return folders
