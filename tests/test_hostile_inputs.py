"""Bad input through the CLI and the HTTP API, on SQLite and PostgreSQL: a table of
hostile values, each answered with one `error:` line (exit 1 or 2) or a 4xx in the error
shape, never a traceback or a 5xx, and the other files of the same command processed."""

import json
import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.profiles import MAX_PROFILE_NAME
from pipeline.canonical import canonical_json
from pipeline.cli.options import parse_timestamp_ms
from pipeline.db.engine import Database
from pipeline.db.models import (
    AnalysisHistory,
    Artifact,
    ArtifactSelection,
    Intent,
    Run,
    RunStatus,
    SelectionMode,
)
from pipeline.db.repositories import (
    InvalidSelectionPolicyError,
    RunRepository,
    SelectionPolicy,
    SelectionPolicyManager,
)
from pipeline.settings import SettingsError, load_settings
from tests.support.api import Seeded, api_client, seed_video
from tests.support.cli import Eioku
from tests.support.distributed import free_port
from tests.support.factories import make_run, make_video
from tests.test_api import assert_error

HUGE = "99999999999999999999"  # beyond int64 and SQLite's INTEGER
ESCAPE_NAME = "red\x1b[31mtext\x07.mp4"
NON_UTF8_NAME = os.fsdecode(b"bad\xff\xfename.mp4")  # as the system hands it over (PEP 383)
LONG_PROFILE = "p" * 40  # runs.profile holds 32 characters
# hostile files beside the videos: name -> content
HOSTILE_FILES = {
    "random.bin": bytes(range(256)) * 8,
    "inf.toml": b"[profiles.y.scenes]\nthreshold = inf\n",
    "nan.toml": b"[profiles.y.scenes]\nthreshold = [1.0, nan]\n",
    "nested.toml": b"x = " + b"[" * 20_000 + b"]" * 20_000 + b"\n",
    "long.toml": f"[profiles.{LONG_PROFILE}]\ndescription = 'too long'\n".encode(),
}


@pytest.fixture
def root(tmp_path: Path, tiny_video: Path) -> Path:
    """A folder of hostile names and files beside one good video."""
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(tiny_video.read_bytes())
    (folder / NON_UTF8_NAME).write_bytes(tiny_video.read_bytes())
    (folder / "link.mp4").symlink_to(NON_UTF8_NAME)
    (folder / "loop").symlink_to("loop")
    os.mkfifo(folder / "fifo")  # what an output must not replace (like a device)
    for name, content in HOSTILE_FILES.items():
        (folder / name).write_bytes(content)
    return folder


def hostile_paths(root: Path) -> dict[str, str]:
    return {
        "LOOP": str(root / "loop"),
        "LONG_NAME": str(root / ("n" * 300)),
        "LONG_PATH": str(root) + "/d" * 3000,  # longer than PATH_MAX
        "ESCAPES": str(root / ESCAPE_NAME),
        "NON_UTF8": str(root / NON_UTF8_NAME),
        "LINK_TO_NON_UTF8": str(root / "link.mp4"),
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
    # issue #27, point 7
    "a name that is not UTF-8": CliCase(
        ("analyze", "NON_UTF8", "GOOD"), 1, "bad\\xff\\xfename.mp4", good_file_processed=True
    ),
    "select pinning a run of another type": CliCase(
        ("select", "VIDEO", "scene", "--mode", "pinned", "--run", "OBJECTS_RUN"),
        2,
        "not a run of video",
    ),
    "select an unknown type": CliCase(
        ("select", "VIDEO", "nosuch.type", "--mode", "latest"), 2, "unknown artifact type"
    ),
    "select with a --run its mode does not use": CliCase(
        ("select", "VIDEO", "scene", "--mode", "latest", "--run", "SCENES_RUN"),
        2,
        "--run: applies to mode pinned only",
    ),
    "select with a --profile its mode does not use": CliCase(
        ("select", "VIDEO", "scene", "--mode", "latest", "--profile", "fast"),
        2,
        "--profile: applies to mode profile only",
    ),
    "select a profile name too long to store": CliCase(
        ("select", "VIDEO", "scene", "--mode", "profile", "--profile", LONG_PROFILE),
        2,
        "longer than 32 characters",
    ),
    "database URL that is none": CliCase(
        ("status",), 1, "EIOKU_DATABASE_URL is not a database URL", {"EIOKU_DATABASE_URL": "x"}
    ),
    "a MySQL database": CliCase(
        ("status",),
        1,
        "names a 'mysql' database",
        {"EIOKU_DATABASE_URL": "mysql://eioku:secret@db/eioku"},
    ),
    "an SQLite file under /proc": CliCase(
        ("status",),
        1,
        "EIOKU_DATABASE_URL: cannot create the database /proc/eioku.db",
        {"EIOKU_DATABASE_URL": "sqlite:////proc/eioku.db"},
    ),
    "EIOKU_HOME a file": CliCase(
        ("status",),
        1,
        "EIOKU_HOME='ROOT/good.mp4' is not a folder",
        {"EIOKU_HOME": "ROOT/good.mp4"},
    ),
    "EIOKU_HOME that cannot be created": CliCase(
        ("status",),
        1,
        "EIOKU_HOME: cannot create the folder of the database /proc/eioku-home/eioku.db",
        {"EIOKU_HOME": "/proc/eioku-home", "EIOKU_DATABASE_URL": ""},  # the default database
    ),
    "a plugin module that is missing": CliCase(
        ("analyze", "GOOD"),
        1,
        "EIOKU_ANALYZER_PLUGINS: 'no_such_module:X' cannot be loaded",
        {"EIOKU_ANALYZER_PLUGINS": "no_such_module:X"},
    ),
    "a plugin that is no class": CliCase(
        ("analyze", "GOOD"),
        1,
        "EIOKU_ANALYZER_PLUGINS: 'os:sep' is not a class",
        {"EIOKU_ANALYZER_PLUGINS": "os:sep"},
    ),
    "EIOKU_MODELS_DIR a device": CliCase(
        ("status",),
        1,
        "EIOKU_MODELS_DIR='/dev/null' is not a folder",
        {"EIOKU_MODELS_DIR": "/dev/null"},
    ),
    "heartbeat interval overflowing": CliCase(
        ("status",),
        1,
        "EIOKU_HEARTBEAT_INTERVAL='1e300' is more than",
        {"EIOKU_HEARTBEAT_INTERVAL": "1e300"},
    ),
    "history retention overflowing": CliCase(
        ("status",),
        1,
        f"EIOKU_HISTORY_RETENTION='{HUGE}' is more than",
        {"EIOKU_HISTORY_RETENTION": HUGE},
    ),
    "stale-after overflowing": CliCase(
        ("reconcile",), 1, "EIOKU_STALE_AFTER='1e300' is more than", {"EIOKU_STALE_AFTER": "1e300"}
    ),
    "--set of 5,000 digits": CliCase(
        ("analyze", "GOOD", "--set", "scenes.threshold=" + "9" * 5000), 2, "the number is too long"
    ),
    "--set without a value": CliCase(("analyze", "GOOD", "--set"), 2, "requires an argument"),
    "a profiles file with inf": CliCase(
        ("analyze", "GOOD", "-p", "y"),
        1,
        "profiles.y.scenes.threshold is not a finite number",
        {"EIOKU_PROFILES": "ROOT/inf.toml"},
    ),
    "a profiles file with nan in a list": CliCase(
        ("profiles", "list"),
        1,
        "profiles.y.scenes.threshold.1 is not a finite number",
        {"EIOKU_PROFILES": "ROOT/nan.toml"},
    ),
    "a profiles file of 20,000 nested arrays": CliCase(
        ("analyze", "GOOD"), 1, "nested too deeply", {"EIOKU_PROFILES": "ROOT/nested.toml"}
    ),
    "a profile name too long to store": CliCase(
        ("analyze", "GOOD", "-p", LONG_PROFILE),
        1,
        "is longer than 32 characters",
        {"EIOKU_PROFILES": "ROOT/long.toml"},
    ),
    "frames get -1": CliCase(("frames", "get", "VIDEO", "-1"), 2, "'frame_index'"),
    "--from-ms 99:99:99": CliCase(
        ("artifacts", "VIDEO", "--from-ms", "99:99:99"), 2, "minutes and seconds go up to 59"
    ),
    "--from -5s": CliCase(("jump", "VIDEO", "--kind", "scene", "--from", "-5s"), 2, "not a time"),
    "--to-ms 1:2:3:4": CliCase(("artifacts", "VIDEO", "--to-ms", "1:2:3:4"), 2, "not a time"),
    "find --from -5": CliCase(("find", "VIDEO", "budget", "--from", "-5"), 2, "not a time"),
    "artifacts of an unknown run": CliCase(
        ("artifacts", "VIDEO", "--run", "nosuchrun"), 1, "no run 'nosuchrun' of video"
    ),
    "a --frames-file of random bytes": CliCase(
        ("screenshots", "GOOD", "--frames-file", "ROOT/random.bin"), 2, "not UTF-8"
    ),
    "a --frames-file line that is no frame": CliCase(
        ("screenshots", "GOOD", "--frames-file", "ROOT/inf.toml"), 2, "line 1 is not a frame number"
    ),
    **{
        f"{' '.join(command[:2])} to a path too long": CliCase(
            (*command, "LONG_PATH"), 1, "cannot write (File name too long)"
        )
        for command in (
            ("export", "VIDEO", "--format", "json", "--output"),
            ("frames", "get", "VIDEO", "0", "--out"),
            ("frames", "index", "VIDEO", "--out"),
            ("screenshots", "GOOD", "--out"),
        )
    },
    **{
        f"{' '.join(command[:2])} to a pipe": CliCase((*command, "ROOT/fifo"), 1, says)
        for command, says in (
            (("export", "VIDEO", "--format", "srt", "--output"), "is not a regular file"),
            (("frames", "get", "VIDEO", "0", "--out"), "is not a regular file"),
            (("frames", "index", "VIDEO", "--out"), "is not a regular file"),
            (("screenshots", "GOOD", "--out"), "is not a folder"),
        )
    },
}


def _filled(args: tuple[str, ...], paths: dict[str, str], seeded: Seeded, root: Path) -> list[str]:
    values = {
        **paths,
        "VIDEO": seeded.video_id,
        "SCENES_RUN": seeded.runs["scene/fast"],
        "OBJECTS_RUN": seeded.runs["object.detection/fast"],
    }
    return [values.get(arg, arg.replace("ROOT", str(root))) for arg in args]


@pytest.mark.parametrize("case", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_answers_bad_input_with_one_error_line(
    case: CliCase, db: Database, tmp_path: Path, root: Path
) -> None:
    seeded = seed_video(db)
    env = {name: value.replace("ROOT", str(root)) for name, value in case.env.items()}
    eioku = Eioku(db, tmp_path / "home", **env)
    result = eioku(*_filled(case.args, hostile_paths(root), seeded, root))
    assert result.code == case.code, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert case.says.replace("ROOT", str(root)) in result.stderr, result.stderr
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
    # issue #27, point 7
    "force that is not a boolean": ApiCase(
        "POST", "/v1/videos", 422, "invalid_parameter", "force", json=_submit("GOOD", force="yes")
    ),
    "resume that is not a boolean": ApiCase(
        "POST", "/v1/videos", 422, "invalid_parameter", "resume", json=_submit("GOOD", resume=1)
    ),
    "regenerate with force not a boolean": ApiCase(
        "POST",
        "/v1/videos/VIDEO/regenerate",
        422,
        "invalid_parameter",
        "force",
        json={"force": "no"},
    ),
    "a cache cursor not handed out": ApiCase(
        "GET", "/v1/cache?cursor=garbage", 422, "invalid_parameter", "cursor"
    ),
    "a cache cursor naming no video": ApiCase(
        "GET", "/v1/cache?cursor=0123456789abcdef", 422, "invalid_parameter", "cursor"
    ),
    "pinning a run of another type": ApiCase(
        "PUT",
        "/v1/videos/VIDEO/selection/scene",
        422,
        "invalid_parameter",
        "run_id",
        json={"mode": "pinned", "run_id": "OBJECTS_RUN"},
    ),
    "a path that is not UTF-8": ApiCase(
        "POST",
        "/v1/videos",
        422,
        "invalid_parameter",
        "path",
        content=b'{"path": "NON_UTF8", "analyzers": ["scenes"]}',
    ),
    "a link to a file whose name is not UTF-8": ApiCase(
        "POST", "/v1/videos", 422, "non_utf8_path", "path", json=_submit("LINK_TO_NON_UTF8")
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
    seeded = seed_video(db)
    paths = {**hostile_paths(root), "OBJECTS_RUN": seeded.runs["object.detection/fast"]}
    content = None
    if case.content:  # the path in JSON's escapes: ASCII, even for a name that is not UTF-8
        content = case.content.replace(b"GOOD", paths["GOOD"].encode())
        content = content.replace(b"NON_UTF8", json.dumps(paths["NON_UTF8"])[1:-1].encode())
    with caplog.at_level(logging.WARNING):
        response = hostile_client.request(
            case.method,
            case.url.replace("VIDEO", seeded.video_id),
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
        ("EIOKU_HEARTBEAT_INTERVAL", "1e300"),
        ("EIOKU_STALE_AFTER", "31536001"),  # a year and a second
        ("EIOKU_VISIBILITY_TIMEOUT", "31536001"),
        ("EIOKU_HISTORY_RETENTION", HUGE),
        ("EIOKU_THREADS", "9" * 5000),  # more digits than int() reads
        ("EIOKU_DATABASE_URL", "notaurl"),
        ("EIOKU_DATABASE_URL", "mysql://eioku:secret@db/eioku"),
        ("EIOKU_DATABASE_URL", "postgresql+psycopg2://eioku:secret@db/eioku"),
        ("EIOKU_HOME", "/dev/null"),
        ("EIOKU_HOME", "/dev/null/home"),
        ("EIOKU_MODELS_DIR", "/dev/null"),
        ("EIOKU_HOME", "/" + "d" * 300),
        ("EIOKU_ANALYZER_PLUGINS", "a_module_alone"),
        ("EIOKU_ANALYZER_PLUGINS", ":Class"),
    ],
)
def test_an_unusable_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{name}\\b") as refused:
        load_settings({**os.environ, name: value})
    assert "secret" not in str(refused.value)  # a URL may hold a password
    assert len(str(refused.value)) < 500  # a value of 5,000 digits is not repeated


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EIOKU_STALE_AFTER", "31536000"),  # a year
        ("EIOKU_HISTORY_RETENTION", "2147483647"),
        ("EIOKU_DATABASE_URL", "sqlite://"),
        ("EIOKU_DATABASE_URL", "sqlite+pysqlite:///x.db"),
        ("EIOKU_DATABASE_URL", "postgres://eioku@db/eioku"),
        ("EIOKU_DATABASE_URL", "postgresql+psycopg://eioku@db/eioku"),
        ("EIOKU_ANALYZER_PLUGINS", "a.module:Class, other:Other"),
    ],
)
def test_the_largest_and_every_supported_setting_is_taken(name: str, value: str) -> None:
    load_settings({**os.environ, name: value})


def test_a_plugin_is_imported_when_the_catalog_loads_it(tmp_path: Path) -> None:
    settings = load_settings({"EIOKU_HOME": str(tmp_path), "EIOKU_ANALYZER_PLUGINS": "os:sep"})
    with pytest.raises(SettingsError, match=r"^EIOKU_ANALYZER_PLUGINS: 'os:sep' is not a class"):
        AnalyzerCatalog(settings)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1234", 1234),
        (" 0 ", 0),
        ("12.5s", 12_500),
        ("01:12", 72_000),
        ("90:00", 5_400_000),  # minutes, the first field, are not bounded
        ("00:01:12.5", 72_500),
        ("100:59:59.999", 363_599_999),
    ],
)
def test_a_time_is_read(text: str, ms: int) -> None:
    assert parse_timestamp_ms(text) == ms


@pytest.mark.parametrize(
    "text",
    ["99:99:99", "-5s", "-5", "1:2:3:4", "1:60", "0:60:00", "1e3s", "12.5", "1h", "", "9" * 5000],
)
def test_a_time_that_is_none_is_refused(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_timestamp_ms(text)


def test_cancel_with_the_broker_down_cancels_and_says_the_task_stays(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as session:
        run_id = make_run(session, make_video(session).video_id, task_id="a-task").run_id
    broker = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    result = Eioku(db, tmp_path / "home", EIOKU_BROKER_URL=broker)("cancel", run_id)
    assert result.code == 0, result.stderr
    assert result.stdout == f"run {run_id} cancelled\n"
    [warning] = result.stderr.splitlines()
    assert warning.startswith("warning: the broker is unreachable") and "not revoked" in warning
    with db.sessions() as session:
        assert RunRepository(session).require(run_id).status == RunStatus.CANCELLED


def test_a_run_of_another_type_is_never_pinned(db: Database) -> None:
    seeded = seed_video(db)
    pinned = SelectionPolicy(
        SelectionMode.PINNED, pinned_run_id=seeded.runs["object.detection/fast"]
    )
    refused = pytest.raises(InvalidSelectionPolicyError, match="not a run of video")
    with refused, db.transaction() as session:
        SelectionPolicyManager(session).set_policy(seeded.video_id, "scene", pinned)
    with db.sessions() as session:
        manager = SelectionPolicyManager(session)
        assert manager.get_policy(seeded.video_id, "scene") == manager.get_default_policy()
        assert (
            manager.selected_run_id(seeded.video_id, "scene") == seeded.runs["scene/high_quality"]
        )


def test_every_profile_column_holds_the_longest_profile_name() -> None:
    columns = [
        Run.__table__.c.profile,
        Artifact.__table__.c.model_profile,
        ArtifactSelection.__table__.c.preferred_profile,
        Intent.__table__.c.profile,
        AnalysisHistory.__table__.c.profile,
    ]
    assert {column.type.length for column in columns} == {MAX_PROFILE_NAME}
