"""Opaque keyset cursors for artifact pages: the (span_start_ms, artifact_id) of the last
artifact of a page, as URL-safe base64 of a small JSON array."""

import base64
import binascii
import json

from pipeline.api.errors import invalid
from schemas.base import MAX_JSON_SAFE_INT

MAX_CURSOR_LENGTH = 512


def encode_cursor(start_ms: int, artifact_id: str) -> str:
    raw = json.dumps([start_ms, artifact_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The keyset position; a cursor this API did not hand out is a 422 naming `cursor`."""
    error = invalid("cursor", "not a cursor returned by this endpoint")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise error
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start_ms, artifact_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise error from None
    if (
        type(start_ms) is not int
        or not 0 <= start_ms <= MAX_JSON_SAFE_INT
        or not isinstance(artifact_id, str)
        or not artifact_id
        or "\x00" in artifact_id
    ):
        raise error
    return start_ms, artifact_id
