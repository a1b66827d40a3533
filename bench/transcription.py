"""Transcription speed: bare faster-whisper against the whole pipeline, in the same run.

    .venv/bin/python bench/transcription.py [--minutes 4] [--repeat 2]

(a) bare: faster-whisper's WhisperModel with the same model and settings, on the two channels of
    the same stereo call (decoded by faster-whisper itself), model loaded before the clock starts;
(b) pipeline: upload -> done through a real Celery worker (model preloaded at worker start, as in
    production), with the probe, decoding, hallucination guard, storage and tone analysis.
Prints both, their ratio (target <= 1.10), the real-time factors and the worker's peak memory
(target <= 1.5 GB with the base model). Uses its own SQLite database under var/bench/ unless
DATABASE_URL is set; the broker is REDIS_URL's Redis or the filesystem broker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCH_DIR = REPO / "var" / "bench"

# espeak's Korean is robotic: these are lines Whisper base reliably hears (most call-centre
# sentences come out as gibberish, which makes any timing meaningless).
AGENT_LINES = [
    "안녕하세요 고객님 무엇을 도와드릴까요",
    "조금만 기다려 주세요",
    "잠시만 기다려 주세요",
    "무엇을 도와드릴까요",
]
CUSTOMER_LINES = [
    "네 안녕히 계세요",
    "안녕히 계세요",
]


def _speak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-g", "5", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def build_call(minutes: float) -> Path:
    """A stereo call of about `minutes`: agent on the left channel, customer on the right."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"call-v2-{minutes:g}min.wav"
    if out.exists():
        return out
    rate, left, right = 22050, [], []
    pause = np.zeros(int(1.5 * rate), dtype=np.int16)
    with tempfile.TemporaryDirectory() as tmp:
        agent = [_speak(t, Path(tmp) / f"a{i}.wav") for i, t in enumerate(AGENT_LINES)]
        customer = [_speak(t, Path(tmp) / f"c{i}.wav") for i, t in enumerate(CUSTOMER_LINES)]
    total, turn = 0, 0
    while total < minutes * 60 * rate:
        speech = agent[turn % len(agent)] if turn % 2 == 0 else customer[turn % len(customer)]
        silent = np.zeros_like(speech)
        left += [speech, pause] if turn % 2 == 0 else [silent, pause]
        right += [silent, pause] if turn % 2 == 0 else [speech, pause]
        total += len(speech) + len(pause)
        turn += 1
    stereo = np.stack([np.concatenate(left), np.concatenate(right)], axis=1)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(stereo.tobytes())
    return out


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mot_coach.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}")
    os.environ.setdefault("MEDIA_ROOT", str(BENCH_DIR / "media"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bare_seconds(path: Path, repeat: int) -> tuple[float, int]:
    from faster_whisper import WhisperModel, decode_audio

    from calls.transcription import whisper_kwargs
    from calls.transcription_setup import transcription_options_for

    options = transcription_options_for()
    model = WhisperModel(options.model_dir, device="cpu", compute_type=options.compute_type,
                         cpu_threads=options.cpu_threads, local_files_only=True)
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        left, right = decode_audio(str(path), split_stereo=True)
        count = 0
        for channel in (left, right):
            segments, _info = model.transcribe(channel, **whisper_kwargs(options))
            count += len(list(segments))
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pipeline_seconds(path: Path, repeat: int) -> tuple[float, int, float]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import Team, User
    from calls.models import Recording, Segment
    from calls.recordings import recording_create
    from calls.services import call_create
    from tests.worker import WorkerProcess

    team, _ = Team.objects.get_or_create(name="bench")
    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"role": "agent", "team": team})
    worker = WorkerProcess(BENCH_DIR / "worker.log", settings_module="mot_coach.settings",
                           extra_env={"DJANGO_DEBUG": "1"})
    try:
        worker.wait_for("Whisper model loaded", timeout=120)
        times, count = [], 0
        data = path.read_bytes()
        for _ in range(repeat):
            Recording.objects.filter(sha256__isnull=False).delete()
            call = call_create(actor=agent, direction="inbound", outcome="resolved")
            started = time.perf_counter()
            recording = recording_create(actor=agent, call=call, upload=SimpleUploadedFile(path.name, data))
            while True:
                recording.refresh_from_db()
                if recording.is_terminal:
                    break
                time.sleep(0.1)
            times.append(time.perf_counter() - started)
            if recording.status != "done":
                raise SystemExit(f"pipeline failed: {recording.failure_reason}")
            count = Segment.objects.filter(transcript__recording=recording).count()
        peak = max((_peak_rss_mb(pid) for pid in worker.pool_children()), default=0.0)
        return statistics.median(times), count, peak
    finally:
        worker.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    path = build_call(args.minutes)
    with wave.open(str(path)) as w:
        duration = w.getnframes() / w.getframerate()
    setup_django()
    print(f"call: {path.name}, {duration:.0f} s stereo; median of {args.repeat} runs each", flush=True)
    bare, bare_segments = bare_seconds(path, args.repeat)
    print(f"(a) bare faster-whisper     {bare:7.1f} s   RTF {bare / duration:.3f}   {bare_segments} segments",
          flush=True)
    pipe, pipe_segments, peak = pipeline_seconds(path, args.repeat)
    print(f"(b) pipeline upload->done   {pipe:7.1f} s   RTF {pipe / duration:.3f}   {pipe_segments} segments")
    print(f"ratio pipeline / bare       {pipe / bare:7.2f}   (target <= 1.10)")
    print(f"worker peak memory          {peak:7.0f} MB (target <= 1536 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
