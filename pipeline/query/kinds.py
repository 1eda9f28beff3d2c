"""The vocabulary of navigation queries that is not an analyzer's to declare: directions,
the "every text source" choice of find, and the error of a parameter that does not apply.
The jump kinds and text sources themselves are the analyzers' declarations
(``pipeline.analysis.vocabulary``)."""

from enum import StrEnum

from pipeline.errors import EiokuError, ErrorKind

ALL_SOURCES = "all"
"""find's source that searches every kind carrying text."""


class Direction(StrEnum):
    NEXT = "next"
    PREV = "prev"


class QueryParameterError(EiokuError, ValueError):
    """A parameter that does not apply to the query; ``field`` names it."""

    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field, line=f"{field}: {message}")
