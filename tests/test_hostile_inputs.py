"""Bad input through the CLI and the HTTP API, on SQLite and PostgreSQL: a table of
hostile values, each answered with one `error:` line (exit 1 or 2) or a 4xx in the error
shape, never a traceback or a 5xx, and the other files of the same command processed."""

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pipeline.canonical import canonical_json
from pipeline.db.engine import Database
from pipeline.settings import SettingsError, load_settings
from tests.support.api import api_client, seed_video
from tests.support.cli import Eioku
from tests.test_api import assert_error

HUGE = "99999999999999999999"  # beyond int64 and SQLite's INTEGER
ESCAPE_NAME = "red\x1b[31mtext\x07.mp4"


@pytest.fixture
def root(tmp_path: Path, tiny_video: Path) -> Path:
    """A folder of hostile names beside one good video."""
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(tiny_video.read_bytes())
    (folder / "loop").symlink_to("loop")
    return folder


def hostile_paths(root: Path) -> dict[str, str]:
    return {
        "LOOP": str(root / "loop"),
        "LONG_NAME": str(root / ("n" * 300)),
        "LONG_PATH": str(root) + "/d" * 3000,  # longer than PATH_MAX
        "ESCAPES": str(root / ESCAPE_NAME),
        "GOOD": str(root / "good.mp4"),
    }


@dataclass(frozen=True)
class CliCase:
    args: tuple[str, ...]
    code: int
    says: str  # in stderr
    env: dict[str, str] = field(default_factory=dict)
    good_file_processed: bool = False


CLI_CASES = {
    "symlink loop": CliCase(
        ("analyze", "LOOP", "GOOD"), 1, "symlink loop", good_file_processed=True
    ),
    "name too long": CliCase(
        ("analyze", "LONG_NAME", "GOOD"), 1, "cannot resolve", good_file_processed=True
    ),
    "path too long": CliCase(
        ("analyze", "LONG_PATH", "GOOD"), 1, "cannot resolve", good_file_processed=True
    ),
    "terminal escapes": CliCase(
        ("analyze", "ESCAPES", "GOOD"), 1, "red\\x1b[31mtext\\x07", good_file_processed=True
    ),
    "--from-ms beyond int64": CliCase(("artifacts", "VIDEO", "--from-ms", HUGE), 2, "beyond"),
    "--to-ms infinite": CliCase(("artifacts", "VIDEO", "--to-ms", "1e999s"), 2, "not a time"),
    "--limit beyond int64": CliCase(("artifacts", "VIDEO", "--limit", HUGE), 2, "--limit"),
    "runs --limit beyond int64": CliCase(("runs", "--limit", HUGE), 2, "--limit"),
    "jump --from beyond int64": CliCase(
        ("jump", "VIDEO", "--kind", "scene", "--from", HUGE), 2, "beyond"
    ),
    "jump --from infinite": CliCase(
        ("jump", "VIDEO", "--kind", "scene", "--from", "1e999s"), 2, "not a time"
    ),
    "jump --face-cluster beyond int32": CliCase(
        ("jump", "VIDEO", "--kind", "face", "--face-cluster", HUGE), 2, "--face-cluster"
    ),
    "find --from beyond int64": CliCase(("find", "VIDEO", "budget", "--from", HUGE), 2, "beyond"),
    "export to a directory": CliCase(
        ("export", "VIDEO", "--format", "srt", "--output", "ROOT"), 1, "is a directory"
    ),
    "export below a file": CliCase(
        ("export", "VIDEO", "--format", "srt", "--output", "ROOT/good.mp4/sub/out.srt"),
        1,
        "cannot write",
    ),
    "export to a folder that cannot be created": CliCase(
        ("export", "VIDEO", "--format", "srt", "--output", "/proc/missing/out.srt"),
        1,
        "cannot write",
    ),
    "export to a read-only place": CliCase(
        ("export", "VIDEO", "--format", "srt", "--output", "/proc/eioku.srt"), 1, "cannot write"
    ),
    "non-numeric setting": CliCase(
        ("status",), 1, "EIOKU_STALE_AFTER='abc'", env={"EIOKU_STALE_AFTER": "abc"}
    ),
    "non-finite setting": CliCase(
        ("status",), 1, "EIOKU_HEARTBEAT_INTERVAL='inf'", env={"EIOKU_HEARTBEAT_INTERVAL": "inf"}
    ),
    "a database that is not one": CliCase(
        ("analyze", "GOOD"),
        1,
        "file is not a database",
        env={"EIOKU_DATABASE_URL": "sqlite:///ROOT/good.mp4"},
    ),
    "status on a database that is not one": CliCase(
        ("status",),
        1,
        "file is not a database",
        env={"EIOKU_DATABASE_URL": "sqlite:///ROOT/good.mp4"},
    ),
    "serve on a database that is not one": CliCase(
        ("serve",),
        1,
        "file is not a database",
        env={"EIOKU_DATABASE_URL": "sqlite:///ROOT/good.mp4"},
    ),
    "--set Infinity": CliCase(
        ("analyze", "GOOD", "--set", "scenes.threshold=Infinity"), 2, "'threshold'"
    ),
    "--set NaN": CliCase(("analyze", "GOOD", "--set", "scenes.threshold=NaN"), 2, "'threshold'"),
    "--set 1e999": CliCase(
        ("analyze", "GOOD", "--set", "scenes.threshold=1e999"), 2, "'threshold'"
    ),
}


def _filled(args: tuple[str, ...], paths: dict[str, str], video_id: str, root: Path) -> list[str]:
    values = {**paths, "VIDEO": video_id}
    return [values.get(arg, arg.replace("ROOT", str(root))) for arg in args]


@pytest.mark.parametrize("case", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_answers_bad_input_with_one_error_line(
    case: CliCase, db: Database, tmp_path: Path, root: Path
) -> None:
    video_id = seed_video(db).video_id
    env = {name: value.replace("ROOT", str(root)) for name, value in case.env.items()}
    eioku = Eioku(db, tmp_path / "home", **env)
    result = eioku(*_filled(case.args, hostile_paths(root), video_id, root))
    assert result.code == case.code, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert case.says in result.stderr, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr  # nothing raw
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    if case.good_file_processed:
        assert "scenes/fast" in result.stdout, result.stdout  # the good file was analyzed
    else:
        assert result.stdout == ""


@dataclass(frozen=True)
class ApiCase:
    method: str
    url: str
    status: int
    code: str
    field: str | None
    json: Any = None
    content: bytes | None = None


def _submit(path: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "analyzers": ["scenes"], **extra}


API_CASES = {
    "symlink loop": ApiCase(
        "POST", "/v1/videos", 422, "unresolvable_path", "path", json=_submit("LOOP")
    ),
    "name too long": ApiCase(
        "POST", "/v1/videos", 422, "unresolvable_path", "path", json=_submit("LONG_NAME")
    ),
    "path too long": ApiCase(
        "POST", "/v1/videos", 422, "unresolvable_path", "path", json=_submit("LONG_PATH")
    ),
    "NUL in the path": ApiCase(
        "POST", "/v1/videos", 422, "invalid_parameter", "path", json=_submit("GOOD\x00x")
    ),
    "1e999 in a setting": ApiCase(
        "POST",
        "/v1/videos",
        422,
        "invalid_parameter",
        "overrides.scenes.threshold",
        content=b'{"path": "GOOD", "overrides": {"scenes": {"threshold": 1e999}}}',
    ),
    "NaN in a setting": ApiCase(
        "POST",
        "/v1/videos",
        422,
        "invalid_parameter",
        "overrides.scenes.threshold",
        content=b'{"path": "GOOD", "overrides": {"scenes": {"threshold": NaN}}}',
    ),
    "malformed JSON": ApiCase(
        "POST", "/v1/videos", 422, "invalid_parameter", "body", content=b'{"path": '
    ),
    "a server model path": ApiCase(
        "POST",
        "/v1/videos",
        403,
        "path_not_allowed",
        "overrides.transcript.model_path",
        json=_submit("GOOD", overrides={"transcript": {"model_path": "/etc"}}),
    ),
    "a server model folder": ApiCase(
        "POST",
        "/v1/videos",
        403,
        "path_not_allowed",
        "overrides.ocr.model_dir",
        json=_submit("GOOD", overrides={"ocr": {"model_dir": "/"}}),
    ),
    "body over the limit": ApiCase(
        "POST", "/v1/videos", 413, "body_too_large", "body", json=_submit("x" * (2 << 20))
    ),
    "unknown run_id (artifacts)": ApiCase(
        "GET", "/v1/videos/VIDEO/artifacts?run_id=nosuchrun", 404, "run_not_found", "run_id"
    ),
    "unknown run_id (find)": ApiCase(
        "GET", "/v1/videos/VIDEO/find?q=budget&run_id=nosuchrun", 404, "run_not_found", "run_id"
    ),
    "unknown run_id (jump)": ApiCase(
        "GET", "/v1/videos/VIDEO/jump?kind=scene&run_id=nosuchrun", 404, "run_not_found", "run_id"
    ),
    "from_ms beyond int64": ApiCase(
        "GET", f"/v1/videos/VIDEO/jump?kind=scene&from_ms={HUGE}", 422, "invalid_parameter", None
    ),
    "from_ms beyond int64 (artifacts)": ApiCase(
        "GET", f"/v1/videos/VIDEO/artifacts?from_ms={HUGE}", 422, "invalid_parameter", None
    ),
    "from_ms beyond int64 (find)": ApiCase(
        "GET", f"/v1/videos/VIDEO/find?q=a&from_ms={HUGE}", 422, "invalid_parameter", None
    ),
}


def _replace(value: Any, paths: dict[str, str]) -> Any:
    if isinstance(value, str):
        return paths.get(value, value.replace("GOOD", paths["GOOD"]))
    if isinstance(value, dict):
        return {key: _replace(item, paths) for key, item in value.items()}
    return value


@pytest.fixture
def hostile_client(db: Database, tmp_path: Path, root: Path) -> Iterator[TestClient]:
    with api_client(db, tmp_path / "home", allowed_roots=(root.resolve(),)) as client:
        yield client  # raises on any unhandled server exception


@pytest.mark.parametrize("case", API_CASES.values(), ids=API_CASES.keys())
def test_api_answers_bad_input_with_a_4xx(
    case: ApiCase,
    db: Database,
    root: Path,
    hostile_client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    paths = hostile_paths(root)
    video_id = seed_video(db).video_id
    content = case.content.replace(b"GOOD", paths["GOOD"].encode()) if case.content else None
    with caplog.at_level(logging.WARNING):
        response = hostile_client.request(
            case.method,
            case.url.replace("VIDEO", video_id),
            json=_replace(case.json, paths) if case.json is not None else None,
            content=content,
            headers={"content-type": "application/json"} if content else None,
        )
    assert_error(response, case.status, case.code, case.field)
    assert not [record for record in caplog.records if record.exc_info], caplog.text


def test_each_bad_file_in_the_api_leaves_the_next_request_working(
    root: Path, hostile_client: TestClient
) -> None:
    paths = hostile_paths(root)
    for name in ("LOOP", "LONG_NAME", "LONG_PATH", "ESCAPES"):
        response = hostile_client.post("/v1/videos", json=_submit(paths[name]))
        assert 400 <= response.status_code < 500, response.text
    good = hostile_client.post("/v1/videos", json=_submit(paths["GOOD"]))
    assert good.status_code == 202, good.text


def test_canonical_json_refuses_nan_and_infinity() -> None:
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            canonical_json({"threshold": value})
    assert canonical_json({"b": 1.5, "a": None}) == '{"a":null,"b":1.5}'


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EIOKU_STALE_AFTER", "abc"),
        ("EIOKU_MAX_ATTEMPTS", "2.5"),
        ("EIOKU_HEARTBEAT_INTERVAL", "nan"),
        ("EIOKU_RECONCILE_INTERVAL", "-1"),
        ("EIOKU_API_MAX_BODY_BYTES", "1e999"),
        ("EIOKU_METRICS_PUBLIC", "maybe"),
    ],
)
def test_an_unusable_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{name}="):
        load_settings({**os.environ, name: value})
