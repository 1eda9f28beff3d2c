"""The one base of Eioku's errors: a stable ``code``, a ``message`` for people, the
``field`` at fault (optional) and a ``kind`` that says how the API and the CLI answer it
(docs/ARCHITECTURE.md, "Errors"). ``str(error)`` is the line they show; a class whose
line names its field differs from ``message``, which a caller may prefix its own way."""

from enum import StrEnum


class ErrorKind(StrEnum):
    """Whose move it is: the API's status and the CLI's exit code follow from it."""

    INVALID_PARAMETER = "invalid_parameter"
    """A parameter or option has a value that cannot apply: 422, CLI usage error (2)."""
    UNUSABLE_INPUT = "unusable_input"
    """An input (a file, a stored document) cannot be used: 422, exit 1."""
    NOT_FOUND = "not_found"
    """404, exit 1."""
    CONFLICT = "conflict"
    """What the current state forbids (a finished run, a blocked intent): 409, exit 1."""
    UNAVAILABLE = "unavailable"
    """The database cannot serve yet: 503 with Retry-After, exit 1."""
    FAILURE = "failure"
    """The configuration or Eioku itself: 500 without details (logged), exit 1."""


class EiokuError(Exception):
    code: str = "internal_error"
    kind: ErrorKind = ErrorKind.FAILURE

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        line: str | None = None,
    ) -> None:
        """``code`` overrides the class's; ``line`` is ``str(error)`` where it is not the
        message alone."""
        super().__init__(message if line is None else line)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
