"""The `frame_index` analyzer: an analysis run builds the persisted index once, later
runs are cached and later users read what it wrote."""

from pathlib import Path

import pytest

from pipeline.db.engine import Database
from tests.support.cli import Eioku
from tests.support.offsets_media import MP4, write_clip

PLUGIN = "workers.analyzers.frame_index:FrameIndexAnalyzer"

pytestmark = pytest.mark.slow


def test_an_analysis_run_builds_the_index_that_later_uses_read(
    db: Database, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    eioku = Eioku(db, home, EIOKU_ANALYZER_PLUGINS=PLUGIN)
    clip = write_clip(tmp_path / "clip.mp4", MP4)
    first = eioku("analyze", str(clip), "-a", "frame_index", "--json")
    assert first.code == 0, first.stderr
    [report] = first.json()
    [run] = report["runs"]
    assert (run["outcome"], run["artifact_count"]) == ("succeeded", 0)
    stored = home / "videos" / report["video_id"] / "frames.offsets.json"
    built = stored.stat().st_mtime_ns
    assert (stored.parent / "frames.packets.npz").is_file()

    again = eioku("analyze", str(clip), "-a", "frame_index", "--json")
    assert again.json()[0]["runs"][0]["outcome"] == "cached"
    index = eioku("frames", "index", str(clip))
    assert (index.code, index.stdout.strip()) == (0, str(stored))
    assert stored.stat().st_mtime_ns == built
