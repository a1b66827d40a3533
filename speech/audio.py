"""Probe and decode uploaded call recordings with PyAV.

What a file *is* is decided from its content only: files are handed to FFmpeg
as anonymous byte streams, so neither the upload's extension nor its
Content-Type can influence format detection.

Validation policy (``probe_audio``):

* The whole audio stream is *demuxed* (packets read, not decoded), which is
  cheap even for two-hour files, to measure the real duration instead of
  trusting the container header.  Scanning stops as soon as a cap is
  exceeded, so a hostile file cannot make us read forever.
* The first ``HEAD_DECODE_S`` seconds are actually decoded to prove the codec
  data is sound.  The rest is decoded later by ``decode_channels``, which the
  transcription needs anyway; it applies the same corruption tolerance.
* If the container declares a duration and the packets present fall
  materially short of it, the file was cut off during upload/export and is
  rejected as truncated: scoring a call whose ending is missing would unfairly
  penalise the agent (no closing, no summary).  Formats whose headers carry no
  independent length (e.g. WAV/Ogg, where FFmpeg derives the duration from the
  file size) cannot be told apart from a shorter recording; their decodable
  part is accepted.
* Isolated undecodable packets (a few bit errors) are skipped, as FFmpeg's own
  CLI does; a file where nothing decodes, or more than a small fraction fails,
  is rejected as corrupt.

Decoded size is computed for what we hold in memory: float32 samples at the
analysis rate (16 kHz) for each channel we keep (1 or 2).  Source-rate PCM is
never materialised because frames are resampled as they are decoded.

No Django imports: callers pass explicit limits.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np

__all__ = [
    "ACCEPTED_FORMATS",
    "ANALYSIS_SAMPLE_RATE",
    "AudioInfo",
    "AudioRejected",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DECODED_BYTES",
    "DEFAULT_MAX_DURATION_S",
    "cut_wav",
    "decode_channels",
    "decoded_size_bytes",
    "probe_audio",
]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_DURATION_S = 2 * 60 * 60.0
DEFAULT_MAX_DECODED_BYTES = 2 * 1024**3
ANALYSIS_SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 4  # float32

HEAD_DECODE_S = 30.0
MIN_DURATION_S = 0.05
# A recording may legitimately be a little shorter than its header says
# (encoder padding, rounding); beyond this it is missing real content.
TRUNCATION_TOLERANCE_S = 1.0
TRUNCATION_TOLERANCE_RATIO = 0.02
PADDING_TOLERANCE_S = 0.2
# Corrupt-packet tolerance: a couple of bit errors are survivable, a file
# that is mostly garbage is not.
MAX_BAD_PACKETS_ABSOLUTE = 3
MAX_BAD_PACKETS_RATIO = 0.02

_PCM_CODECS = frozenset(
    {
        "pcm_s16le",
        "pcm_s24le",
        "pcm_s32le",
        "pcm_u8",
        "pcm_f32le",
        "pcm_f64le",
        "pcm_s16be",
        "pcm_s24be",
        "pcm_s32be",
        # Telephone systems commonly store G.711 / ADPCM / GSM inside WAV.
        "pcm_mulaw",
        "pcm_alaw",
        "adpcm_ms",
        "adpcm_ima_wav",
        "adpcm_g726",
        "gsm_ms",
    }
)

# FFmpeg demuxer name -> accepted codecs.  A demuxer names a family of
# containers (the mp4 demuxer also reads .m4a/.3gp; the matroska one .webm).
ACCEPTED_FORMATS: dict[str, frozenset[str]] = {
    "wav": _PCM_CODECS | {"mp3"},
    "mp3": frozenset({"mp3"}),
    "mov,mp4,m4a,3gp,3g2,mj2": frozenset({"aac", "alac", "mp3"}),
    "aac": frozenset({"aac"}),  # raw ADTS
    "ogg": frozenset({"opus", "vorbis", "flac"}),
    "flac": frozenset({"flac"}),
    "matroska,webm": frozenset({"opus", "vorbis", "aac"}),
}

_ACCEPTED_LABEL = "WAV, MP3, M4A/AAC, OGG/Opus, FLAC or WebM"


class AudioRejected(Exception):
    """An upload that cannot be used as a call recording.

    ``code`` is stable and machine-readable; ``message`` is plain English
    meant for the uploader (callers may translate it).

    Codes: empty, too_large, not_audio, format_not_allowed, no_audio_stream,
    unreadable_codec, corrupt, truncated, zero_length, too_long, too_big_decoded.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"AudioRejected({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class AudioInfo:
    format_name: str
    codec: str
    duration: float
    sample_rate: int
    channels: int
    bit_rate: int | None
    size_bytes: int
    decoded_bytes: int = 0


def _kept_channels(channels: int) -> int:
    # Two channels are kept apart (agent/customer); anything else is mixed
    # down because we cannot know which of 3+ channels is who.
    return 2 if channels == 2 else 1


def decoded_size_bytes(duration_s: float, channels: int) -> int:
    """Bytes of float32 analysis-rate audio ``decode_channels`` will return."""
    return math.ceil(duration_s * ANALYSIS_SAMPLE_RATE) * _kept_channels(channels) * BYTES_PER_SAMPLE


def _fmt_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _fmt_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# Opening


@contextlib.contextmanager
def _open_audio(
    path: str | os.PathLike[str],
) -> Iterator[tuple[av.container.InputContainer, av.audio.stream.AudioStream]]:
    """Open ``path`` by content, check format/codec, yield (container, stream)."""
    with open(path, "rb") as fh:
        try:
            # A file object rather than a path: FFmpeg uses the file name as a
            # probing hint, and we want the content alone to decide.
            container = av.open(fh, mode="r")
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            raise AudioRejected(
                "not_audio",
                f"The file is not a recognised audio file (it may be damaged, or not audio at all). "
                f"Accepted formats: {_ACCEPTED_LABEL}.",
            ) from exc
        with container:
            yield container, _pick_stream(container)


def _pick_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    format_name = container.format.name
    allowed_codecs = ACCEPTED_FORMATS.get(format_name)
    if allowed_codecs is None:
        raise AudioRejected(
            "format_not_allowed",
            f"The file format '{format_name}' is not accepted. Upload {_ACCEPTED_LABEL}.",
        )
    if not container.streams.audio:
        if container.streams.video:
            message = "The file contains video but no audio track."
        else:
            message = "The file contains no audio track."
        raise AudioRejected("no_audio_stream", message)
    stream = container.streams.audio[0]
    if stream.codec_context is None:
        # FFmpeg found an audio stream but could not set up a decoder for it: the header
        # describes samples no decoder can read (a WAV claiming 0 bits per sample, say).
        raise AudioRejected(
            "unreadable_codec",
            "The audio track's header is invalid (it describes samples no decoder can read, "
            "e.g. 0 bits per sample); the file cannot be played. Export the recording again.",
        )
    codec = _codec_name(stream)
    if codec not in allowed_codecs:
        raise AudioRejected(
            "format_not_allowed",
            f"Audio encoded as '{codec}' inside '{format_name}' is not accepted. Upload {_ACCEPTED_LABEL}.",
        )
    return stream


def _codec_name(stream: av.audio.stream.AudioStream) -> str:
    # canonical_name is the codec id ("mp3"), not the decoder ("mp3float").
    return stream.codec_context.codec.canonical_name


def _channel_count(stream: av.audio.stream.AudioStream) -> int:
    return int(stream.codec_context.channels or 0)


def _declared_duration(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _declared_duration_is_exact(path: str | os.PathLike[str], format_name: str) -> bool:
    """Whether the header's duration was written by the encoder, not guessed.

    FFmpeg estimates the length of raw ADTS, and of MP3s without a VBR
    header, from the first frame's bit rate; with a variable bit rate or a
    mid-file format change that guess can be far off, so comparing against
    it would call complete files truncated.
    """
    if format_name == "aac":
        return False
    if format_name == "mp3":
        return _mp3_has_vbr_header(path)
    return True


def _mp3_has_vbr_header(path: str | os.PathLike[str]) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(10)
        offset = 0
        if head[:3] == b"ID3" and len(head) == 10:
            # ID3v2 size is "syncsafe": 7 bits per byte; +10 header, +10 footer.
            size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
            offset = 10 + size + (10 if head[5] & 0x10 else 0)
        fh.seek(offset)
        # The Xing/Info tag sits after the side info (<= 36 bytes into the
        # first frame), VBRI at 36; a little slack covers leading junk.
        first_frame = fh.read(1024)
    return any(tag in first_frame for tag in (b"Xing", b"Info", b"VBRI"))


# --------------------------------------------------------------------------
# Decoding helpers


@dataclass
class _DecodeStats:
    packets: int = 0
    bad_packets: int = 0
    samples: int = 0  # at the stream's native rate

    def too_many_errors(self) -> bool:
        allowed = max(MAX_BAD_PACKETS_ABSOLUTE, int(self.packets * MAX_BAD_PACKETS_RATIO))
        return self.bad_packets > allowed

    def raise_if_corrupt(self) -> None:
        if self.packets and (self.samples == 0 and self.bad_packets or self.too_many_errors()):
            raise AudioRejected(
                "corrupt",
                f"The audio is damaged and cannot be decoded ({self.bad_packets} of {self.packets} blocks failed).",
            )


def _decode_packet(packet: av.Packet, stats: _DecodeStats) -> list[av.AudioFrame]:
    """Decode one packet, counting (not raising on) isolated bad packets."""
    is_data = packet.size > 0
    if is_data:
        stats.packets += 1
    try:
        frames = packet.decode()
    except av.error.FFmpegError:
        if is_data:
            stats.bad_packets += 1
        if stats.too_many_errors():
            stats.raise_if_corrupt()
        return []
    for frame in frames:
        stats.samples += frame.samples
    return frames


def _packet_seconds(packet: av.Packet) -> float | None:
    if packet.duration and packet.time_base:
        return float(packet.duration * packet.time_base)
    return None


# --------------------------------------------------------------------------
# Probe


def probe_audio(
    path: str | os.PathLike[str],
    *,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_duration_s: float | None = DEFAULT_MAX_DURATION_S,
    max_decoded_bytes: int | None = DEFAULT_MAX_DECODED_BYTES,
) -> AudioInfo:
    """Validate ``path`` as a call recording and describe it.

    Raises AudioRejected (see the module docstring for the policy).  ``None``
    disables a cap.
    """
    size = Path(path).stat().st_size
    if size == 0:
        raise AudioRejected("empty", "The file is empty.")
    if max_bytes is not None and size > max_bytes:
        raise AudioRejected(
            "too_large",
            f"The file is {_fmt_bytes(size)}, larger than the limit of {_fmt_bytes(max_bytes)}.",
        )
    with _open_audio(path) as (container, stream):
        channels = _channel_count(stream)
        # Read before decoding: the codec context follows mid-stream changes.
        sample_rate = int(stream.codec_context.sample_rate or 0)
        duration = _measure(container, stream, channels, max_duration_s, max_decoded_bytes)
        declared = _declared_duration(container, stream)
        if _declared_duration_is_exact(path, container.format.name):
            _check_not_truncated(duration, declared)
        if declared is not None and 0.0 <= duration - declared <= PADDING_TOLERANCE_S:
            # Packet sums include encoder padding, so an exact header that is
            # a hair shorter is the better figure.  Headers that disagree more
            # are estimates (e.g. ADTS from bit rate) and lose to the packets.
            duration = declared
        return AudioInfo(
            format_name=container.format.name,
            codec=_codec_name(stream),
            duration=duration,
            sample_rate=sample_rate,
            channels=channels,
            bit_rate=int(container.bit_rate) if container.bit_rate else None,
            size_bytes=size,
            decoded_bytes=decoded_size_bytes(duration, channels),
        )


def _measure(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    channels: int,
    max_duration_s: float | None,
    max_decoded_bytes: int | None,
) -> float:
    """Return the real audio duration; decode the head, demux the rest."""
    stats = _DecodeStats()
    covered = 0.0
    try:
        for packet in container.demux(stream):
            seconds = _packet_seconds(packet)
            if covered < HEAD_DECODE_S or seconds is None:
                before = stats.samples
                _decode_packet(packet, stats)
                if seconds is None:
                    # No timing in the container: count decoded samples
                    # instead, still bounded by the caps below.
                    rate = stream.codec_context.sample_rate or ANALYSIS_SAMPLE_RATE
                    seconds = (stats.samples - before) / rate
            covered += seconds
            _check_caps(covered, channels, max_duration_s, max_decoded_bytes)
    except av.error.FFmpegError as exc:
        raise AudioRejected("corrupt", "The audio is damaged and cannot be read to the end.") from exc
    stats.raise_if_corrupt()
    if covered < MIN_DURATION_S or stats.samples == 0:
        raise AudioRejected("zero_length", f"The audio is empty ({_fmt_duration(covered)} long).")
    return covered


def _check_caps(
    seconds: float,
    channels: int,
    max_duration_s: float | None,
    max_decoded_bytes: int | None,
) -> None:
    # Called while scanning, so ``seconds`` is only a lower bound: we stop at
    # the first packet over a cap instead of reading a hostile file to the end.
    if max_duration_s is not None and seconds > max_duration_s:
        raise AudioRejected(
            "too_long",
            f"The recording is longer than the limit of {_fmt_duration(max_duration_s)}.",
        )
    if max_decoded_bytes is not None and decoded_size_bytes(seconds, channels) > max_decoded_bytes:
        raise AudioRejected(
            "too_big_decoded",
            f"The audio would need more than the limit of {_fmt_bytes(max_decoded_bytes)} of memory once decoded.",
        )


def _tolerance(declared: float) -> float:
    return max(TRUNCATION_TOLERANCE_S, declared * TRUNCATION_TOLERANCE_RATIO)


def _check_not_truncated(actual: float, declared: float | None) -> None:
    if declared is not None and actual + _tolerance(declared) < declared:
        raise AudioRejected(
            "truncated",
            f"The file is incomplete: its header says {_fmt_duration(declared)} "
            f"but only {_fmt_duration(actual)} of audio is present. "
            "It may have been cut off during upload or export.",
        )


# --------------------------------------------------------------------------
# Decode


class _GrowableBuffer:
    """Append-only float32 buffer; avoids the 2x peak of list+concatenate."""

    def __init__(self, capacity: int) -> None:
        # np.empty only reserves address space; untouched pages cost nothing.
        self._data = np.empty(max(capacity, 1024), dtype=np.float32)
        self._size = 0

    def append(self, chunk: np.ndarray) -> None:
        end = self._size + chunk.shape[0]
        if end > self._data.shape[0]:
            self._data.resize(max(end, int(self._data.shape[0] * 1.5)), refcheck=False)
        self._data[self._size : end] = chunk
        self._size = end

    def __len__(self) -> int:
        return self._size

    def finish(self) -> np.ndarray:
        self._data.resize(self._size, refcheck=False)
        return self._data


class _Resampler:
    """AudioResampler that survives mid-stream format changes.

    Concatenated telephone recordings can switch sample rate or layout part
    way through; PyAV's resampler refuses frames that differ from the first
    one, so we flush and start a fresh one.
    """

    def __init__(self, layout: str, rate: int) -> None:
        self._layout = layout
        self._rate = rate
        self._inner = self._new()

    def _new(self) -> av.AudioResampler:
        # Planar 16-bit, as faster-whisper's own decode_audio produces (then scaled to float):
        # Whisper then hears exactly what it hears from faster-whisper alone, so transcripts and
        # timings match a bare faster-whisper run on the same file.
        return av.AudioResampler(format="s16p", layout=self._layout, rate=self._rate)

    def resample(self, frame: av.AudioFrame) -> list[av.AudioFrame]:
        # We never use output timestamps; clearing them keeps the resampler
        # from doing pts arithmetic on streams with missing or odd ones.
        frame.pts = None
        try:
            return self._inner.resample(frame)
        except ValueError:
            flushed = self._inner.resample(None)
            self._inner = self._new()
            return flushed + self._inner.resample(frame)

    def flush(self) -> list[av.AudioFrame]:
        return self._inner.resample(None)


def decode_channels(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = ANALYSIS_SAMPLE_RATE,
    max_duration_s: float | None = None,
) -> list[np.ndarray]:
    """Decode to float32 mono arrays at ``sample_rate``, one per channel.

    Stereo stays two arrays (channel separation is what tells agent from
    customer); mono gives one; 3+ channels are downmixed to one, because
    there is no reliable speaker mapping for them.  ``max_duration_s`` is a
    hard stop in case the file is longer than its probe suggested.
    """
    with _open_audio(path) as (container, stream):
        channels = _kept_channels(_channel_count(stream))
        resampler = _Resampler("stereo" if channels == 2 else "mono", sample_rate)
        buffers = [
            _GrowableBuffer(_initial_capacity(container, stream, sample_rate, max_duration_s)) for _ in range(channels)
        ]
        limit = None if max_duration_s is None else int(math.ceil(max_duration_s * sample_rate))
        stats = _DecodeStats()
        try:
            for packet in container.demux(stream):
                for frame in _decode_packet(packet, stats):
                    _append(buffers, resampler.resample(frame))
                if limit is not None and len(buffers[0]) > limit:
                    raise AudioRejected(
                        "too_long",
                        f"The recording is longer than the limit of {_fmt_duration(max_duration_s or 0)}.",
                    )
            _append(buffers, resampler.flush())
        except av.error.FFmpegError as exc:
            raise AudioRejected("corrupt", "The audio is damaged and cannot be read to the end.") from exc
        stats.raise_if_corrupt()
        if len(buffers[0]) == 0:
            raise AudioRejected("zero_length", "The audio is empty (0.00 s long).")
        return [b.finish() for b in buffers]


def _initial_capacity(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    sample_rate: int,
    max_duration_s: float | None,
) -> int:
    declared = _declared_duration(container, stream) or 60.0
    if max_duration_s is not None:
        declared = min(declared, max_duration_s)
    # A little headroom so a header that is slightly short does not force a
    # reallocation at the very end.
    return int((declared + 2.0) * sample_rate)


def _append(buffers: list[_GrowableBuffer], frames: list[av.AudioFrame]) -> None:
    for frame in frames:
        planes = frame.to_ndarray()  # s16p -> shape (channels, samples)
        for buffer, plane in zip(buffers, planes, strict=True):
            buffer.append(plane.astype(np.float32) / 32768.0)


# --------------------------------------------------------------------------
# Clips


def cut_wav(path: str | os.PathLike[str], *, start_s: float, end_s: float) -> tuple[bytes, float]:
    """The audio from ``start_s`` to ``end_s`` as 16-bit PCM WAV at the file's own sample rate.

    For evidence clips: what a person hears, not what the analysis hears, so the rate is kept;
    stereo stays stereo (agent and customer on their channels), 3+ channels are mixed to mono as
    everywhere else. Seeks near the start instead of decoding from the beginning, so a moment at
    the end of a two-hour call costs about what one at the start does. Returns the WAV file's
    bytes and its length in seconds (shorter than asked at the end of the file).
    """
    if end_s <= start_s:
        raise ValueError("end_s must be after start_s")
    clip = _cut(path, start_s, end_s, seek=start_s > 1.0)
    if clip is None:  # the container gave no timestamps after a seek: read from the beginning
        clip = _cut(path, start_s, end_s, seek=False)
    planes, rate = clip
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(planes.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.ascontiguousarray(planes.T).tobytes())
    return buffer.getvalue(), planes.shape[1] / rate


def _cut(path: str | os.PathLike[str], start_s: float, end_s: float, *, seek: bool) -> tuple[np.ndarray, int] | None:
    with _open_audio(path) as (container, stream):
        channels = _kept_channels(_channel_count(stream))
        rate = int(stream.codec_context.sample_rate or stream.sample_rate)
        resampler = _Resampler("stereo" if channels == 2 else "mono", rate)
        first, last = int(round(start_s * rate)), int(round(end_s * rate))
        if seek and stream.time_base:
            container.seek(int((start_s - 1.0) / stream.time_base), stream=stream, backward=True, any_frame=False)
        position: int | None = None if seek else 0  # sample index of the next resampled sample
        kept: list[np.ndarray] = []
        stats = _DecodeStats()

        def take(frames: list[av.AudioFrame]) -> None:
            nonlocal position
            for frame in frames:
                plane = frame.to_ndarray()  # s16p: (channels, samples)
                lo, hi = max(first - position, 0), min(last - position, plane.shape[1])
                if hi > lo:
                    kept.append(plane[:, lo:hi])
                position += plane.shape[1]

        try:
            for packet in container.demux(stream):
                for frame in _decode_packet(packet, stats):
                    if position is None:
                        if frame.time is None:
                            return None
                        position = int(round(frame.time * rate))
                    take(resampler.resample(frame))
                if position is not None and position >= last:
                    break
            else:
                take(resampler.flush())
        except av.error.FFmpegError as exc:
            raise AudioRejected("corrupt", "The audio is damaged and cannot be read.") from exc
        planes = np.concatenate(kept, axis=1) if kept else np.zeros((channels, 0), np.int16)
        return planes.astype(np.int16, copy=False), rate
