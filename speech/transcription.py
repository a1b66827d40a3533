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

import bisect
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from speech.audio import ANALYSIS_SAMPLE_RATE, AudioRejected, decode_channels
from speech.batching import MAX_PIECES, Packed, join_stretches, pack
from speech.segmenting import MAX_PAUSE_S, split_into_turns, tighten_to_sound

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
    "CallTranscript",
    "transcribe_audio",
    "transcribe_call",
    "transcribe_file",
    "whisper_kwargs",
]

logger = logging.getLogger(__name__)

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
BATCHED_BEAM_SIZE = 1
# Share of a batched call's progress reported during the first pass (the repairs take the rest).
PASS1_SHARE = 0.8
# Stretches per window in the repair rounds for speech the first pass left undecoded. A second
# round with each stretch alone recovers a little more text (customer CER 0.64 -> 0.58 on the
# bench call) but costs as much as half the first pass: (3, 1) if accuracy matters more than time.
REPAIR_PIECES = (3,)
# Korean is spoken at 5-8 syllables a second; text mapped to less time than this per character
# lost its timing.
COLLAPSED_S_PER_CHAR = 0.03
# A stretch the batched decode failed on is decoded again with this much audio either side.
FALLBACK_PAD_S = 0.3
# Speech left undecoded by a batched pass is decoded again when at least this long; one stretch
# never exceeds a Whisper window.
MIN_MISSED_S = 0.3
MAX_STRETCH_S = 28.0
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
    # Speech chunks (VAD-cut, packed into 30 s windows) decoded together; 0 or 1 decodes the
    # windows one after another as bare faster-whisper does.
    batch_size: int = 4

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
        if not _batched(options, audio):
            yield from self._segments(self.model.transcribe(audio, **whisper_kwargs(options))[0])
            return
        yield from self.transcribe_many([audio], options)[0]

    def transcribe_many(
        self, tracks: Sequence[np.ndarray], options: TranscriptionOptions, progress: Progress | None = None
    ) -> list[list[Segment]]:
        """Several channels at once: their speech packed into windows decoded in one batch.

        See ``speech.batching``. Then two repairs for what batching loses against bare Whisper:

        1. Speech the VAD heard but no decoded word covers (Whisper ended a window early) is
           decoded again, three stretches to a window (``REPAIR_PIECES``).
        2. The batched pipeline decodes at temperature 0 only; where that looped, the stretch is
           decoded again the sequential way, whose temperature fallback usually recovers it.
        """
        if not all(_batched(options, audio) for audio in tracks):
            return [list(self.transcribe(audio, options)) for audio in tracks]
        from faster_whisper import BatchedInferencePipeline

        # A new pipeline per call: it keeps a word-timing cursor, which two threads sharing the
        # model must not share; building one costs nothing.
        pipeline = BatchedInferencePipeline(self.model)
        kwargs = {
            **whisper_kwargs(options),
            "vad_filter": False,
            "batch_size": options.batch_size,
            "without_timestamps": False,
            # Greedy: with the utterances of a whole batch decoded at once, beam search is what
            # costs the time, and on call audio it rarely changes a word (the bench prints CER).
            "beam_size": BATCHED_BEAM_SIZE,
        }
        clock = time.perf_counter()
        # Stretches (chunks joined across pauses shorter than a turn break) are what is packed;
        # coverage is checked per chunk, since on one channel a stretch may hold two turns.
        chunks = [_speech_chunks(audio) for audio in tracks]
        stretches = [join_stretches(c, max_pause_s=MAX_PAUSE_S) for c in chunks]
        decoded = self._decode_packed(pipeline, kwargs, tracks, stretches, MAX_PIECES, progress)
        timings: dict[str, float] = {"pass1_s": time.perf_counter() - clock}
        clock = time.perf_counter()
        for round_, max_pieces in enumerate(REPAIR_PIECES, start=1):
            missed = [_uncovered(spans, segments) for spans, segments in zip(chunks, decoded, strict=True)]
            timings[f"missed{round_}"] = sum(len(m) for m in missed)
            if not any(missed):
                break
            again = self._decode_packed(pipeline, kwargs, tracks, missed, max_pieces, None)
            for segments, found in zip(decoded, again, strict=True):
                segments += found
        timings["retried"] = 0
        for audio, segments in zip(tracks, decoded, strict=True):
            retry = _merge_spans([(s.start, s.end) for s in segments if _needs_fallback(s)])
            timings["retried"] += len(retry)
            segments[:] = [s for s in segments if not any(a <= (s.start + s.end) / 2 <= b for a, b in retry)]
            for start, end in retry:
                first = max(0, int((start - FALLBACK_PAD_S) * ANALYSIS_SAMPLE_RATE))
                last = min(len(audio), int((end + FALLBACK_PAD_S) * ANALYSIS_SAMPLE_RATE))
                piece = self.model.transcribe(audio[first:last], **whisper_kwargs(options))[0]
                segments += [_shifted(seg, first / ANALYSIS_SAMPLE_RATE, seg.speaker) for seg in self._segments(piece)]
            segments.sort(key=lambda s: (s.start, s.end))
        timings["repairs_s"] = time.perf_counter() - clock
        logger.info("batched transcription: %s", {k: round(v, 2) for k, v in timings.items()})
        return decoded

    def _decode_packed(
        self,
        pipeline: Any,
        kwargs: dict[str, Any],
        tracks: Sequence[np.ndarray],
        stretches: Sequence[Sequence[tuple[float, float]]],
        max_pieces: int,
        progress: Progress | None,
    ) -> list[list[Segment]]:
        packed = pack(tracks, stretches, sample_rate=ANALYSIS_SAMPLE_RATE, max_pieces=max_pieces)
        decoded: list[list[Segment]] = [[] for _ in tracks]
        if not packed.windows:
            return decoded
        clips = [{"start": a, "end": b} for a, b in packed.windows]
        window_starts = [a for a, _ in packed.windows]
        for seg in self._segments(pipeline.transcribe(packed.audio, **kwargs, clip_timestamps=clips)[0]):
            window = max(0, bisect.bisect_right(window_starts, seg.start + 1e-3) - 1)
            if progress is not None:
                progress(PASS1_SHARE * (window + 1) / len(packed.windows))
            unpacked = _unpacked(seg, packed, window)
            # Words whose timings all fell into the silence between stretches were pinned to a
            # stretch's edge: where they were said is unknown, so they are not kept; their stretch
            # is then uncovered and decoded again.
            if not _collapsed(unpacked):
                decoded[packed.window_tracks[window]].append(unpacked)
        return decoded

    @staticmethod
    def _segments(raw_segments: Iterable[Any]) -> Iterator[Segment]:
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


def _needs_fallback(seg: Segment) -> bool:
    """A decode that looped: Whisper would retry it hotter, and so do we.

    Unsure but plausible text (Whisper's other retry reason) is kept: on two cores, walking the
    whole temperature ladder for every hard sentence costs more than batching saves, and the
    hallucination guard still judges it.
    """
    too_repetitive = seg.compression_ratio is not None and seg.compression_ratio > COMPRESSION_RATIO_THRESHOLD
    return too_repetitive or _has_internal_loop(_normalise(seg.text))


def _speech_chunks(audio: np.ndarray) -> list[tuple[float, float]]:
    """The VAD's speech chunks (seconds), none longer than a window."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(
        audio, VadOptions(min_silence_duration_ms=160, speech_pad_ms=200, max_speech_duration_s=MAX_STRETCH_S)
    )
    return [(c["start"] / ANALYSIS_SAMPLE_RATE, c["end"] / ANALYSIS_SAMPLE_RATE) for c in chunks]


def _collapsed(seg: Segment) -> bool:
    return seg.end - seg.start < COLLAPSED_S_PER_CHAR * len(_normalise(seg.text))


def _unpacked(seg: Segment, packed: Packed, window: int) -> Segment:
    """A segment decoded from packed audio, on its channel's own clock."""
    words = []
    for w in seg.words:
        start, end = packed.unpack_span(window, w["start"], w["end"])
        words.append({**w, "start": start, "end": end})
    if words:
        start, end = words[0]["start"], max(w["end"] for w in words)
    else:
        start, end = packed.unpack_time(window, seg.start), packed.unpack_time(window, seg.end)
    return replace(seg, start=start, end=max(start, end), words=words)


def _uncovered(stretches: list[tuple[float, float]], segments: Sequence[Segment]) -> list[tuple[float, float]]:
    """Stretches of speech that no decoded word (or word-less segment) touches."""
    spans = sorted(
        (float(w["start"]), float(w["end"])) for s in segments for w in (s.words or [{"start": s.start, "end": s.end}])
    )
    ends = np.maximum.accumulate([end for _, end in spans]) if spans else np.zeros(0)
    starts = [start for start, _ in spans]
    missed = []
    for start, end in stretches:
        # Words starting before this stretch ends; the latest end among them tells if one reaches in.
        index = bisect.bisect_left(starts, end)
        touched = index > 0 and ends[index - 1] > start
        if end - start >= MIN_MISSED_S and not touched:
            missed.append((start, end))
    return missed


def _merge_spans(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 2 * FALLBACK_PAD_S:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _batched(options: TranscriptionOptions, audio: np.ndarray) -> bool:
    # The batched pipeline finds its windows with the VAD; without it, it only takes up to 30 s.
    return options.batch_size > 1 and (options.vad or len(audio) <= 30 * ANALYSIS_SAMPLE_RATE)


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


def _groups(jobs: list[tuple[int, np.ndarray, int, int]]) -> list[list[tuple[int, np.ndarray, int, int]]]:
    limit = 2 * CHUNK_S * ANALYSIS_SAMPLE_RATE
    groups: list[list[tuple[int, np.ndarray, int, int]]] = []
    size = 0
    for job in jobs:
        length = job[3] - job[2]
        if not groups or size + length > limit:
            groups.append([])
            size = 0
        groups[-1].append(job)
        size += length
    return groups


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
    Segments are cut into turns on their word timestamps and the channel's
    sound (``speech.segmenting``), so none spans a pause or the other side's turn.
    ``progress`` receives increasing fractions in [0, 1]; an exception raised
    by it propagates, which callers can use to cancel.
    """
    engine = engine or get_engine(options)
    tracks = _tracks(channels, layout, agent_channel)
    durations = [len(audio) / ANALYSIS_SAMPLE_RATE for _, audio in tracks]
    tracker = _ProgressTracker(progress, sum(durations))
    tracker.report(0.0)

    jobs = [
        (index, audio, start, end)
        for index, (_speaker, audio) in enumerate(tracks)
        for start, end in _chunk_bounds(audio)
    ]
    decoded: list[list[Segment]] = [[] for _ in tracks]
    done = 0.0
    if hasattr(engine, "transcribe_many"):
        # Channels (and pieces of long ones) decoded together, up to 2 x CHUNK_S at a time so a
        # two-hour call still fits in memory.
        for group in _groups(jobs):
            size = sum(end - start for _, _, start, end in group) / ANALYSIS_SAMPLE_RATE

            def within(fraction: float, base: float = done, size: float = size) -> None:
                tracker.report(base + fraction * size)

            results = engine.transcribe_many(
                [audio[start:end] for _, audio, start, end in group], options, progress=within
            )
            for (index, _audio, start, end), found in zip(group, results, strict=True):
                decoded[index] += [_shifted(seg, start / ANALYSIS_SAMPLE_RATE, SPEAKER_UNKNOWN) for seg in found]
                done += (end - start) / ANALYSIS_SAMPLE_RATE
            tracker.report(done)
    else:
        for index, audio, start, end in jobs:
            chunk_start = start / ANALYSIS_SAMPLE_RATE
            for seg in engine.transcribe(audio[start:end], options):
                decoded[index].append(_shifted(seg, chunk_start, SPEAKER_UNKNOWN))
                tracker.report(done + min(seg.end, (end - start) / ANALYSIS_SAMPLE_RATE))
            done += (end - start) / ANALYSIS_SAMPLE_RATE
            tracker.report(done)

    turns: list[Segment] = []
    for (speaker, audio), segments in zip(tracks, decoded, strict=True):
        # The guard judges what Whisper decoded; the turns are cut from what it kept, on this
        # channel's own words and sound.
        kept = split_into_turns(filter_hallucinations([replace(s, speaker=speaker) for s in segments]))
        turns += tighten_to_sound(kept, audio, ANALYSIS_SAMPLE_RATE)

    speaker_order = {SPEAKER_AGENT: 0, SPEAKER_CUSTOMER: 1}
    turns.sort(key=lambda s: (s.start, s.end, speaker_order.get(s.speaker, 2)))
    tracker.report(1.0)
    return turns


@dataclass
class CallTranscript:
    """What a recording becomes: turns, the layout used and, for mono, how sure the speakers are.

    ``speaker_confidence`` is None when channels told the speakers apart (stereo) and in [0, 1]
    when voices and words did (mono, see ``speech.speakers``).
    """

    segments: list[Segment]
    layout: Layout
    speaker_confidence: float | None = None


def transcribe_call(
    path: str | Path,
    *,
    channels: ChannelChoice = "auto",
    agent_channel: Side = "left",
    options: TranscriptionOptions,
    progress: Progress | None = None,
    max_duration_s: float | None = None,
    engine: Engine | None = None,
    separate_mono: bool = True,
) -> CallTranscript:
    """Decode ``path``, transcribe it, and on mono tell the two speakers apart.  The pipeline's path.

    ``channels="auto"`` uses stereo when the file has two *different*
    channels, mono otherwise.  ``"stereo"`` on a one-channel file raises
    AudioRejected(code="not_stereo").  Call ``probe_audio`` first: this only
    guards against files longer than ``max_duration_s``.
    """
    arrays = decode_channels(path, sample_rate=ANALYSIS_SAMPLE_RATE, max_duration_s=max_duration_s)
    layout = _choose_layout(arrays, channels)
    segments = transcribe_audio(
        arrays, layout=layout, agent_channel=agent_channel, options=options, progress=progress, engine=engine
    )
    if layout == "stereo" or not separate_mono or not segments:
        return CallTranscript(segments, layout)
    from speech.speakers import attribute_speakers

    attribution = attribute_speakers(segments, _mix_down(arrays), ANALYSIS_SAMPLE_RATE)
    return CallTranscript(attribution.segments, layout, attribution.confidence)


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
    """The segments of ``transcribe_call`` without mono speaker separation (mono stays ``unknown``)."""
    return transcribe_call(
        path,
        channels=channels,
        agent_channel=agent_channel,
        options=options,
        progress=progress,
        max_duration_s=max_duration_s,
        engine=engine,
        separate_mono=False,
    ).segments


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
