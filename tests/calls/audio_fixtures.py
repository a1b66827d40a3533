"""Generate test audio with espeak-ng, sox and ffmpeg.

Files are generated on first use into one directory per pytest session and
reused by every test module (the directory is derived from the session's
base temp dir, so two modules importing the fixture share the cache).

espeak-ng's Korean voice is robotic; at its default speed Whisper *base*
recognises almost nothing, so speech is rendered slower with short word gaps
(``ESPEAK_ARGS``), which makes common phrases come through.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REQUIRED_TOOLS = ("espeak-ng", "sox", "ffmpeg")
ESPEAK_ARGS = ("-v", "ko", "-s", "140", "-g", "5")

AGENT_GREETING = "안녕하세요 고객님 무엇을 도와드릴까요"
CUSTOMER_FAREWELL = "안녕히 계세요"
# Lines for the ~60 s clip.  Chosen because Whisper base reliably
# recognises espeak's rendering of them (most call-centre sentences come
# out as gibberish); repeated in rotation so no line follows itself.
LONG_SCRIPT = (
    "안녕하세요 고객님 무엇을 도와드릴까요",
    "조금만 기다려 주세요",
    "네 안녕히 계세요",
    "잠시만 기다려 주세요",
    "무엇을 도와드릴까요",
    "안녕히 계세요",
)
LONG_SCRIPT_ROUNDS = 3


# Two voices for two-party calls: the agent in espeak's Korean voice pitched low, the customer in
# another timbre (variant m3) pitched higher, so the voices differ as two people's do (for mono
# separation). Of the variants tried these are the two Whisper base hears best (f1-f3 come out as
# noise).
VOICES = {
    "agent": ("-v", "ko", "-s", "140", "-g", "5", "-p", "20"),
    "customer": ("-v", "ko+m3", "-s", "140", "-g", "5", "-p", "85"),
}
# Other pairs of people for mono separation, each with the pauses between its turns: two voices
# pitched close together changing turns after short pauses, and an agent pitched higher and
# speaking faster than the customer.
VOICE_PAIRS: dict[str, tuple[dict[str, tuple[str, ...]], tuple[float, ...]]] = {
    "close": (
        {
            "agent": ("-v", "ko+m1", "-s", "150", "-g", "5", "-p", "45"),
            "customer": ("-v", "ko+m2", "-s", "130", "-g", "5", "-p", "55"),
        },
        (0.35, 0.6, 0.5, 0.9),
    ),
    "fast": (
        {
            "agent": ("-v", "ko+m4", "-s", "165", "-g", "4", "-p", "60"),
            "customer": ("-v", "ko", "-s", "125", "-g", "6", "-p", "30"),
        },
        (0.3, 0.5, 0.8, 1.2),
    ),
}
# A call-centre exchange Whisper base hears in espeak's voices. Turns never overlap.
CONVERSATION = (
    ("agent", "안녕하세요 고객님 무엇을 도와드릴까요"),
    ("customer", "네 안녕하세요"),
    ("agent", "잠시만 기다려 주세요"),
    ("customer", "네 감사합니다"),
    ("agent", "확인해 드리겠습니다"),
    ("customer", "조금만 기다려 주세요"),
    ("agent", "네 고객님 감사합니다"),
    ("customer", "안녕히 계세요"),
)
CONVERSATION_HOTWORDS = ("고객님", "확인")
ESPEAK_RATE = 22050


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: float
    end: float
    text: str


def speak(text: str, speaker: str = "agent", voices: dict[str, tuple[str, ...]] | None = None) -> np.ndarray:
    """espeak-ng's rendering of ``text`` in ``speaker``'s voice (from ``voices``, default ``VOICES``):
    int16 at 22.05 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "line.wav"
        _run("espeak-ng", *(voices or VOICES)[speaker], "-w", str(out), text)
        with wave.open(str(out)) as w:
            assert w.getframerate() == ESPEAK_RATE and w.getnchannels() == 1
            return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def build_conversation(
    out: Path,
    script: tuple[tuple[str, str], ...] = CONVERSATION,
    *,
    layout: str = "stereo",
    gaps: tuple[float, ...] = (0.9, 1.3, 1.0, 1.6),
    min_seconds: float = 0.0,
    voices: dict[str, tuple[str, ...]] | None = None,
) -> list[Turn]:
    """Write a two-party call to ``out`` and return its true turns.

    Stereo puts the agent on the left and the customer on the right; mono mixes them onto one
    channel. The script repeats until the call is ``min_seconds`` long; the pauses between turns
    cycle through ``gaps``. A turn spans the audible part of the line (espeak's lead-in and tail
    of silence are not speech). ``voices`` gives each speaker's espeak-ng arguments (default
    ``VOICES``): other variants, speeds and pitches make other pairs of people.
    """
    rendered = {(speaker, text): speak(text, speaker, voices) for speaker, text in dict.fromkeys(script)}
    rate, position, index = ESPEAK_RATE, int(0.5 * ESPEAK_RATE), 0
    placed: list[tuple[int, str, str, np.ndarray]] = []
    while index < len(script) or position < min_seconds * rate:
        speaker, text = script[index % len(script)]
        samples = rendered[(speaker, text)]
        placed.append((position, speaker, text, samples))
        position += len(samples) + int(gaps[index % len(gaps)] * rate)
        index += 1
    length = position + int(0.5 * rate)
    channels = {"agent": np.zeros(length, np.int16), "customer": np.zeros(length, np.int16)}
    turns = []
    for start, speaker, text, samples in placed:
        channels[speaker][start : start + len(samples)] = samples
        audible = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
        turns.append(Turn(speaker, (start + audible[0]) / rate, (start + audible[-1]) / rate, text))
    if layout == "stereo":
        frames = np.stack([channels["agent"], channels["customer"]], axis=1)
    else:
        frames = (channels["agent"].astype(np.int32) + channels["customer"]).clip(-32768, 32767).astype(np.int16)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(2 if layout == "stereo" else 1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(frames).tobytes())
    return turns


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def _sox(*args: str) -> None:
    # sox dithers with a random seed when it resamples; -R/-D make the
    # output byte-identical across runs so the model sees the same audio.
    _run("sox", "-R", "-D", *args)


class AudioFactory:
    """Builds named audio files once and returns their paths afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # builders nest (long_speech -> speech)

    def _cached(self, name: str, build) -> Path:  # build: Callable[[Path], None]
        path = self.root / name
        with self._lock:
            if not path.exists():
                tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
                build(tmp)
                tmp.replace(path)
        return path

    # -- speech ------------------------------------------------------------

    def speech(self, text: str = AGENT_GREETING, *, name: str = "greeting", speed: int | None = None) -> Path:
        """espeak-ng Korean at its native 22.05 kHz mono (`speed`: words per minute, default 140)."""
        args = ESPEAK_ARGS if speed is None else (*ESPEAK_ARGS, "-s", str(speed))
        stem = name if speed is None else f"{name}-{speed}wpm"
        return self._cached(f"{stem}.wav", lambda out: _run("espeak-ng", *args, "-w", str(out), text))

    def convert(self, source: Path, suffix: str, *ffmpeg_args: str) -> Path:
        """Re-encode ``source`` with ffmpeg; ``suffix`` picks the container."""
        tag = "-".join(a.strip("-").replace(":", "") for a in ffmpeg_args if a) or "default"
        return self._cached(
            f"{source.stem}-{tag}.{suffix}",
            lambda out: _run(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(source),
                *ffmpeg_args,
                "-f",
                _FFMPEG_MUXERS[suffix],
                str(out),
            ),
        )

    def streamed(self, suffix: str = "webm") -> Path:
        """Encoded to a pipe, so the muxer cannot go back and write a duration.

        Browser MediaRecorder uploads look like this.
        """
        source = self.speech()

        def build(out: Path) -> None:
            with out.open("wb") as fh:
                subprocess.run(
                    (
                        "ffmpeg",
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-i",
                        str(source),
                        "-f",
                        _FFMPEG_MUXERS[suffix],
                        "pipe:1",
                    ),
                    check=True,
                    stdout=fh,
                    stderr=subprocess.PIPE,
                )

        return self._cached(f"greeting-streamed.{suffix}", build)

    def mp3_with_rate_change(self) -> Path:
        """Two MP3s without VBR headers glued together (22.05 then 44.1 kHz).

        What naive recorders produce when they append to a file; FFmpeg can
        only guess such a file's length from the first frame's bit rate.
        """
        source = self.speech()

        def build(out: Path) -> None:
            parts = []
            for rate in ("22050", "44100"):
                part = out.with_name(f".part-{rate}.mp3")
                _run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
                     "-ar", rate, "-write_xing", "0", "-f", "mp3", str(part))  # fmt: skip
                parts.append(part)
            out.write_bytes(b"".join(p.read_bytes() for p in parts))
            for part in parts:
                part.unlink()

        return self._cached("rate-change.mp3", build)

    def random_bytes(self, size: int = 50_000) -> Path:
        # Fixed seed: the test must not become flaky on a lucky sync word.
        import random

        rng = random.Random(1234)
        return self._cached("random.bin", lambda out: out.write_bytes(rng.randbytes(size)))

    def corrupted_middle(self, source: Path) -> Path:
        """A few hundred bytes of garbage in the middle, like a bad disk block."""

        def build(out: Path) -> None:
            data = bytearray(source.read_bytes())
            middle = len(data) // 3
            data[middle : middle + 300] = b"\x55" * 300
            out.write_bytes(bytes(data))

        return self._cached(f"{source.stem}-damaged{source.suffix}", build)

    def multichannel(self, channels: int = 4) -> Path:
        return self.tone(2.0, channels=channels)

    def telephone(self) -> Path:
        """8 kHz mono 16-bit WAV, as a phone system would store it.

        Half a second of lead-in: without it Whisper base's first pass on this
        robotic 8 kHz voice falls just under the log-prob threshold and the
        result would depend on fallback sampling.
        """
        source = self.speech()
        return self._cached(
            "greeting-8k.wav", lambda out: _sox(str(source), "-r", "8000", "-b", "16", str(out), "pad", "0.5", "0")
        )

    def telephone_mulaw(self) -> Path:
        """8 kHz G.711 mu-law in WAV, the other common call-recorder format."""
        source = self.speech()
        return self._cached(
            "greeting-8k-ulaw.wav", lambda out: _sox(str(source), "-r", "8000", "-e", "u-law", "-b", "8", str(out))
        )

    def long_speech(self) -> Path:
        """About a minute of alternating call-centre lines with pauses."""

        def build(out: Path) -> None:
            parts = []
            for index, line in enumerate(LONG_SCRIPT * LONG_SCRIPT_ROUNDS):
                parts.append(str(self.speech(line, name=f"line{index % len(LONG_SCRIPT)}")))
                parts.append(str(self.silence(1.5, rate=22050)))
            _sox(*parts, str(out))

        return self._cached("long-speech.wav", build)

    def very_long_speech(self) -> Path:
        """About four minutes of the same lines: still decoding seconds after transcription starts,
        however fast batched Whisper gets (the worker-kill tests need a window to kill in)."""

        def build(out: Path) -> None:
            _sox(*[str(self.long_speech())] * 4, str(out))

        return self._cached("very-long-speech.wav", build)

    # -- stereo --------------------------------------------------------------

    def stereo_call(self) -> Path:
        """Agent greets on the left from 1 s, customer says goodbye on the right at 6 s.

        The offsets are not arbitrary: with Whisper base and espeak's voice
        they give first-pass (temperature 0) decodes above the log-prob
        threshold, so the result does not depend on fallback sampling.
        """
        # Kept at espeak's native 22.05 kHz: Whisper base hears the robotic
        # voice noticeably worse after sox's resampler than after PyAV's.
        agent = self.speech(AGENT_GREETING, name="greeting")
        customer = self.speech(CUSTOMER_FAREWELL, name="farewell")

        def build(out: Path) -> None:
            left = out.with_name(".stereo-left.wav")
            right = out.with_name(".stereo-right.wav")
            _sox(str(agent), str(left), "pad", "1", "0")
            _sox(str(customer), str(right), "pad", "6", "1")
            _sox("-M", str(left), str(right), str(out))
            left.unlink()
            right.unlink()

        return self._cached("stereo-call.wav", build)

    def conversation(self, layout: str = "stereo", *, min_seconds: float = 0.0) -> tuple[Path, list[Turn]]:
        """The two-voice CONVERSATION as a stereo call (agent left) or its mono mix-down, with its turns."""
        name = f"conversation-{layout}-{min_seconds:g}"
        truth = self.root / f"{name}.json"

        def build(out: Path) -> None:
            turns = build_conversation(out, layout=layout, min_seconds=min_seconds)
            truth.write_text(json.dumps([t.__dict__ for t in turns], ensure_ascii=False))

        path = self._cached(f"{name}.wav", build)
        return path, [Turn(**t) for t in json.loads(truth.read_text())]

    def stereo_tone_and_silence(self) -> Path:
        """Left: 440 Hz tone, right: silence - for checking channel separation."""
        return self._cached(
            "tone-left.wav",
            lambda out: _sox(
                "-n", "-r", "44100", "-c", "2", "-b", "16", str(out), "synth", "2", "sine", "440", "remix", "1", "0"
            ),
        )

    def dual_mono(self) -> Path:
        """The same speech copied to both channels, as many recorders do."""
        source = self.speech()
        return self._cached("dual-mono.wav", lambda out: _sox(str(source), "-c", "2", str(out)))

    # -- non-speech ----------------------------------------------------------

    def silence(self, seconds: float = 20.0, *, rate: int = 16000) -> Path:
        return self._cached(
            f"silence-{seconds:g}s-{rate}.wav",
            lambda out: _sox("-n", "-r", str(rate), "-c", "1", "-b", "16", str(out), "trim", "0", f"{seconds:g}"),
        )

    def noise(self, colour: str = "white", seconds: float = 20.0, volume: float = 0.3) -> Path:
        return self._cached(
            f"{colour}noise-{seconds:g}s-{volume:g}.wav",
            lambda out: _sox(
                "-n",
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                str(out),
                "synth",
                f"{seconds:g}",
                f"{colour}noise",
                "vol",
                f"{volume:g}",
            ),
        )

    def tone(self, seconds: float = 3.0, *, rate: int = 16000, channels: int = 1) -> Path:
        return self._cached(
            f"tone-{seconds:g}s-{rate}-{channels}ch.wav",
            lambda out: _sox(
                "-n", "-r", str(rate), "-c", str(channels), "-b", "16", str(out), "synth", f"{seconds:g}", "sine", "440"
            ),
        )

    # -- bad files -----------------------------------------------------------

    def empty(self) -> Path:
        return self._cached("empty.wav", lambda out: out.write_bytes(b""))

    def text_as_wav(self) -> Path:
        return self._cached("notes.wav", lambda out: out.write_text("Call notes: customer wants a refund.\n" * 20))

    def truncated(self, source: Path, keep_fraction: float) -> Path:
        """The first ``keep_fraction`` of ``source``'s bytes, like an interrupted upload."""

        def build(out: Path) -> None:
            data = source.read_bytes()
            out.write_bytes(data[: max(1, int(len(data) * keep_fraction))])

        return self._cached(f"{source.stem}-cut{int(keep_fraction * 100)}{source.suffix}", build)

    def zero_samples_wav(self) -> Path:
        """A valid WAV header with no audio data."""
        return self._cached(
            "zero-samples.wav",
            lambda out: _sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(out), "trim", "0", "0"),
        )

    def wav_with_zero_bits_per_sample(self) -> Path:
        """A PCM WAV whose fmt chunk says 0 bits per sample: FFmpeg opens no decoder for it."""
        source = self.tone(1.0)

        def build(out: Path) -> None:
            data = bytearray(source.read_bytes())
            assert data[36:40] == b"data" and data[12:16] == b"fmt "  # sox writes a plain 44-byte header
            data[34:36] = b"\x00\x00"
            out.write_bytes(bytes(data))

        return self._cached("zero-bits-per-sample.wav", build)

    def video_only(self, suffix: str = "mp4") -> Path:
        return self._cached(
            f"video-only.{suffix}",
            lambda out: _run(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=1:size=64x64:rate=5",
                "-f",
                _FFMPEG_MUXERS[suffix],
                str(out),
            ),
        )

    def video_with_audio(self) -> Path:
        speech = self.speech()
        return self._cached(
            "video-with-audio.mp4",
            lambda out: _run(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=3:size=64x64:rate=5",
                "-i",
                str(speech),
                "-shortest",
                "-f",
                "mp4",
                str(out),
            ),
        )

    def unaccepted_container(self) -> Path:
        """Real audio in a container we do not accept (AIFF)."""
        source = self.speech()
        return self._cached("greeting.aiff", lambda out: _sox(str(source), "-t", "aiff", str(out)))


# ffmpeg needs an explicit muxer because we write to temp names.
_FFMPEG_MUXERS = {
    "wav": "wav",
    "mp3": "mp3",
    "m4a": "ipod",
    "aac": "adts",
    "ogg": "ogg",
    "opus": "ogg",
    "flac": "flac",
    "webm": "webm",
    "mp4": "mp4",
    "mkv": "matroska",
}


@pytest.fixture(scope="session")
def audio_factory(tmp_path_factory: pytest.TempPathFactory) -> AudioFactory:
    missing = missing_tools()
    if missing:
        pytest.skip(f"audio tools not installed: {', '.join(missing)}")
    return AudioFactory(tmp_path_factory.getbasetemp() / "audio-fixtures")
