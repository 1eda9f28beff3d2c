from pipeline.errors import EiokuError, ErrorKind


class MediaError(EiokuError):
    """A file cannot be used as a video; ``code`` is stable, ``message`` is for people."""

    kind = ErrorKind.UNUSABLE_INPUT

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
