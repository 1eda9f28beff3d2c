"""The offsets format: writing, the fast and the general reading path, the Pydantic model
and its JSON Schema, rejection of invalid and old nested files, lookups."""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.media import offsets_file
from pipeline.media.offsets_file import (
    OffsetIndex,
    OffsetsFileError,
    encode_offsets,
    parse_offsets,
    read_offsets_file,
    write_offsets_file,
)
from schemas.base import MAX_JSON_SAFE_INT
from schemas.offsets import FrameOffsets
from tests.support.strategies import non_empty_text

LEGACY = {
    "video_url": "fs:///v.mp4",
    "frame_count": 3,
    "iraps": [{"offset": 48, "frames": [48, 900, 1300]}],
}


@st.composite
def offset_indexes(draw: st.DrawFn) -> OffsetIndex:
    gaps = draw(st.lists(st.integers(1, 10**9), max_size=60))
    start = draw(st.integers(0, 10**6))
    offsets = np.cumsum(np.array([start, *gaps], np.int64))
    keyframes = np.array([True, *draw(st.lists(st.booleans(), min_size=len(gaps)))[: len(gaps)]])
    keyframes = np.resize(keyframes, len(offsets))
    keyframes[0] = True
    iraps = np.maximum.accumulate(np.where(keyframes, offsets, -1))
    return OffsetIndex(draw(non_empty_text), offsets, iraps)


def _document(index: OffsetIndex) -> dict[str, object]:
    pairs = zip(index.offsets.tolist(), index.irap_offsets.tolist(), strict=True)
    frames = [{"offset": offset, "irap_offset": irap} for offset, irap in pairs]
    return {"video_url": index.video_url, "frames": frames}


def _same(left: OffsetIndex, right: OffsetIndex) -> bool:
    return (
        left.video_url == right.video_url
        and np.array_equal(left.offsets, right.offsets)
        and np.array_equal(left.irap_offsets, right.irap_offsets)
        and left.offsets.dtype == right.offsets.dtype == np.int64
    )


@given(offset_indexes())
def test_what_is_written_reads_back_the_same(index: OffsetIndex) -> None:
    encoded = encode_offsets(index)
    assert _same(parse_offsets(encoded), index)
    assert json.loads(encoded) == _document(index)  # exactly two keys, two per frame


@given(offset_indexes(), st.sampled_from([None, 2]), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_any_json_layout_of_a_valid_index_is_read(
    index: OffsetIndex, indent: int | None, separators: tuple[str, str]
) -> None:
    text = json.dumps(_document(index), indent=indent, separators=separators)
    assert _same(parse_offsets(text.encode()), index)
    reordered = {"frames": _document(index)["frames"], "video_url": index.video_url}
    assert _same(parse_offsets(json.dumps(reordered).encode()), index)


SPEC_EXAMPLE = b"""{
  "video_url": "fs:///data/test.h265",
  "frames": [
    { "offset": 1024, "irap_offset": 1024 },
    { "offset": 2048, "irap_offset": 1024 },
    { "offset": 3072, "irap_offset": 1024 }
  ]
}
"""


def test_the_file_is_pretty_printed_as_in_the_formats_example() -> None:
    example = OffsetIndex(
        "fs:///data/test.h265", np.array([1024, 2048, 3072]), np.array([1024, 1024, 1024])
    )
    assert encode_offsets(example) == SPEC_EXAMPLE
    empty = OffsetIndex("s3://b/k", np.array([], np.int64), np.array([], np.int64))
    assert encode_offsets(empty) == b'{\n  "video_url": "s3://b/k",\n  "frames": []\n}\n'


@given(offset_indexes())
def test_each_frame_is_one_line_with_the_same_keys(index: OffsetIndex) -> None:
    lines = encode_offsets(index).decode().splitlines()
    frame_lines = lines[3:-2] if len(index) else []
    assert len(frame_lines) == len(index)
    for line, expected in zip(frame_lines, _document(index)["frames"], strict=True):
        entry = json.loads(line.strip().removesuffix(","))
        assert list(entry) == ["offset", "irap_offset"] and entry == expected


def _single_line(index: OffsetIndex) -> bytes:
    """The layout earlier versions wrote, still read by the fast path."""
    return (json.dumps(_document(index)) + "\n").encode()


def _compact(index: OffsetIndex) -> bytes:
    return json.dumps(_document(index), separators=(",", ":")).encode()


@pytest.mark.parametrize("layout", [encode_offsets, _single_line, _compact])
def test_the_written_and_the_earlier_layouts_take_the_fast_path(
    layout: Callable[[OffsetIndex], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = OffsetIndex("fs:///v.mp4", np.array([7, 90, 4000]), np.array([7, 7, 4000]))

    def slow_path(data: bytes) -> OffsetIndex:
        raise AssertionError("the general (json module) path was taken")

    monkeypatch.setattr(offsets_file, "_parse_general", slow_path)
    assert _same(parse_offsets(layout(index)), index)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"video_url": "x", "frames": [{"off set": 5, "irap_offset": 5}]}', "exactly offset"),
        (b'{"video_url": "x", "frames": [{"offset": 5, "irap offset": 5}]}', "exactly offset"),
        (b'{"video_url": "x", "frames": [{"offset": 5, "irap_offset": 5}]} ]}', "not JSON"),
        (b'{ "video_url": "x", "frames": [\n { "offset": 5 "irap_offset": 5 }\n ]\n}', "not JSON"),
        (b'{"video_url": "x", "frames": [{"offset": 5, "irap_offset": 5}]\n}\n}', "not JSON"),
    ],
    ids=["blank-in-offset-key", "blank-in-irap-key", "second-tail", "no-comma", "extra-brace"],
)
def test_near_misses_of_the_layout_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(OffsetsFileError, match=reason):
        parse_offsets(data)


@given(offset_indexes())
def test_the_model_accepts_exactly_what_the_reader_accepts(index: OffsetIndex) -> None:
    model = FrameOffsets.model_validate_json(encode_offsets(index))
    assert model.model_dump() == _document(index)


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([{"offset": 10, "irap_offset": 10}, {"offset": 10, "irap_offset": 10}], "strictly"),
        ([{"offset": 10, "irap_offset": 10}, {"offset": 5, "irap_offset": 10}], "strictly"),
        ([{"offset": 10, "irap_offset": 5}], "first frame must be a keyframe"),
        (
            [
                {"offset": 1, "irap_offset": 1},
                {"offset": 2, "irap_offset": 2},
                {"offset": 3, "irap_offset": 1},
            ],
            "most recent keyframe",
        ),
        ([{"offset": 1, "irap_offset": 1, "size": 5}], "exactly offset and irap_offset"),
        ([{"offset": 1}], "exactly offset and irap_offset"),
        ([{"offset": -1, "irap_offset": -1}], "integers >= 0"),
        ([{"offset": 1.5, "irap_offset": 1.5}], "integers >= 0"),
        ([{"offset": True, "irap_offset": True}], "integers >= 0"),
        ([{"offset": 2**53, "irap_offset": 2**53}], "integers >= 0"),
        ([{"offset": 10**30, "irap_offset": 10**30}], "integers >= 0"),
    ],
)
def test_an_invalid_index_is_refused_by_reader_and_model(
    frames: list[dict[str, object]], reason: str
) -> None:
    data = json.dumps({"video_url": "fs:///v.mp4", "frames": frames}).encode()
    with pytest.raises(OffsetsFileError, match=reason):
        parse_offsets(data)
    with pytest.raises(ValidationError):
        FrameOffsets.model_validate_json(data)


@pytest.mark.parametrize(
    "document",
    [
        {"video_url": "fs:///v.mp4", "frames": [], "frame_count": 0},
        {"video_url": "", "frames": []},
        {"frames": []},
        [],
    ],
)
def test_other_top_level_shapes_are_refused(document: object) -> None:
    with pytest.raises(OffsetsFileError):
        parse_offsets(json.dumps(document).encode())
    with pytest.raises(ValidationError):
        FrameOffsets.model_validate(document)


def test_the_old_nested_format_is_refused_with_a_hint_to_regenerate(tmp_path: Path) -> None:
    old = tmp_path / "clip.offsets.json"
    old.write_text(json.dumps(LEGACY))
    with pytest.raises(OffsetsFileError) as caught:
        read_offsets_file(old)
    assert str(caught.value).startswith(f"{old}: offsets file is in the old nested format")
    assert "regenerate it with `eioku frames index VIDEO`" in str(caught.value)
    with pytest.raises(ValidationError, match="old nested format"):
        FrameOffsets.model_validate(LEGACY)


def test_not_json_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(OffsetsFileError, match="not JSON"):
        parse_offsets(b'{"video_url": "x", "frames": [')
    with pytest.raises(OffsetsFileError, match="not JSON"):  # a leading zero is not JSON
        parse_offsets(b'{"video_url": "x", "frames": [{"offset": 07, "irap_offset": 7}]}')
    with pytest.raises(OffsetsFileError, match="cannot read"):
        read_offsets_file(tmp_path / "absent.json")


@given(offset_indexes(), st.integers(0, 10**12))
def test_lookups_by_position_and_by_offset(index: OffsetIndex, probe: int) -> None:
    for position, offset in enumerate(index.offsets.tolist()):
        assert index.position_of_offset(offset) == position
        irap = index.irap_position(position)
        assert index.offsets[irap] == index.irap_offsets[position]
        assert irap in index.keyframe_positions()
    if probe not in set(index.offsets.tolist()):
        assert index.position_of_offset(probe) is None


def test_the_json_schema_describes_the_flat_format() -> None:
    schema = FrameOffsets.model_json_schema()
    assert set(schema["properties"]) == {"video_url", "frames"}
    assert schema["additionalProperties"] is False
    entry = schema["$defs"]["FrameOffset"]
    assert set(entry["properties"]) == {"offset", "irap_offset"}
    assert entry["additionalProperties"] is False
    assert entry["properties"]["offset"]["maximum"] == MAX_JSON_SAFE_INT


def test_files_are_written_atomically_in_the_format(tmp_path: Path) -> None:
    index = OffsetIndex("s3://bucket/key", np.array([5, 9], np.int64), np.array([5, 5], np.int64))
    target = tmp_path / "out" / "clip.offsets.json"
    write_offsets_file(index, target)
    assert json.loads(target.read_bytes()) == _document(index)
    assert [path.name for path in target.parent.iterdir()] == [target.name]
