"""`eioku screenshots`: the selected frames of a reference and its encodes as PNGs with a
"Frame Selection Type" overlay, selecting the frames first unless a valid selection is
stored (the load path of pipeline/frame_selection/service.py)."""

import re
from pathlib import Path
from typing import Annotated

import typer

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.cli import render
from pipeline.cli.common import analysis_request
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, fail
from pipeline.cli.frames_commands import registered_video
from pipeline.cli.outputs import output_folder, writing
from pipeline.frame_selection.config import SelectionConfig
from pipeline.frame_selection.screenshots import Overlay
from pipeline.frame_selection.service import CacheMode

SCREENSHOTS_FOLDER = "screenshots"
FRAME_NUMBER = re.compile(r"[0-9]{1,9}")  # a frame of any video, and no more digits


def screenshots(
    reference: Annotated[Path, typer.Argument(help="The reference video.")],
    targets: Annotated[
        list[Path] | None,
        typer.Option("--tgt", help="An encode of the reference to compare; repeatable."),
    ] = None,
    overlay: Annotated[
        Overlay, typer.Option("--overlay", help="minimal, or diagnostic (metrics and source).")
    ] = Overlay.MINIMAL,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the selection files and PNGs "
            "(default: $EIOKU_HOME/videos/ID/, PNGs in its screenshots/).",
        ),
    ] = None,
    frames: Annotated[
        str | None, typer.Option("--frames", help="User frames, e.g. 120,480 (always chosen).")
    ] = None,
    frames_file: Annotated[
        Path | None,
        typer.Option("--frames-file", help="User frames, one number per line ('#' comments)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-selection-cache", help="Select again and rewrite the files.")
    ] = False,
    freeze: Annotated[
        bool,
        typer.Option(
            "--freeze-selection-cache", help="Use the stored selection; fail when it is stale."
        ),
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Profile of the frames settings.")
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="frames.KEY=VALUE, e.g. frames.rng_seed=7."),
    ] = None,
) -> None:
    """Render the selected frames of REF (and of each --tgt at the same frame indices)."""
    from pipeline.frame_selection.index import load_index
    from pipeline.frame_selection.screenshots import Clip, render_screenshots
    from pipeline.frame_selection.service import ensure_selection
    from pipeline.media.frame_index_store import video_output_folder

    if no_cache and freeze:
        raise fail("--no-selection-cache and --freeze-selection-cache exclude each other")
    config = _config(profile, overrides, _user_frames(frames, frames_file))
    mode = CacheMode.IGNORE if no_cache else CacheMode.FREEZE if freeze else CacheMode.USE
    settings = current_settings()
    for target in targets or []:
        if not target.is_file():
            raise fail(f"--tgt {target}: no such file", EXIT_FAILED)
    if out is not None:
        output_folder(out, "--out")
    video = registered_video(settings, str(reference))
    folder = out or video_output_folder(settings.home, video.video_id)
    option = "--out" if out else None
    with writing(folder, option):
        outcome = ensure_selection(video.path, targets or [], config, folder, mode)
    clips = [Clip(video.path, "ref")]
    clips += [Clip(str(target), f"tgt{n}") for n, target in enumerate(targets or [], start=1)]
    with writing(folder, option):
        written = render_screenshots(
            clips, load_index(folder), out or folder / SCREENSHOTS_FOLDER, overlay
        )
    action = "selected" if outcome.computed else "loaded (no analysis)"
    render.err.print(
        f"{len(outcome.selection.selections)} frames {action}; {len(written)} screenshots",
        markup=False,
    )
    for path in written:
        render.out.print(str(path), markup=False)


def _user_frames(frames: str | None, frames_file: Path | None) -> list[int]:
    chosen: list[int] = []
    if frames:
        items = [item.strip() for item in frames.split(",")]
        if not all(FRAME_NUMBER.fullmatch(item) for item in items):
            raise fail(f"--frames {frames!r}: expected frame numbers like 120,480")
        chosen += [int(item) for item in items]
    if frames_file is not None:
        chosen += _frames_of_file(frames_file)
    return chosen


def _frames_of_file(path: Path) -> list[int]:
    """The frames a `--frames-file` lists: UTF-8 text whose every line is a frame number,
    a `#` comment, both, or blank (so a compframes file is one)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise fail(f"--frames-file {path}: {exc.strerror}", EXIT_FAILED) from None
    except UnicodeDecodeError:
        raise fail(f"--frames-file {path}: not a text file (not UTF-8)") from None
    chosen = []
    for number, line in enumerate(text.splitlines(), start=1):
        frame = line.partition("#")[0].strip()
        if not frame:
            continue
        if not FRAME_NUMBER.fullmatch(frame):
            raise fail(f"--frames-file {path}: line {number} is not a frame number: {line!r}")
        chosen.append(int(frame))
    return chosen


def _config(
    profile: str | None, overrides: list[str] | None, user_frames: list[int]
) -> SelectionConfig:
    catalog = AnalyzerCatalog(current_settings())
    request = analysis_request(catalog, "frames", profile, overrides, force=False, resume=False)
    settings = dict(request.overrides.get("frames", {}))
    if user_frames:
        settings["user_frames"] = [*settings.get("user_frames", []), *user_frames]
    config = catalog.effective_config("frames", request.profile, settings)
    assert isinstance(config, SelectionConfig)
    return config
