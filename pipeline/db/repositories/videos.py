from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.models import Video, VideoFile
from pipeline.db.types import utcnow
from pipeline.errors import EiokuError, ErrorKind


class VideoNotFoundError(EiokuError, LookupError):
    code = "video_not_found"
    kind = ErrorKind.NOT_FOUND

    def __init__(self, reference: str) -> None:
        super().__init__(f"no video known as {reference!r} (give a video id or a path)")
        self.reference = reference


class VideoRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, video_id: str) -> Video | None:
        return self.session.get(Video, video_id)

    def by_content_hash(self, content_hash: str) -> Video | None:
        return self.session.scalars(select(Video).where(Video.content_hash == content_hash)).first()

    def file_entry(self, path: str) -> VideoFile | None:
        return self.session.get(VideoFile, path)

    def remember_file(
        self, path: str, size_bytes: int, mtime_ns: int, content_hash: str, video_id: str
    ) -> None:
        fields = {
            "size_bytes": size_bytes,
            "mtime_ns": mtime_ns,
            "content_hash": content_hash,
            "video_id": video_id,
            "seen_at": utcnow(),
        }
        entry = self.session.get(VideoFile, path)
        if entry is None:
            try:  # another producer may be registering the same path right now
                with self.session.begin_nested():
                    self.session.add(VideoFile(path=path, **fields))
                return
            except IntegrityError:
                entry = self.session.get_one(VideoFile, path, populate_existing=True)
        for name, value in fields.items():
            setattr(entry, name, value)

    def add_unless_present(self, video: Video) -> Video:
        """Insert the video, or return the row another producer inserted for the same
        content meanwhile (the content hash is unique)."""
        try:
            with self.session.begin_nested():
                self.session.add(video)
            return video
        except IntegrityError:
            existing = self.by_content_hash(video.content_hash)
            if existing is None:
                raise
            return existing

    def all(self) -> list[Video]:
        return list(self.session.scalars(select(Video).order_by(Video.created_at, Video.video_id)))
