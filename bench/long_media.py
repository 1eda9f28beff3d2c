"""A long realistic video for bench/long_video.py: 72 s of real stills (a photo of
people, a street with a bus), text cards, a talking head and a pan, with real speech (the
JFK clip every 15 s, silence between), encoded once and then copied end to end by
remuxing — no re-encoding — to the length asked for. Each copy has the same content, so a
window's work is about the same wherever it lies."""

import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from bench.realistic_clip import write_realistic_clip

JFK = Path(__file__).resolve().parents[1] / "tests" / "data" / "jfk.flac"
UNIT_S = 72  # three cycles of bench.realistic_clip
SPEECH_EVERY_S = 15
RATE = 16_000


def speech_track(path: Path, seconds: int) -> Path:
    """``seconds`` of audio: the JFK sentence at the start of every 15 s, silence between."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(str(JFK)) as source:
        frames = [out for frame in source.decode(audio=0) for out in resampler.resample(frame)]
    frames += resampler.resample(None)  # what the resampler still holds
    speech = np.concatenate([frame.to_ndarray().reshape(-1) for frame in frames])
    track = np.zeros(seconds * RATE, np.int16)
    for start in range(0, seconds, SPEECH_EVERY_S):
        piece = speech[: max(0, min(len(speech), (seconds - start) * RATE))]
        track[start * RATE : start * RATE + len(piece)] = piece
    with av.open(str(path), "w") as output:
        stream = output.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(track.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return path


def long_video(directory: Path, minutes: float) -> Path:
    """``directory/long-<minutes>min.mp4``, built once (kept for later runs)."""
    target = directory / f"long-{minutes:g}min.mp4"
    if target.exists():
        return target
    unit = directory / "unit.mp4"
    if not unit.exists():
        speech = speech_track(directory / "speech.flac", UNIT_S)
        write_realistic_clip(directory, UNIT_S, audio=speech).rename(unit)
    return concatenate(unit, max(1, math.ceil(minutes * 60 / UNIT_S)), target)


def concatenate(unit: Path, copies: int, target: Path) -> Path:
    """``copies`` of ``unit`` end to end, by shifting packet times (stream copy)."""
    partial = target.with_suffix(".partial.mp4")
    with av.open(str(unit)) as source, av.open(str(partial), "w") as output:
        streams = {s.index: output.add_stream_from_template(s) for s in source.streams}
        length = Fraction(source.duration or 0, av.time_base)
        for copy in range(copies):
            source.seek(0)
            for packet in source.demux():
                if packet.dts is None:
                    continue
                shift = round(copy * length / packet.time_base)
                packet.dts += shift
                if packet.pts is not None:
                    packet.pts += shift
                packet.stream = streams[packet.stream.index]
                output.mux(packet)
    partial.rename(target)
    return target
