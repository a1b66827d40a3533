"""Transcription speed: bare faster-whisper against the whole pipeline, in the same run.

    .venv/bin/python bench/transcription.py [--minutes 4] [--repeat 2]

(a) bare: faster-whisper's WhisperModel with the same model and settings on the same call
    (decoded by faster-whisper itself), model loaded before the clock starts;
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

from tests.calls.audio_fixtures import LONG_SCRIPT  # noqa: E402

BENCH_DIR = REPO / "var" / "bench"

# espeak's Korean is robotic: these are lines Whisper base reliably hears in a mono recording with
# short pauses (most call-centre sentences, and a stereo split whose channels are mostly silence,
# come out as nothing or gibberish, which would make any timing meaningless). The benchmark call is
# therefore mono: agent and customer lines alternate on one channel.
LINES = LONG_SCRIPT


def _speak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-g", "5", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def build_call(minutes: float) -> Path:
    """A mono call of about `minutes` of alternating lines with 1.5 s pauses."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"call-mono-{minutes:g}min.wav"
    if out.exists():
        return out
    rate, parts, total = 22050, [], 0
    pause = np.zeros(int(1.5 * rate), dtype=np.int16)
    with tempfile.TemporaryDirectory() as tmp:
        lines = [_speak(t, Path(tmp) / f"l{i}.wav") for i, t in enumerate(LINES)]
    index = 0
    while total < minutes * 60 * rate:
        parts += [lines[index % len(lines)], pause]
        total += len(lines[index % len(lines)]) + len(pause)
        index += 1
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(parts).tobytes())
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

    from calls.transcription_setup import transcription_options_for
    from speech.transcription import whisper_kwargs

    options = transcription_options_for()
    model = WhisperModel(
        options.model_dir,
        device="cpu",
        compute_type=options.compute_type,
        cpu_threads=options.cpu_threads,
        local_files_only=True,
    )
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        audio = decode_audio(str(path))
        segments, _info = model.transcribe(audio, **whisper_kwargs(options))
        count = len(list(segments))
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
    worker = WorkerProcess(
        BENCH_DIR / "worker.log", settings_module="mot_coach.settings", extra_env={"DJANGO_DEBUG": "1"}
    )
    try:
        worker.wait_for("Whisper model loaded", timeout=120)
        times, count, worker_seconds = [], 0, []
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
            worker_seconds.append(recording.transcript.processing_seconds)
        print(f"    of which decode + Whisper + guard in the worker: {statistics.median(worker_seconds):.1f} s")
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
    print(f"call: {path.name}, {duration:.0f} s mono; median of {args.repeat} runs each", flush=True)
    bare, bare_segments = bare_seconds(path, args.repeat)
    print(
        f"(a) bare faster-whisper     {bare:7.1f} s   RTF {bare / duration:.3f}   {bare_segments} segments", flush=True
    )
    pipe, pipe_segments, peak = pipeline_seconds(path, args.repeat)
    print(f"(b) pipeline upload->done   {pipe:7.1f} s   RTF {pipe / duration:.3f}   {pipe_segments} segments")
    print(f"ratio pipeline / bare       {pipe / bare:7.2f}   (target <= 1.10)")
    print(f"worker peak memory          {peak:7.0f} MB (target <= 1536 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
