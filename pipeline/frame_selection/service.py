"""The load path of a selection: use the stored files when their cache key matches the
inputs (nothing decoded, no metric computed), otherwise select again and rewrite both."""

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import EiokuError, ErrorKind
from pipeline.frame_selection.choose import Choice, choose_frames, selection_window
from pipeline.frame_selection.clips import clip_input, selection_cache_key
from pipeline.frame_selection.config import ENGINE_TAG, SelectionConfig
from pipeline.frame_selection.files import (
    read_selection_file,
    timecode,
    utc_now,
    write_compframes,
    write_selection_file,
)
from pipeline.frame_selection.metrics import measure
from schemas.payloads.frames import FrameKind
from schemas.selection_file import (
    SELECTION_FILE_VERSION,
    ClipInput,
    SelectionFile,
    SelectionInputs,
    SelectionRecord,
)

if TYPE_CHECKING:
    from pipeline.media.frames import FrameSampler, SampledFrame

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


class CacheMode(StrEnum):
    USE = "use"  # load when valid, else select and rewrite
    IGNORE = "ignore"  # always select and rewrite
    FREEZE = "freeze"  # load when valid, else fail


class SelectionError(EiokuError):
    """The selection cannot be made or loaded; the message says why, in one line."""

    code = "selection_failed"
    kind = ErrorKind.UNUSABLE_INPUT


@dataclass(frozen=True)
class SelectionOutcome:
    selection: SelectionFile
    computed: bool  # False: loaded from the folder without decoding anything


def ensure_selection(
    reference: str | Path,
    targets: Sequence[str | Path],
    config: SelectionConfig,
    folder: Path,
    mode: CacheMode = CacheMode.USE,
    progress: Progress | None = None,
) -> SelectionOutcome:
    stored = None if mode is CacheMode.IGNORE else read_selection_file(folder)
    known = stored.inputs.clips if stored is not None else []
    clips = [
        clip_input(reference, "ref", known),
        *(clip_input(target, "tgt", known) for target in targets),
    ]
    key = selection_cache_key(clips, config)
    if stored is not None and stored.cache_key == key:
        return SelectionOutcome(stored, computed=False)
    if mode is CacheMode.FREEZE:
        raise SelectionError(
            f"--freeze-selection-cache: {what_changed(stored, clips, config, folder)}"
        )
    selection = SelectionFile(
        version=SELECTION_FILE_VERSION,
        created_utc=utc_now(),
        cache_key=key,
        inputs=SelectionInputs(clips=clips, config_fingerprint=config.fingerprint()),
        selections=select_frames(clips, config, progress),
    )
    # the selection file last: until its key matches, the next load rewrites both
    write_compframes(folder, selection.selections)
    write_selection_file(folder, selection)
    return SelectionOutcome(selection, computed=True)


def what_changed(
    stored: SelectionFile | None, clips: list[ClipInput], config: SelectionConfig, folder: Path
) -> str:
    if stored is None:
        return f"no valid selection file in {folder}"
    changes = []
    before = stored.inputs.clips
    if [(c.role, c.path) for c in before] != [(c.role, c.path) for c in clips]:
        changes.append("the clips compared are not the same")
    else:
        for old, new in zip(before, clips, strict=True):
            changes += [
                f"{new.role} {new.path}: {name} changed"
                for name in ("size", "mtime", "sha1")
                if getattr(old, name) != getattr(new, name)
            ]
    old_config, new_config = stored.inputs.config_fingerprint, config.fingerprint()
    changes += [
        f"{name} {getattr(old_config, name)!r} -> {getattr(new_config, name)!r}"
        for name in type(new_config).model_fields
        if getattr(old_config, name) != getattr(new_config, name)
    ]
    return "stale selection: " + (
        "; ".join(changes) or "the engine or its selection counts changed"
    )


def select_frames(
    clips: list[ClipInput], config: SelectionConfig, progress: Progress | None = None
) -> list[SelectionRecord]:
    """Metrics from the reference (the first clip) on every ``step``-th frame of the
    window; frame indices valid in every clip."""
    from pipeline.analysis.contract import AnalysisInputError, refuse_truncated
    from pipeline.media.frames import FrameSampler

    reference = clips[0]
    with FrameSampler(reference.path) as sampler:
        try:
            refuse_truncated(sampler.frames_end_ms, sampler.duration_ms)
        except AnalysisInputError as exc:
            raise SelectionError(f"{reference.path}: {exc.message}") from None
        if not sampler.frame_count:
            raise SelectionError(f"{reference.path}: no video frames")
        usable = min([sampler.frame_count, *_target_counts(sampler.frame_count, clips, config)])
        times_ms = [sampler.time_ms(index) for index in range(usable)]
        window = selection_window([ms / 1000 for ms in times_ms], config)
        wanted = range(window.first, window.last + 1, config.step)
        frames = _reporting(sampler.sample_indices(wanted), len(wanted), progress)
        metrics = measure(frames, config.downscale_height, config.motion_method, config.diff_radius)
        _log_skipped(reference.path, sampler)
    choices = choose_frames(metrics, [ms / 1000 for ms in times_ms], window, config)
    return [_record(choice, times_ms[choice.frame_index]) for choice in choices]


def _target_counts(
    reference_count: int, clips: list[ClipInput], config: SelectionConfig
) -> list[int]:
    from pipeline.media.frames import FrameSampler

    counts = []
    for clip in clips[1:]:
        with FrameSampler(clip.path) as target:
            count = target.frame_count
        if abs(count - reference_count) > config.frame_count_tolerance:
            raise SelectionError(
                f"{clip.path} has {count} frames and the reference {clips[0].path} has "
                f"{reference_count}: more than frame_count_tolerance "
                f"({config.frame_count_tolerance}) apart"
            )
        counts.append(count)
    return counts


def _reporting(
    frames: Iterator["SampledFrame"], expected: int, progress: Progress | None
) -> Iterator["SampledFrame"]:
    for done, frame in enumerate(frames, start=1):
        yield frame
        if progress is not None:
            progress(min(done / max(expected, 1), 1.0))


def _log_skipped(path: str, sampler: "FrameSampler") -> None:
    if sampler.skipped_frames:
        log.warning("%s: %d sampled frame(s) did not decode", path, len(sampler.skipped_frames))


def _record(choice: Choice, time_ms: int) -> SelectionRecord:
    return SelectionRecord(
        frame_index=choice.frame_index,
        ts_tc=timecode(time_ms),
        type=choice.kind,
        score=round(min(max(choice.score, 0.0), 1.0), 4),
        source=ENGINE_TAG,
        clip_role="ref",
        notes=_notes(choice),
    )


def _notes(choice: Choice) -> str:
    if choice.kind is FrameKind.USER:
        return "user frame"
    if choice.kind is FrameKind.RANDOM:
        return "uniform in the window"
    return f"luma={choice.luma:.4f} motion={choice.motion:.5f}"
