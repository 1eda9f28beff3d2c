"""The input must not change under a run: its size and mtime are checked against the
registered ones when the run starts, and size, mtime and a digest of the first and last
blocks again before its artifacts are committed. A change fails the run ``input_changed``
(``video_file_unavailable`` when the file is gone), so nothing computed from other bytes
is ever cached under the registered content hash (docs/ARCHITECTURE.md, "Runs")."""

from dataclasses import dataclass

from pipeline.db.models import Video
from pipeline.media.errors import MediaError
from pipeline.media.fingerprint import FileStat, edge_digest, stat_media_file

CHANGED_INPUT_CODES = frozenset({"input_changed", "video_file_unavailable"})


@dataclass(frozen=True)
class InputGuard:
    path: str
    size_bytes: int
    mtime_ns: int
    edges: str

    @classmethod
    def at_start(cls, video: Video) -> "InputGuard":
        current = _stat(video.path)
        if (current.size_bytes, current.mtime_ns) != (video.size_bytes, video.mtime_ns):
            raise MediaError(
                "input_changed",
                f"{video.path}: file changed since it was submitted; submit it again",
            )
        return cls(video.path, video.size_bytes, video.mtime_ns, _edges(video.path))

    def verify(self) -> None:
        """Raise when the file changed while the run read it."""
        current = _stat(self.path)
        same_stat = (current.size_bytes, current.mtime_ns) == (self.size_bytes, self.mtime_ns)
        if not same_stat or _edges(self.path) != self.edges:
            raise MediaError(
                "input_changed",
                f"{self.path}: the file changed while it was analysed "
                f"({self.size_bytes} -> {current.size_bytes} bytes); nothing was kept, "
                "analyse it again",
            )


def _stat(path: str) -> FileStat:
    try:
        return stat_media_file(path)
    except MediaError as exc:
        if exc.code in ("not_found", "not_a_file"):
            raise MediaError(
                "video_file_unavailable", f"{path}: the file is gone ({exc.message})"
            ) from exc
        raise


def _edges(path: str) -> str:
    try:
        return edge_digest(path)
    except MediaError as exc:
        raise MediaError("video_file_unavailable", exc.message) from exc
