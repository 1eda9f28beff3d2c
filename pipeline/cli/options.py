"""Parsing of command-line values that are more than a plain string."""

import json
import re
from collections.abc import Iterable
from typing import Any

import typer

from schemas.base import MAX_JSON_SAFE_INT

TIME = re.compile(
    r"(?P<ms>\d+)"
    r"|(?P<plain>\d+(?:\.\d+)?)s"
    r"|(?:(?P<hours>\d+):)?(?P<minutes>\d+):(?P<seconds>\d+(?:\.\d+)?)"
)


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
        except ValueError:  # a number of more digits than Python reads
            raise typer.BadParameter(
                f"{key}: the number is too long ({len(raw)} characters)"
            ) from None
        overrides.setdefault(analyzer, {})[option] = value
    return overrides


def parse_timestamp_ms(value: str | None) -> int | None:
    """Milliseconds from `1234`, `12.5s`, `01:12` or `00:01:12.5`: never negative, and the
    minutes and seconds after the first field below 60."""
    if value is None:
        return None
    found = TIME.fullmatch(value.strip())
    if found is None:
        raise typer.BadParameter(f"{value!r} is not a time (ms, 12.5s, MM:SS or HH:MM:SS)")
    try:
        ms = _milliseconds(found)
    except (ValueError, OverflowError):  # more digits than int() reads; round() of inf
        ms = MAX_JSON_SAFE_INT + 1
    if ms > MAX_JSON_SAFE_INT:
        raise typer.BadParameter(f"{value!r} is beyond any video (at most {MAX_JSON_SAFE_INT} ms)")
    return ms


def _milliseconds(found: re.Match[str]) -> int:
    if found["ms"] is not None:
        return int(found["ms"])
    if found["plain"] is not None:
        return round(float(found["plain"]) * 1000)
    hours = int(found["hours"] or 0)
    minutes, seconds = int(found["minutes"]), float(found["seconds"])
    if (found["hours"] is not None and minutes >= 60) or seconds >= 60:
        raise typer.BadParameter(f"{found[0]!r} is not a time: minutes and seconds go up to 59")
    return round((hours * 3600 + minutes * 60 + seconds) * 1000)
