"""`eioku frames index|get|convert`: the frame offsets index of a video, one frame by
random access through it, and transcoding to an H.265 elementary stream."""

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli import render
from pipeline.cli.context import current_settings
from pipeline.cli.flags import EXIT_FAILED, fail
from pipeline.cli.outputs import output_file, writing
from pipeline.coordinator.registration import find_video, register_video
from pipeline.db.connect import open_database
from pipeline.db.models import Video
from pipeline.files import atomic_write_bytes
from pipeline.media.fingerprint import stat_media_file
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.media.offsets import PacketTable

frames_app = typer.Typer(
    help="Frame offsets index, random access to frames, H.265 conversion.",
    no_args_is_help=True,
)

VideoArgument = Annotated[str, typer.Argument(help="Video file, or the id of a registered one.")]
URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


@frames_app.command("index")
def index_command(
    video: VideoArgument,
    video_url: Annotated[
        str | None,
        typer.Option(
            "--video-url", help="video_url to record, e.g. s3://bucket/key (default fs://PATH)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write (default: $EIOKU_HOME/videos/ID/)."),
    ] = None,
) -> None:
    """Write the frame offsets index of a video (computed once per content, then read)."""
    from pipeline.media import frame_index_store as store

    if video_url is not None and not URL_PATTERN.fullmatch(video_url):
        raise fail(f"--video-url {video_url!r}: expected SCHEME://LOCATION, e.g. s3://bucket/key")
    from pipeline.media.offsets_file import OffsetsFileError, read_offsets_file, write_offsets_file

    if out is not None:
        output_file(out, "--out")
    settings = current_settings()
    found = registered_video(settings, video)
    table = _table(settings.home, found)
    url = video_url or store.file_url(found.path)
    destination = out or store.offsets_path(settings.home, found.video_id)
    try:
        up_to_date = out is None and read_offsets_file(destination).video_url == url
    except OffsetsFileError:
        up_to_date = False
    if not up_to_date:
        with writing(destination, "--out" if out else None):
            write_offsets_file(table.scan.offset_index(url), destination)
    keyframes = int((table.source.offsets == table.scan.irap_offsets).sum())
    render.err.print(f"{len(table.source)} frames, {keyframes} keyframes")
    render.out.print(str(destination.resolve()), markup=False)


# `-1` is then the frame number it looks like, refused by its range, not an unknown option
@frames_app.command("get", context_settings={"ignore_unknown_options": True})
def get_command(
    video: VideoArgument,
    frame_index: Annotated[
        int, typer.Argument(min=0, help="Frame number, 0-based, in presentation order.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="PNG file to write (default ./STEM-frameN.png).")
    ] = None,
) -> None:
    """Decode one frame from its keyframe's byte offset on and write it as PNG."""
    from pipeline.media.random_access import IndexedFrames
    from pipeline.media.still_image import png_bytes

    if out is not None:
        output_file(out, "--out")
    settings = current_settings()
    found = registered_video(settings, video)
    frames = IndexedFrames(_table(settings.home, found))
    if frame_index >= frames.frame_count:
        raise fail(
            f"video {found.video_id} has {frames.frame_count} frames; no frame {frame_index}",
            EXIT_FAILED,
        )
    frame = frames.frame(frame_index)
    if frame is None:
        raise fail(f"frame {frame_index} of {found.path} does not decode", EXIT_FAILED)
    destination = out or Path(f"{Path(found.path).stem}-frame{frame_index}.png")
    with writing(destination, "--out" if out else None):
        atomic_write_bytes(destination, png_bytes(frame))
    render.out.print(str(destination.resolve()), markup=False)


@frames_app.command("convert")
def convert_command(
    source: Annotated[Path, typer.Argument(help="Video file to transcode.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .h265 file to write.")],
    extract_offsets: Annotated[
        bool, typer.Option("--extract-offsets", help="Also write OUTPUT.offsets.json.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    gop: Annotated[
        int, typer.Option("--gop", min=1, max=10000, help="Frames from one keyframe to the next.")
    ] = 50,
    preset: Annotated[
        str, typer.Option("--preset", help="x265 preset, ultrafast ... placebo.")
    ] = "medium",
    crf: Annotated[float, typer.Option("--crf", min=0, max=51, help="x265 quality.")] = 28,
) -> None:
    """Transcode to an H.265 Annex-B elementary stream (libx265), closed GOPs."""
    from pipeline.media.frame_index_store import file_url
    from pipeline.media.offsets import scan_packets
    from pipeline.media.offsets_file import write_offsets_file
    from pipeline.media.transcode import X265_PRESETS, HevcSettings, convert_to_hevc

    if preset not in X265_PRESETS:
        raise fail(f"--preset {preset!r}: expected one of {', '.join(X265_PRESETS)}")
    offsets_file = output.with_name(output.name + ".offsets.json")
    targets = [output, offsets_file] if extract_offsets else [output]
    existing = [str(target) for target in targets if target.exists()]
    if existing and not force:
        raise fail(f"{', '.join(existing)} exists; pass --force to overwrite", EXIT_FAILED)
    frame_count = convert_to_hevc(source, output, HevcSettings(gop, preset, crf))
    if extract_offsets:
        scan = scan_packets(str(output))
        write_offsets_file(scan.offset_index(file_url(output)), offsets_file)
    render.err.print(f"{frame_count} frames, keyframe every {gop}")
    for target in targets:
        render.out.print(str(target.resolve()), markup=False)


def registered_video(settings: Settings, reference: str) -> Video:
    """The registered video of a path (registering it) or of an id, whose file must be
    unchanged since it was registered."""
    with open_database(settings).transaction() as session:
        if Path(reference).exists():
            return register_video(session, reference).video
        found = find_video(session, reference)
    stat = stat_media_file(found.path)
    if (stat.size_bytes, stat.mtime_ns) != (found.size_bytes, found.mtime_ns):
        raise fail(f"{found.path} changed since it was registered; pass its path", EXIT_FAILED)
    return found


def _table(home: Path, video: Video) -> "PacketTable":
    from pipeline.media.frame_index_store import load_or_build

    return load_or_build(home, video.video_id, video.path)
