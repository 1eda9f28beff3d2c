"""Parsing of command-line values that are more than a plain string."""

import json
from collections.abc import Iterable
from typing import Any

import typer

from schemas.base import MAX_JSON_SAFE_INT


def split_names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise typer.BadParameter("give at least one name")
    return list(dict.fromkeys(names))


def parse_overrides(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`analyzer.key=value` items; a value is read as JSON when it parses, else as text."""
    overrides: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        analyzer, dot, option = key.partition(".")
        if not sep or not dot or not analyzer or not option:
            raise typer.BadParameter(
                f"{item!r}: expected ANALYZER.KEY=VALUE, e.g. scenes.threshold=30"
            )
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        overrides.setdefault(analyzer, {})[option] = value
    return overrides


def parse_timestamp_ms(value: str | None) -> int | None:
    """Milliseconds from `1234`, `12.5s`, `01:12` or `00:01:12.5`."""
    if value is None:
        return None
    text = value.strip()
    try:
        if ":" in text:
            seconds = 0.0
            for part in text.split(":"):
                seconds = seconds * 60 + float(part)
            ms = round(seconds * 1000)
        elif text.endswith("s"):
            ms = round(float(text[:-1]) * 1000)
        else:
            ms = int(text)
    except (ValueError, OverflowError):  # OverflowError: round() of an infinity
        raise typer.BadParameter(f"{value!r} is not a time (ms, 12.5s or HH:MM:SS)") from None
    if abs(ms) > MAX_JSON_SAFE_INT:
        raise typer.BadParameter(f"{value!r} is beyond any video (at most {MAX_JSON_SAFE_INT} ms)")
    return ms
