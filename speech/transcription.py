"""Whisper transcription behind one small interface.

``transcribe_file`` is the single entry point used by both the processing
pipeline and the ``transcribe`` management command.  The model itself sits
behind the ``Engine`` protocol so tests (here and in the Django apps) can swap
in a fake with ``set_engine_for_tests`` or the ``engine=`` parameter.

Hallucination guard, in layers:

1. Silero VAD (``vad_filter``; the ONNX model ships inside faster-whisper,
   nothing is downloaded) cuts silence, hold music and line noise before
   Whisper sees it - the main source of invented text.
2. Whisper's own per-window checks (``no_speech_threshold``,
   ``log_prob_threshold``, ``compression_ratio_threshold``) and
   ``condition_on_previous_text=False``, which stops one hallucinated line
   from priming the next window into a repetition loop.
3. ``filter_hallucinations``, a pure post-filter: drops segments that look
   like silence, known YouTube/broadcast sign-off phrases Whisper learned from
   subtitles (unless confidently heard), and collapses lines repeated three or
   more times in a row.

Channels longer than ``CHUNK_S`` are fed to Whisper in pieces cut at a
pause, which keeps a two-hour stereo call at ~1.4 GB peak RSS instead of
~2.3 GB (faster-whisper copies its whole input several times).

Custom vocabulary goes in through faster-whisper's ``hotwords``, which is
re-sent as a prompt for every 30 s window.  ``initial_prompt`` is not used:
with ``condition_on_previous_text=False`` it would only influence the first
window.

No Django imports: the glue reads settings and passes explicit options.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from speech.audio import ANALYSIS_SAMPLE_RATE, AudioRejected, decode_channels

__all__ = [
    "Engine",
    "HALLUCINATION_PATTERNS",
    "Segment",
    "TranscriptionOptions",
    "WhisperEngine",
    "filter_hallucinations",
    "get_engine",
    "is_dual_mono",
    "set_engine_for_tests",
    "transcribe_audio",
    "transcribe_file",
    "whisper_kwargs",
]

Layout = Literal["stereo", "mono"]
ChannelChoice = Literal["stereo", "mono", "auto"]
Side = Literal["left", "right"]
Progress = Callable[[float], None]

SPEAKER_AGENT = "agent"
SPEAKER_CUSTOMER = "customer"
SPEAKER_UNKNOWN = "unknown"

# Whisper's defaults, named here because the post-filter reuses them.
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4
# With word timestamps, faster-whisper can skip silent gaps longer than this
# when a segment around them looks hallucinated.
HALLUCINATION_SILENCE_THRESHOLD_S = 2.0
# A known sign-off phrase survives only if Whisper was this sure of it.
HIGH_CONFIDENCE_LOGPROB = -0.25
HIGH_CONFIDENCE_NO_SPEECH = 0.1
# Portion of a segment a known phrase must cover to count as "the segment
# is that phrase" rather than a real sentence that happens to contain it.
PHRASE_DOMINANCE = 0.5
MAX_CONSECUTIVE_REPEATS = 2
# Long channels are transcribed in pieces of about this length (see
# _chunk_bounds), each cut at the quietest 100 ms within CUT_SEARCH_S before
# the nominal boundary.
CHUNK_S = 600.0
CUT_SEARCH_S = 30.0
# Channels this similar are one recording duplicated into stereo.
DUAL_MONO_MAX_DIFFERENCE = 1e-3


@dataclass(frozen=True)
class TranscriptionOptions:
    model_dir: str
    compute_type: str = "int8"
    beam_size: int = 5
    language: str | None = "ko"
    cpu_threads: int = 0
    hotwords: tuple[str, ...] = ()
    vad: bool = True
    word_timestamps: bool = True

    def __post_init__(self) -> None:
        # Accept a list from settings but keep the dataclass hashable.
        object.__setattr__(self, "hotwords", tuple(h.strip() for h in self.hotwords if h and h.strip()))
        object.__setattr__(self, "model_dir", str(self.model_dir))


@dataclass
class Segment:
    speaker: str
    start: float
    end: float
    text: str
    avg_logprob: float | None
    no_speech_prob: float | None
    compression_ratio: float | None
    words: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Engine(Protocol):
    """Anything that turns 16 kHz mono float32 audio into raw segments.

    Segments may be yielded lazily, in time order; speaker is ignored (the
    caller assigns it) and no filtering is expected.
    """

    def transcribe(self, audio: np.ndarray, options: TranscriptionOptions) -> Iterable[Segment]: ...


# --------------------------------------------------------------------------
# faster-whisper adapter


def whisper_kwargs(options: TranscriptionOptions) -> dict[str, Any]:
    """Arguments for ``WhisperModel.transcribe``; pure so it can be tested."""
    kwargs: dict[str, Any] = {
        "language": options.language or None,
        "task": "transcribe",
        "beam_size": options.beam_size,
        "vad_filter": options.vad,
        "no_speech_threshold": NO_SPEECH_THRESHOLD,
        "log_prob_threshold": LOG_PROB_THRESHOLD,
        "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
        "condition_on_previous_text": False,
        "word_timestamps": options.word_timestamps,
        "hotwords": ", ".join(options.hotwords) or None,
    }
    if options.word_timestamps:
        kwargs["hallucination_silence_threshold"] = HALLUCINATION_SILENCE_THRESHOLD_S
    return kwargs


class WhisperEngine:
    """A loaded faster-whisper model.  Expensive: build through ``get_engine``."""

    def __init__(self, model_dir: str, *, compute_type: str = "int8", cpu_threads: int = 0) -> None:
        # faster-whisper treats a non-directory string as a model *name* and
        # downloads it; refuse that up front.
        if not (Path(model_dir) / "model.bin").is_file():
            raise FileNotFoundError(f"No Whisper model.bin in '{model_dir}'.")
        from faster_whisper import WhisperModel  # heavy import, only when needed

        self.model_dir = model_dir
        self.model = WhisperModel(
            model_dir,
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )

    def transcribe(self, audio: np.ndarray, options: TranscriptionOptions) -> Iterator[Segment]:
        raw_segments, _info = self.model.transcribe(audio, **whisper_kwargs(options))
        for raw in raw_segments:  # lazy: decoding happens as we iterate
            yield Segment(
                speaker=SPEAKER_UNKNOWN,
                start=float(raw.start),
                end=float(raw.end),
                text=raw.text.strip(),
                avg_logprob=raw.avg_logprob,
                no_speech_prob=raw.no_speech_prob,
                compression_ratio=raw.compression_ratio,
                words=[
                    {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                    for w in (raw.words or [])
                ],
            )


_engines: dict[tuple[str, str, int], WhisperEngine] = {}
_engines_lock = threading.Lock()
_test_engine: Engine | None = None


def get_engine(options: TranscriptionOptions) -> Engine:
    """The process-wide engine for these options, loaded on first use."""
    if _test_engine is not None:
        return _test_engine
    key = (options.model_dir, options.compute_type, options.cpu_threads)
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                engine = WhisperEngine(
                    options.model_dir, compute_type=options.compute_type, cpu_threads=options.cpu_threads
                )
                _engines[key] = engine
    return engine


def set_engine_for_tests(engine: Engine | None) -> None:
    """Make ``get_engine`` return ``engine`` (``None`` restores real models)."""
    global _test_engine
    _test_engine = engine


# --------------------------------------------------------------------------
# Hallucination post-filter

# Matched against normalised text (NFKC, lower case, no spaces/punctuation).
HALLUCINATION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"시청(해|하여)?주셔서(감사|고맙)",
        r"구독(과|하고|및)?좋아요",
        r"좋아요(와|랑)?구독",
        r"구독(버튼|부탁|해주세요)",
        r"알림설정",
        r"다음영상에서(만나|뵙)",
        r"(mbc|kbs|sbs|ytn|jtbc|mbn|obs)뉴스\w{0,12}(입니다|였습니다)",
        r"자막(제공|제작|by)",
        r"thank(s|you)forwatching",
        r"subtitlesby",
    )
)

_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)


def _normalise(text: str) -> str:
    return _PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", text).lower())


def _phrase_coverage(normalised: str) -> float:
    """Share of the text covered by known hallucination phrases."""
    if not normalised:
        return 0.0
    covered = [False] * len(normalised)
    for pattern in HALLUCINATION_PATTERNS:
        for match in pattern.finditer(normalised):
            covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    return sum(covered) / len(normalised)


def _confidently_heard(seg: Segment) -> bool:
    return (
        seg.avg_logprob is not None
        and seg.avg_logprob >= HIGH_CONFIDENCE_LOGPROB
        and (seg.no_speech_prob or 0.0) <= HIGH_CONFIDENCE_NO_SPEECH
    )


def _looks_like_silence(seg: Segment) -> bool:
    # Whisper's own rule, applied per segment rather than per 30 s window.
    return (
        seg.no_speech_prob is not None
        and seg.no_speech_prob > NO_SPEECH_THRESHOLD
        and seg.avg_logprob is not None
        and seg.avg_logprob < LOG_PROB_THRESHOLD
    )


# A 2-4 character unit repeated 5+ times ("5,6,5,6,5,6..." once
# punctuation is gone).  Single-character runs are excluded so that amounts
# like "10,000,000" are not mistaken for a loop.
_INTERNAL_LOOP = re.compile(r"(..{1,3}?)\1{4,}")
LOOP_DOMINANCE = 0.6


def _has_internal_loop(normalised: str) -> bool:
    """A decoding loop too short for the compression ratio to notice.

    When every temperature fails, faster-whisper keeps the candidate with the
    best log-prob, which on hard audio is often a short digit loop.
    """
    looped = 0
    for match in _INTERNAL_LOOP.finditer(normalised):
        if len(set(match.group(1))) > 1:
            looped += match.end() - match.start()
    return looped >= LOOP_DOMINANCE * len(normalised)


def _is_degenerate(seg: Segment, normalised: str) -> bool:
    # A high compression ratio means the text is mostly one thing repeated.
    if seg.compression_ratio is not None and seg.compression_ratio > COMPRESSION_RATIO_THRESHOLD:
        return True
    return _has_internal_loop(normalised)


def _is_suspect(seg: Segment) -> bool:
    normalised = _normalise(seg.text)
    if not normalised or _looks_like_silence(seg) or _is_degenerate(seg, normalised):
        return True
    return _phrase_coverage(normalised) >= PHRASE_DOMINANCE and not _confidently_heard(seg)


def _repeated_run_tails(segments: Sequence[Segment]) -> set[int]:
    """Indices of the 2nd.. members of runs of >MAX_CONSECUTIVE_REPEATS equal lines.

    Runs are tracked per speaker so one channel's loop is still caught when
    the other channel's lines are interleaved with it.  Two in a row is left
    alone: people do say "네" twice.
    """
    drop: set[int] = set()
    runs: dict[str, list[int]] = {}

    def close(run: list[int]) -> None:
        if len(run) > MAX_CONSECUTIVE_REPEATS:
            drop.update(run[1:])

    for index, seg in enumerate(segments):
        run = runs.get(seg.speaker)
        if run and _normalise(segments[run[0]].text) == _normalise(seg.text):
            run.append(index)
            continue
        if run:
            close(run)
        runs[seg.speaker] = [index]
    for run in runs.values():
        close(run)
    return drop


def filter_hallucinations(segments: Sequence[Segment]) -> list[Segment]:
    """Drop segments Whisper most likely invented.  Pure; order preserved."""
    plausible = [seg for seg in segments if not _is_suspect(seg)]
    repeats = _repeated_run_tails(plausible)
    return [seg for index, seg in enumerate(plausible) if index not in repeats]


# --------------------------------------------------------------------------
# Transcription


def _tracks(channels: Sequence[np.ndarray], layout: Layout, agent_channel: Side) -> list[tuple[str, np.ndarray]]:
    if not channels:
        raise ValueError("No audio channels to transcribe.")
    if layout == "stereo":
        if len(channels) != 2:
            raise ValueError(f"Stereo transcription needs 2 channels, got {len(channels)}.")
        left, right = channels
        agent, customer = (left, right) if agent_channel == "left" else (right, left)
        return [(SPEAKER_AGENT, agent), (SPEAKER_CUSTOMER, customer)]
    if layout != "mono":
        raise ValueError(f"Unknown layout {layout!r}.")
    return [(SPEAKER_UNKNOWN, _mix_down(channels))]


def _mix_down(channels: Sequence[np.ndarray]) -> np.ndarray:
    if len(channels) == 1:
        return np.ascontiguousarray(channels[0], dtype=np.float32)
    length = min(len(c) for c in channels)
    mixed = np.zeros(length, dtype=np.float32)
    for channel in channels:
        mixed += channel[:length]
    mixed /= len(channels)
    return mixed


def is_dual_mono(channels: Sequence[np.ndarray]) -> bool:
    """True for a mono recording stored as two identical channels.

    Common with call recorders; transcribing both would duplicate every line
    under both speakers.
    """
    if len(channels) != 2:
        return False
    left, right = channels
    length = min(len(left), len(right))
    if length == 0:
        return True
    left, right = left[:length], right[:length]
    energy = float(np.dot(left, left) + np.dot(right, right))
    if energy == 0.0:
        return True
    diff = left - right
    return float(np.dot(diff, diff)) / energy < DUAL_MONO_MAX_DIFFERENCE


class _ProgressTracker:
    """Maps per-channel segment end times onto 0..1 over all channels."""

    def __init__(self, callback: Progress | None, total_seconds: float) -> None:
        self._callback = callback
        self._total = total_seconds
        self._last = -1.0

    def report(self, seconds_done: float) -> None:
        if self._callback is None:
            return
        fraction = 1.0 if self._total <= 0 else min(1.0, max(0.0, seconds_done / self._total))
        if fraction > self._last:  # never go backwards, never repeat
            self._last = fraction
            self._callback(fraction)


def _chunk_bounds(audio: np.ndarray) -> list[tuple[int, int]]:
    """Split a long channel into pieces of about CHUNK_S, cut in a pause.

    faster-whisper's VAD and feature extraction hold several copies of
    whatever they are given; on a two-hour channel that is gigabytes.  With
    ``condition_on_previous_text=False`` windows are independent anyway, so
    cutting at the quietest moment near each boundary costs nothing.
    """
    rate = ANALYSIS_SAMPLE_RATE
    size, search = int(CHUNK_S * rate), int(CUT_SEARCH_S * rate)
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(audio) - start > size + search:  # no slivers at the end
        target = start + size
        cut = target - search + _quietest_point(audio[target - search : target])
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(audio)))
    return bounds


def _quietest_point(window: np.ndarray) -> int:
    frame = int(0.1 * ANALYSIS_SAMPLE_RATE)
    frames = len(window) // frame
    if frames == 0:
        return len(window)
    energy = np.square(window[: frames * frame].reshape(frames, frame), dtype=np.float64).sum(axis=1)
    return int(np.argmin(energy)) * frame + frame // 2


def _shifted(seg: Segment, seconds: float, speaker: str) -> Segment:
    if not seconds:
        return replace(seg, speaker=speaker)
    return replace(
        seg,
        speaker=speaker,
        start=seg.start + seconds,
        end=seg.end + seconds,
        words=[{**w, "start": w["start"] + seconds, "end": w["end"] + seconds} for w in seg.words],
    )


def transcribe_audio(
    channels: Sequence[np.ndarray],
    *,
    layout: Layout,
    agent_channel: Side = "left",
    options: TranscriptionOptions,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> list[Segment]:
    """Transcribe 16 kHz float32 channel arrays into speaker-labelled segments.

    Stereo: each channel on its own (agent/customer by ``agent_channel``),
    merged by start time.  Mono: channels averaged, speaker ``unknown``.
    ``progress`` receives increasing fractions in [0, 1]; an exception raised
    by it propagates, which callers can use to cancel.
    """
    engine = engine or get_engine(options)
    tracks = _tracks(channels, layout, agent_channel)
    durations = [len(audio) / ANALYSIS_SAMPLE_RATE for _, audio in tracks]
    tracker = _ProgressTracker(progress, sum(durations))
    tracker.report(0.0)

    segments: list[Segment] = []
    offset = 0.0
    for (speaker, audio), duration in zip(tracks, durations, strict=True):
        for start, end in _chunk_bounds(audio):
            chunk_start = start / ANALYSIS_SAMPLE_RATE
            for seg in engine.transcribe(audio[start:end], options):
                segments.append(_shifted(seg, chunk_start, speaker))
                tracker.report(offset + min(chunk_start + seg.end, duration))
            tracker.report(offset + end / ANALYSIS_SAMPLE_RATE)
        offset += duration

    speaker_order = {SPEAKER_AGENT: 0, SPEAKER_CUSTOMER: 1}
    kept = filter_hallucinations(segments)
    kept.sort(key=lambda s: (s.start, s.end, speaker_order.get(s.speaker, 2)))
    tracker.report(1.0)
    return kept


def transcribe_file(
    path: str | Path,
    *,
    channels: ChannelChoice = "auto",
    agent_channel: Side = "left",
    options: TranscriptionOptions,
    progress: Progress | None = None,
    max_duration_s: float | None = None,
    engine: Engine | None = None,
) -> list[Segment]:
    """Decode ``path`` and transcribe it.  The one code path for pipeline and CLI.

    ``channels="auto"`` uses stereo when the file has two *different*
    channels, mono otherwise.  ``"stereo"`` on a one-channel file raises
    AudioRejected(code="not_stereo").  Call ``probe_audio`` first: this only
    guards against files longer than ``max_duration_s``.
    """
    arrays = decode_channels(path, sample_rate=ANALYSIS_SAMPLE_RATE, max_duration_s=max_duration_s)
    layout = _choose_layout(arrays, channels)
    return transcribe_audio(
        arrays, layout=layout, agent_channel=agent_channel, options=options, progress=progress, engine=engine
    )


def _choose_layout(arrays: Sequence[np.ndarray], choice: ChannelChoice) -> Layout:
    if choice == "mono":
        return "mono"
    if choice == "stereo":
        if len(arrays) != 2:
            raise AudioRejected(
                "not_stereo",
                "The recording has only one channel, so agent and customer cannot be "
                "separated. Process it as mono instead.",
            )
        return "stereo"
    if choice == "auto":
        return "stereo" if len(arrays) == 2 and not is_dual_mono(arrays) else "mono"
    raise ValueError(f"Unknown channel choice {choice!r}.")
