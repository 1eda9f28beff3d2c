from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import Video, VideoFile
from pipeline.db.types import utcnow


class VideoNotFoundError(LookupError):
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
        entry = self.session.get(VideoFile, path) or VideoFile(path=path)
        entry.size_bytes = size_bytes
        entry.mtime_ns = mtime_ns
        entry.content_hash = content_hash
        entry.video_id = video_id
        entry.seen_at = utcnow()
        self.session.add(entry)

    def add(self, video: Video) -> Video:
        self.session.add(video)
        self.session.flush()
        return video

    def all(self) -> list[Video]:
        return list(self.session.scalars(select(Video).order_by(Video.created_at, Video.video_id)))
