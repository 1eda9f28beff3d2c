"""Turn a path into a registered video: the content decides identity, and an unchanged
file (same path, size and mtime) is recognised without reading its bytes again."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.db.models import Video
from pipeline.db.repositories import VideoNotFoundError, VideoRepository
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import FileStat, hash_file, stat_media_file


@dataclass(frozen=True)
class RegisteredVideo:
    video: Video
    stat: FileStat
    rehashed: bool  # False: the stat cache vouched for the content hash
    new_content: bool  # True: first time these bytes were seen


def video_id_for(content_hash: str) -> str:
    return content_hash[:16]


def register_video(session: Session, path: str) -> RegisteredVideo:
    """Raises MediaError for anything that is not a usable video; writes nothing then."""
    stat = stat_media_file(path)
    videos = VideoRepository(session)
    content_hash, rehashed = _content_hash(videos, stat)
    video = videos.by_content_hash(content_hash)
    new_content = video is None
    if video is None:
        video = videos.add_unless_present(_probed_video(stat, content_hash))
    else:
        video.path, video.size_bytes, video.mtime_ns = stat.path, stat.size_bytes, stat.mtime_ns
    videos.remember_file(stat.path, stat.size_bytes, stat.mtime_ns, content_hash, video.video_id)
    session.flush()
    return RegisteredVideo(video, stat, rehashed, new_content)


def _content_hash(videos: VideoRepository, stat: FileStat) -> tuple[str, bool]:
    """The file's content hash and whether it had to be computed: the stat cache answers
    for a path whose size and mtime are unchanged, without reading the file."""
    known = videos.file_entry(stat.path)
    if known is not None and (known.size_bytes, known.mtime_ns) == (stat.size_bytes, stat.mtime_ns):
        return known.content_hash, False
    return hash_file(stat.path), True


def _probed_video(stat: FileStat, content_hash: str) -> Video:
    from pipeline.media.probe import probe  # PyAV is only needed for content never seen

    info = probe(stat.path)
    return Video(
        video_id=video_id_for(content_hash),
        content_hash=content_hash,
        path=stat.path,
        size_bytes=stat.size_bytes,
        mtime_ns=stat.mtime_ns,
        duration_ms=info.duration_ms,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
        container=info.container,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
    )


def find_video(session: Session, reference: str) -> Video:
    """A video by id, or by the path of a file holding its content."""
    videos = VideoRepository(session)
    by_id = videos.get(reference)
    if by_id is not None:
        return by_id
    try:
        stat = stat_media_file(reference)
    except MediaError:
        raise VideoNotFoundError(reference) from None
    video = videos.by_content_hash(_content_hash(videos, stat)[0])
    if video is None:
        raise VideoNotFoundError(reference)
    return video
