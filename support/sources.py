"""A file as an analyzer sees it, for running one outside a run (benchmarks, tests)."""

from pipeline.analysis.contract import MediaSource
from pipeline.media.probe import probe


def probe_source(path: str, video_id: str = "adhoc") -> MediaSource:
    info = probe(path)
    return MediaSource(
        video_id=video_id,
        path=path,
        duration_ms=info.duration_ms,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
        has_audio=info.has_audio,
    )
