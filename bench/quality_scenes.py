"""Scene cuts against the cuts the clips were made with: the demo sample (five cuts
between colour fields, a photo and a caption card) and two cycles of bench.realistic_clip
(real photos, text cards, a swaying and zooming face, a camera pan: eleven cuts, and
motion that must not count as one). A cut counts as found within one frame (40 ms at
25 fps)."""

from pathlib import Path
from tempfile import TemporaryDirectory

from bench.quality_runs import DEMO, analyze_file
from bench.realistic_clip import write_realistic_clip
from support.quality import QualityRow, match_times

FPS = 25
TOLERANCE_MS = 1000 // FPS
DEMO_CUT_FRAMES = (50, 90, 150, 185, 250)  # tests/support/build_demo_sample.py
CYCLE_S = (5, 4, 4, 3, 4, 4)  # stills, card, head, pan, card, bus: write_realistic_clip
CYCLES = 2


def _cuts_found(profile: str, path: Path) -> list[int]:
    return [scene.start_ms for scene in analyze_file("scenes", profile, path)[1:]]


def measure(profile: str) -> list[QualityRow]:
    rows = []
    with TemporaryDirectory(prefix="eioku-quality-scenes-") as directory:
        clip = write_realistic_clip(Path(directory), sum(CYCLE_S) * CYCLES)
        cases = {
            "demo sample.mp4": (DEMO, DEMO_CUT_FRAMES),
            "realistic clip 48 s": (clip, _realistic_cut_frames()),
        }
        for media, (path, frames) in cases.items():
            truth = [frame * 1000 // FPS for frame in frames]
            matched = match_times(truth, _cuts_found(profile, path), TOLERANCE_MS)
            detail = f"{matched.matched}/{matched.expected} cuts, {matched.found} found"
            rows.append(QualityRow("scenes", profile, media, "cut F1", matched.f1, detail=detail))
    return rows


def _realistic_cut_frames() -> tuple[int, ...]:
    ends = [sum(CYCLE_S[: i + 1]) for i in range(len(CYCLE_S))]
    seconds = [cycle * sum(CYCLE_S) + end for cycle in range(CYCLES) for end in ends]
    return tuple(second * FPS for second in seconds[:-1])
