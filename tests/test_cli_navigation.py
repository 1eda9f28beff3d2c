"""`eioku jump`, `find`, `artifacts` and `export` on SQLite and PostgreSQL, over seeded
artifacts: two runs per type where it matters, so a result from the unselected run would
show."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.cli.navigation_commands import highlighted
from pipeline.db.engine import Database
from pipeline.db.models import Run, RunStatus
from pipeline.db.repositories import ArtifactRepository
from schemas.base import BoundingBox, Payload, Point
from schemas.payloads import FaceDetection, ObjectDetection, OcrText, Scene, TranscriptSegment
from tests.support.cli import Eioku
from tests.support.factories import INSTALLED, make_envelope, make_run, make_video
from tests.support.subtitle_cues import parse_cues

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
BOX = BoundingBox(x=0, y=0, width=10, height=10)


def detection(ms: int, label: str, confidence: float = 0.9) -> ObjectDetection:
    return ObjectDetection(
        frame_index=ms // 40,
        timestamp_ms=ms,
        label=label,
        class_id=0,
        confidence=confidence,
        bbox=BOX,
    )


def face(ms: int, cluster: int) -> FaceDetection:
    return FaceDetection(
        frame_index=ms // 40, timestamp_ms=ms, confidence=0.8, bbox=BOX, cluster_id=cluster
    )


def segment(start: int, end: int, text: str) -> TranscriptSegment:
    return TranscriptSegment(start_ms=start, end_ms=end, text=text, language="en", confidence=0.9)


def scene(index: int, start: int, end: int) -> Scene:
    return Scene(
        start_ms=start,
        end_ms=end,
        scene_index=index,
        start_frame=start // 40,
        end_frame=end // 40,
    )


def on_screen(start: int, end: int, text: str) -> OcrText:
    polygon = [Point(x=0, y=0), Point(x=10, y=0), Point(x=10, y=10)]
    return OcrText(start_ms=start, end_ms=end, text=text, confidence=0.9, polygon=polygon)


@dataclass(frozen=True)
class Seeded:
    video_id: str
    ids: dict[str, str]  # name -> artifact id, for the artifacts of selected runs
    runs: dict[str, str]  # artifact type -> the selected run


# The default policy (best_quality) selects the balanced run; the fast run's artifacts
# must never appear.
SELECTED: dict[str, list[tuple[str, Payload]]] = {
    "object.detection": [
        ("person@1000", detection(1_000, "person")),
        ("dog@3000", detection(3_000, "dog")),
        ("person@5000a", detection(5_000, "person")),
        ("person@5000b", detection(5_000, "person", 0.4)),
        ("car@72500", detection(72_500, "car")),
    ],
    "face.detection": [("face0@1000", face(1_000, 0)), ("face1@4000", face(4_000, 1))],
    "scene": [("scene0", scene(0, 0, 8_000)), ("scene1", scene(1, 8_000, 20_000))],
    "transcript.segment": [
        ("t0", segment(0, 2_000, "Hello, the budget meeting starts")),
        ("t1", segment(10_000, 12_500, "the budget is tight & <late> --> over")),
        ("t2", segment(13_000, 13_000, "")),
    ],
    "ocr.text": [("o0", on_screen(6_000, 7_000, "BUDGET 2024"))],
}
UNSELECTED: dict[str, list[Payload]] = {
    "object.detection": [detection(2_000, "person"), detection(4_000, "dog")],
    "transcript.segment": [segment(3_000, 4_000, "an old budget line")],
}


@pytest.fixture
def seeded(db: Database) -> Seeded:
    ids: dict[str, str] = {}
    runs: dict[str, str] = {}
    with db.transaction() as session:
        video_id = make_video(session).video_id
        repository = ArtifactRepository(session, vocabulary=INSTALLED)

        def run_of(artifact_type: str, profile: str, finished: int) -> Run:
            return make_run(
                session,
                video_id,
                artifact_type=artifact_type,
                analyzer=artifact_type.split(".")[0],
                profile=profile,
                status=RunStatus.SUCCEEDED,
                finished_at=EPOCH + timedelta(hours=finished),
            )

        for artifact_type, named in SELECTED.items():
            run = run_of(artifact_type, "balanced", finished=1)
            runs[artifact_type] = run.run_id
            envelopes = [
                make_envelope(
                    payload, asset_id=video_id, run_id=run.run_id, model_profile="balanced"
                )
                for _, payload in named
            ]
            repository.batch_create(envelopes)
            ids.update(
                {name: env.artifact_id for (name, _), env in zip(named, envelopes, strict=True)}
            )
        for artifact_type, payloads in UNSELECTED.items():
            run = run_of(artifact_type, "fast", finished=2)  # later, but a lower profile
            repository.batch_create(
                [make_envelope(p, asset_id=video_id, run_id=run.run_id) for p in payloads]
            )
    return Seeded(video_id, ids, runs)


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


def jump(eioku: Eioku, video_id: str, *args: str) -> dict | None:
    result = eioku("jump", video_id, *args, "--json")
    if result.code == 1:
        assert result.stdout == ""
        return None
    assert result.code == 0, result.stderr
    return result.json()


# --- jump -------------------------------------------------------------------------------


def test_next_then_next_again_advances_and_ends_with_exit_1(eioku: Eioku, seeded: Seeded) -> None:
    ids, visited, position = seeded.ids, [], "0"
    while found := jump(eioku, seeded.video_id, "-k", "object", "-l", "person", "--from", position):
        visited.append((found["jump_to"], found["artifact_ids"]))
        position = str(found["jump_to"]["start_ms"])
    assert visited == [
        ({"start_ms": 1_000, "end_ms": 1_000}, [ids["person@1000"]]),
        ({"start_ms": 5_000, "end_ms": 5_000}, sorted([ids["person@5000a"], ids["person@5000b"]])),
    ]


def test_prev_is_strict_and_walks_backwards(eioku: Eioku, seeded: Seeded) -> None:
    args = ("-k", "object", "--label", "person", "--direction", "prev")
    assert jump(eioku, seeded.video_id, *args)["jump_to"]["start_ms"] == 5_000  # from the end
    assert jump(eioku, seeded.video_id, *args, "--from", "5s")["jump_to"]["start_ms"] == 1_000
    assert jump(eioku, seeded.video_id, *args, "--from", "1000") is None


def test_next_from_a_clock_time_and_the_start(eioku: Eioku, seeded: Seeded) -> None:
    found = jump(eioku, seeded.video_id, "--kind", "object", "--from", "00:01:12")
    assert found == {
        "video_id": seeded.video_id,
        "jump_to": {"start_ms": 72_500, "end_ms": 72_500},
        "artifact_ids": [seeded.ids["car@72500"]],
        "run_id": seeded.runs["object.detection"],
        "model_id": "yolov8n-untrained@" + "0" * 16,
        "stale": False,
    }
    first_scene = jump(eioku, seeded.video_id, "--kind", "scene")
    assert first_scene["jump_to"] == {"start_ms": 0, "end_ms": 8_000}
    assert jump(eioku, seeded.video_id, "-k", "scene", "--from", "0")["artifact_ids"] == [
        seeded.ids["scene1"]
    ]


def test_unselected_run_never_answers(eioku: Eioku, seeded: Seeded) -> None:
    dog = jump(eioku, seeded.video_id, "-k", "object", "-l", "dog", "--from", "3000")
    assert dog is None  # the fast run's dog at 4000 is not selected
    pinned = jump(eioku, seeded.video_id, "-k", "object", "-l", "dog", "--profile", "fast")
    assert pinned["jump_to"]["start_ms"] == 4_000


def test_face_cluster_and_confidence_filters(eioku: Eioku, seeded: Seeded) -> None:
    person = jump(eioku, seeded.video_id, "-k", "face", "--face-cluster", "1")
    assert person["artifact_ids"] == [seeded.ids["face1@4000"]]
    confident = jump(
        eioku, seeded.video_id, "-k", "object", "-l", "person", "--min-confidence", "0.5",
        "--from", "1000",
    )  # fmt: skip
    assert confident["artifact_ids"] == [seeded.ids["person@5000a"]]


def test_nothing_found_is_exit_1_with_one_clear_line(eioku: Eioku, seeded: Seeded) -> None:
    result = eioku("jump", seeded.video_id, "-k", "object", "-l", "unicorn", "--from", "00:00:10")
    assert result.code == 1
    assert result.stderr.strip() == (
        f"error: no object (label=unicorn) after 00:00:10.000 in video {seeded.video_id}"
    )


def test_a_filter_that_does_not_apply_is_a_usage_error(eioku: Eioku, seeded: Seeded) -> None:
    result = eioku("jump", seeded.video_id, "-k", "scene", "--label", "person")
    assert result.code == 2
    assert "--label" in result.stderr


def test_unknown_video_and_bad_time(eioku: Eioku, seeded: Seeded) -> None:
    assert eioku("jump", "no-such-video", "-k", "scene").code == 1
    bad = eioku("jump", seeded.video_id, "-k", "scene", "--from", "soon")
    assert bad.code == 2
    assert "not a time" in bad.stderr


def test_human_output_names_time_range_and_ids(eioku: Eioku, seeded: Seeded) -> None:
    result = eioku("jump", seeded.video_id, "-k", "face", "--face-cluster", "0")
    assert result.code == 0, result.stderr
    assert "00:00:01.000 - 00:00:01.000" in result.stdout
    assert seeded.ids["face0@1000"] in result.stdout


# --- find -------------------------------------------------------------------------------


def find(eioku: Eioku, video_id: str, *args: str) -> list[dict]:
    result = eioku("find", video_id, *args, "--json")
    assert result.code == 0, result.stderr
    return result.json()


def test_find_merges_sources_in_time_order(eioku: Eioku, seeded: Seeded) -> None:
    found = find(eioku, seeded.video_id, "budget")
    assert [(m["source"], m["jump_to"]["start_ms"]) for m in found] == [
        ("transcript", 0),
        ("ocr", 6_000),
        ("transcript", 10_000),
    ]
    assert [m["artifact_id"] for m in found] == [seeded.ids[n] for n in ("t0", "o0", "t1")]
    assert all("<mark>" in m["snippet"] and "</mark>" in m["snippet"] for m in found)


def test_find_source_direction_from_and_limit(eioku: Eioku, seeded: Seeded) -> None:
    video = seeded.video_id
    assert [m["source"] for m in find(eioku, video, "budget", "--source", "transcript")] == [
        "transcript",
        "transcript",
    ]
    backwards = find(eioku, video, "budget", "-d", "prev", "--from", "00:00:10")
    assert [m["jump_to"]["start_ms"] for m in backwards] == [6_000, 0]
    assert [m["jump_to"]["start_ms"] for m in find(eioku, video, "budget", "--from", "0")] == [
        6_000,
        10_000,
    ]
    assert len(find(eioku, video, "budget", "--limit", "1")) == 1


HOSTILE = [
    '"',
    "'; DROP TABLE artifacts; --",
    "budget & | ! ( ) : * ^ ~",
    '"unterminated',
    "NEAR(budget meeting)",
    "-budget OR",
    "AND",
    "*",
    "\\",
    "   ",
    "日本語 ñandú 🎬",
    "<mark>budget</mark>",
    "x" * 10_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_return_without_error(eioku: Eioku, seeded: Seeded, text: str) -> None:
    # "--" ends the options, so a string starting with "-" is the text
    as_json = eioku("find", "--json", seeded.video_id, "--", text)
    assert as_json.code == 0, as_json.stderr
    assert isinstance(as_json.json(), list)
    human = eioku("find", seeded.video_id, "--", text)
    assert human.code == 0, human.stderr


def test_human_find_output_and_no_matches(eioku: Eioku, seeded: Seeded) -> None:
    result = eioku("find", seeded.video_id, "tight")
    assert result.code == 0, result.stderr
    assert "00:00:10.000" in result.stdout
    assert "tight" in result.stdout and "<mark>" not in result.stdout
    nothing = eioku("find", seeded.video_id, "zebra")
    assert (nothing.code, nothing.stdout.strip()) == (0, "no matches")


def test_highlighted_snippet_is_bold_text_not_markup() -> None:
    text = highlighted("the <mark>budget</mark> [red]is[/red] <mark>tight")
    assert text.plain == "the budget [red]is[/red] tight"
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        ("budget", "bold"),
        ("tight", "bold"),
    ]


# --- artifacts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "starting", "overlapping"),
    [
        (("--from-ms", "2500", "--to-ms", "3000"), [], ["scene0"]),
        (("--from-ms", "2.5s", "--to-ms", "00:00:09"), ["scene1"], ["scene0", "scene1"]),
        (("--from-ms", "8000", "--to-ms", "8000"), ["scene1"], ["scene0", "scene1"]),
        (("--from-ms", "19s"), [], ["scene1"]),
    ],
)
def test_artifacts_starting_in_or_overlapping_a_window(
    eioku: Eioku,
    seeded: Seeded,
    window: tuple[str, ...],
    starting: list[str],
    overlapping: list[str],
) -> None:
    for flags, expected in (((), starting), (("--overlap",), overlapping)):
        result = eioku("artifacts", seeded.video_id, "-t", "scene", *window, *flags, "--json")
        assert result.code == 0, result.stderr
        assert [a["artifact_id"] for a in result.json()] == [seeded.ids[n] for n in expected]


# --- export -----------------------------------------------------------------------------


def test_export_srt_and_vtt_to_stdout(eioku: Eioku, seeded: Seeded) -> None:
    srt = eioku("export", seeded.video_id, "--format", "srt")
    assert srt.code == 0, srt.stderr
    assert srt.stdout == (
        "1\n00:00:00,000 --> 00:00:02,000\nHello, the budget meeting starts\n\n"
        "2\n00:00:10,000 --> 00:00:12,500\nthe budget is tight & <late> -> over\n\n"
    )
    vtt = eioku("export", seeded.video_id, "-f", "vtt")
    assert vtt.code == 0, vtt.stderr
    assert vtt.stdout == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.000\nHello, the budget meeting starts\n\n"
        "00:00:10.000 --> 00:00:12.500\nthe budget is tight &amp; &lt;late&gt; --&gt; over\n\n"
    )
    assert parse_cues(vtt.stdout)[1].text == "the budget is tight & <late> --> over"


def test_export_to_file_is_written_whole(eioku: Eioku, seeded: Seeded, tmp_path: Path) -> None:
    target = tmp_path / "out" / "subs.vtt"
    result = eioku("export", seeded.video_id, "-f", "vtt", "--output", str(target))
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote 3 transcript segments" in result.stderr
    assert [cue.start_ms for cue in parse_cues(target.read_text())] == [0, 10_000]
    assert [p.name for p in target.parent.iterdir()] == ["subs.vtt"]  # no temporary left


def test_export_json_has_every_selected_artifact(
    eioku: Eioku, seeded: Seeded, tmp_path: Path
) -> None:
    target = tmp_path / "all.json"
    assert eioku("export", seeded.video_id, "-f", "json", "-o", str(target)).code == 0
    document = json.loads(target.read_text())
    assert document["video"]["video_id"] == seeded.video_id
    assert sorted(a["artifact_id"] for a in document["artifacts"]) == sorted(seeded.ids.values())
    starts = [a["span_start_ms"] for a in document["artifacts"]]
    assert starts == sorted(starts)
    stdout = eioku("export", seeded.video_id, "-f", "json")
    assert stdout.json() == document


@pytest.mark.parametrize(
    ("first", "second"),
    [("out/", "out/"), ("out/a.json", "out/b.json"), ("out/", "out/b.json")],
    ids=["both-into-the-folder", "two-files", "folder-then-file"],
)
def test_exports_of_two_videos_into_one_folder_keep_both_histories(
    eioku: Eioku, seeded: Seeded, db: Database, tmp_path: Path, first: str, second: str
) -> None:
    with db.transaction() as session:
        other = make_video(session).video_id
    (tmp_path / "out").mkdir()
    for video_id, output in ((seeded.video_id, first), (other, second)):
        result = eioku("export", video_id, "-f", "json", "-o", str(tmp_path / output))
        assert result.code == 0, result.stderr
        assert f"{video_id}.analysis-history.json" in result.stderr
    for video_id in (seeded.video_id, other):
        history = json.loads((tmp_path / "out" / f"{video_id}.analysis-history.json").read_text())
        assert history["video_id"] == video_id
    exported = sorted(p.name for p in (tmp_path / "out").iterdir() if ".analysis" not in p.name)
    assert len(exported) == 2


def test_an_export_named_like_its_history_file_is_refused(
    eioku: Eioku, seeded: Seeded, tmp_path: Path
) -> None:
    target = tmp_path / f"{seeded.video_id}.analysis-history.json"
    result = eioku("export", seeded.video_id, "-f", "json", "-o", str(target))
    assert result.code == 1
    assert result.stderr.startswith("error: ") and "analysis history" in result.stderr
    assert not target.exists()


def test_export_of_a_video_without_transcript(eioku: Eioku, db: Database) -> None:
    with db.transaction() as session:
        video_id = make_video(session).video_id
    assert eioku("export", video_id, "-f", "srt").stdout == ""
    assert eioku("export", video_id, "-f", "vtt").stdout == "WEBVTT\n\n"
