"""Comparison screenshots: the selected frames of the reference and of every target at the
same frame indices, as PNGs with a ``Frame Selection Type: <Type>`` overlay. The labels
come from a SelectionIndex (record, compframes hint or unknown): rendering never triggers
a selection."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.files import atomic_write_bytes
from pipeline.frame_selection.files import timecode
from pipeline.frame_selection.index import FrameLabel, SelectionIndex

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

FONT_SCALE_PER_ROW = 0.6 / 480  # text height follows the picture height
MIN_FONT_SCALE = 0.35
TEXT_COLOUR = (255, 255, 255)
BOX_COLOUR = (0, 0, 0)


class Overlay(StrEnum):
    MINIMAL = "minimal"
    DIAGNOSTIC = "diagnostic"


@dataclass(frozen=True)
class Clip:
    path: str
    role: str  # ref, tgt1, tgt2, ...


def overlay_lines(
    label: FrameLabel, role: str, size: tuple[int, int], time_ms: int, overlay: Overlay
) -> list[str]:
    width, height = size
    lines = [
        f"Frame Selection Type: {label.type}",
        f"{role} {width}x{height}  frame {label.frame_index}  {timecode(time_ms)}",
    ]
    if overlay is Overlay.DIAGNOSTIC:
        score = "-" if label.score is None else f"{label.score:.2f}"
        metrics = (label.notes or "no metrics recorded").replace("=", " ")
        lines.append(f"{metrics}  score {score}")
        lines.append(f"source {label.source or '-'} ({label.origin})")
    return lines


def draw_overlay(rgb: "np.ndarray", lines: Sequence[str]) -> "np.ndarray":
    """The picture with the lines at its top left, white on a black box."""
    import cv2
    import numpy as np  # here, not at the top: the CLI imports this module

    image = np.ascontiguousarray(rgb.copy())
    scale = max(image.shape[0] * FONT_SCALE_PER_ROW, MIN_FONT_SCALE)
    thickness = max(round(scale * 1.5), 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    sizes = [cv2.getTextSize(line, font, scale, thickness) for line in lines]
    line_height = max(height + baseline for (_, height), baseline in sizes) + 4
    margin = 6
    box_width = max(width for (width, _), _ in sizes) + 2 * margin
    cv2.rectangle(image, (0, 0), (box_width, line_height * len(lines) + margin), BOX_COLOUR, -1)
    for row, line in enumerate(lines, start=1):
        baseline_y = row * line_height - 2
        cv2.putText(
            image, line, (margin, baseline_y), font, scale, TEXT_COLOUR, thickness, cv2.LINE_AA
        )
    return image


def render_screenshots(
    clips: Sequence[Clip], index: SelectionIndex, out_dir: Path, overlay: Overlay
) -> list[Path]:
    """One PNG per clip and selected frame, ``<role>_<frame, 6 digits>.png``; frames a
    clip does not have are skipped with one warning per clip."""
    from pipeline.media.frames import FrameSampler
    from pipeline.media.still_image import png_bytes

    wanted = index.frames()
    written = []
    for clip in clips:
        with FrameSampler(clip.path) as sampler:
            missing = [frame for frame in wanted if frame >= sampler.frame_count]
            if missing:
                log.warning(
                    "%s has %d frames: selected frame(s) %s skipped",
                    clip.path, sampler.frame_count, ", ".join(map(str, missing[:10])),
                )  # fmt: skip
            for frame in sampler.sample_indices(wanted):
                label = index.label(frame.frame_index)
                size = (frame.display_width, frame.display_height)
                lines = overlay_lines(label, clip.role, size, frame.timestamp_ms, overlay)
                target = out_dir / f"{clip.role}_{frame.frame_index:06d}.png"
                atomic_write_bytes(target, png_bytes(draw_overlay(frame.image, lines)))
                written.append(target)
            if sampler.skipped_frames:
                log.warning("%s: frame(s) %s did not decode", clip.path, sampler.skipped_frames)
    return written
