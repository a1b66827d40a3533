"""Transcription: bare sequential faster-whisper against the whole pipeline, side by side, same run.

    .venv/bin/python bench/transcription.py [--minutes 4] [--repeat 1] [--no-mono]

The call: a stereo conversation built with espeak-ng in two voices (agent left, customer right,
turns never overlap; tests.calls.audio_fixtures.build_conversation), about `--minutes` long, with
the team's hotwords set (as every demo campaign has). Its true turns are known, so:

(a) bare: faster-whisper's WhisperModel, same model and settings (hotwords, beam, VAD), each
    channel decoded by faster-whisper itself, one after the other, model loaded before the clock;
(b) pipeline: upload -> done through a real Celery worker (model preloaded at worker start, as in
    production): probe, decode, batched Whisper, turns, guard, storage and tone analysis.

For both: time, character error rate per speaker (against the script), overtalk per minute of
call, the longest segment, and segments crossing a true turn. Then the ratio (target <= 0.8),
the worker's peak memory (target <= 1.5 GB with the base model), and, for the mono mix-down of
the same call through the pipeline, the share of speech time attributed to the right speaker and
the stored speaker confidence. Uses its own SQLite database under var/bench/ unless DATABASE_URL
is set; the broker is REDIS_URL's Redis or the filesystem broker.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.calls.audio_fixtures import CONVERSATION_HOTWORDS, Turn, build_conversation  # noqa: E402

BENCH_DIR = REPO / "var" / "bench"
EDGE_TOLERANCE_S = 0.3


def build_calls(minutes: float) -> tuple[Path, Path, list[Turn]]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stereo = BENCH_DIR / f"conversation-stereo-{minutes:g}min.wav"
    mono = BENCH_DIR / f"conversation-mono-{minutes:g}min.wav"
    turns = build_conversation(stereo, layout="stereo", min_seconds=minutes * 60)
    build_conversation(mono, layout="mono", min_seconds=minutes * 60)
    return stereo, mono, turns


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mot_coach.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}")
    os.environ.setdefault("MEDIA_ROOT", str(BENCH_DIR / "media"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --------------------------------------------------------------------------
# Measures


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = _normalise(reference), _normalise(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, b in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
        previous = current
    return previous[-1] / max(1, len(ref))


def turn_figures(rows: list[dict], turns: list[Turn], duration_s: float) -> dict:
    """CER per speaker, overtalk per minute, longest segment, segments crossing a true turn."""
    from tone import call_metrics

    figures = {}
    for speaker in ("agent", "customer"):
        said = " ".join(t.text for t in turns if t.speaker == speaker)
        heard = " ".join(r["text"] for r in sorted(rows, key=lambda r: r["start"]) if r["speaker"] == speaker)
        figures[f"cer_{speaker}"] = cer(said, heard)
    metrics = call_metrics(rows, stereo=True)
    figures["overtalk_per_min"] = metrics["overtalk"]["seconds"] / (duration_s / 60)
    figures["longest_segment"] = max((r["end"] - r["start"] for r in rows), default=0.0)
    crossing = 0
    for r in rows:
        inside = [t for t in turns if r["start"] < t.end and t.start < r["end"]]
        own = (
            len(inside) == 1
            and inside[0].speaker == r["speaker"]
            and inside[0].start - EDGE_TOLERANCE_S <= r["start"]
            and r["end"] <= inside[0].end + EDGE_TOLERANCE_S
        )
        crossing += not own
    figures["crossing"] = crossing
    figures["segments"] = len(rows)
    figures["monologue"] = metrics["longest_agent_monologue_seconds"]
    return figures


# --------------------------------------------------------------------------
# (a) bare


def bare_run(path: Path, repeat: int) -> tuple[float, list[dict]]:
    from faster_whisper import WhisperModel, decode_audio

    from calls.transcription_setup import transcription_options_for
    from speech.transcription import whisper_kwargs

    options = transcription_options_for()
    options = type(options)(**{**options.__dict__, "hotwords": CONVERSATION_HOTWORDS})
    model = WhisperModel(
        options.model_dir,
        device="cpu",
        compute_type=options.compute_type,
        cpu_threads=options.cpu_threads,
        local_files_only=True,
    )
    times, rows = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        left, right = decode_audio(str(path), split_stereo=True)
        rows = []
        for speaker, channel in (("agent", left), ("customer", right)):
            segments, _info = model.transcribe(channel, **whisper_kwargs(options))
            rows += [{"speaker": speaker, "start": s.start, "end": s.end, "text": s.text.strip()} for s in segments]
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


# --------------------------------------------------------------------------
# (b) pipeline


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _upload_and_wait(agent, path: Path, layout: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from calls.models import Recording, Segment
    from calls.recordings import recording_create
    from calls.services import call_create

    Recording.objects.filter(sha256__isnull=False).delete()
    call = call_create(actor=agent, direction="inbound", outcome="resolved")
    started = time.perf_counter()
    recording = recording_create(
        actor=agent, call=call, upload=SimpleUploadedFile(path.name, path.read_bytes()), channel_layout=layout
    )
    while True:
        recording.refresh_from_db()
        if recording.is_terminal:
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if recording.status != "done":
        raise SystemExit(f"pipeline failed: {recording.failure_reason}")
    rows = list(Segment.objects.filter(transcript__recording=recording).values("speaker", "start", "end", "text"))
    return elapsed, rows, recording


def pipeline_run(stereo: Path, mono: Path | None, repeat: int):
    from accounts.models import Team, User
    from tests.worker import WorkerProcess

    team, _ = Team.objects.get_or_create(name="bench")
    team.vocabulary = "\n".join(CONVERSATION_HOTWORDS)
    team.save()
    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"role": "agent", "team": team})
    worker = WorkerProcess(
        BENCH_DIR / "worker.log", settings_module="mot_coach.settings", extra_env={"DJANGO_DEBUG": "1"}
    )
    try:
        worker.wait_for("Whisper model loaded", timeout=300)
        times, rows, worker_seconds = [], [], []
        for _ in range(repeat):
            elapsed, rows, recording = _upload_and_wait(agent, stereo, "agent_left")
            times.append(elapsed)
            worker_seconds.append(recording.transcript.processing_seconds)
        mono_result = _upload_and_wait(agent, mono, "mono") if mono else None
        peak = max((_peak_rss_mb(pid) for pid in worker.pool_children()), default=0.0)
        return statistics.median(times), rows, statistics.median(worker_seconds), peak, mono_result
    finally:
        worker.stop()


def attribution_share(rows: list[dict], turns: list[Turn]) -> float:
    right = sum(
        min(r["end"], t.end) - max(r["start"], t.start)
        for r in rows
        for t in turns
        if r["speaker"] == t.speaker and r["start"] < t.end and t.start < r["end"]
    )
    return right / sum(t.end - t.start for t in turns)


def covered_share(rows: list[dict], turns: list[Turn]) -> float:
    """Share of the true speech time that some stored segment covers, whoever it is given to."""
    covered = sum(
        min(r["end"], t.end) - max(r["start"], t.start)
        for r in rows
        for t in turns
        if r["start"] < t.end and t.start < r["end"]
    )
    return covered / sum(t.end - t.start for t in turns)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-mono", action="store_true", help="skip the mono mix-down")
    args = parser.parse_args()
    stereo, mono, turns = build_calls(args.minutes)
    duration = max(t.end for t in turns) + 0.5
    setup_django()
    print(
        f"call: {stereo.name}, {duration:.0f} s stereo, {len(turns)} true turns, hotwords "
        f"{', '.join(CONVERSATION_HOTWORDS)}; median of {args.repeat} run(s)",
        flush=True,
    )
    bare_s, bare_rows = bare_run(stereo, args.repeat)
    bare = turn_figures(bare_rows, turns, duration)
    print(f"(a) bare sequential faster-whisper done in {bare_s:.1f} s", flush=True)
    pipe_s, pipe_rows, worker_s, peak, mono_result = pipeline_run(stereo, None if args.no_mono else mono, args.repeat)
    pipe = turn_figures(pipe_rows, turns, duration)

    print()
    print(f"{'':34}{'(a) bare':>12}{'(b) pipeline':>14}   target")
    print(f"{'time (s)':34}{bare_s:12.1f}{pipe_s:14.1f}")
    print(f"{'  of which in the worker (s)':34}{'':12}{worker_s:14.1f}")
    print(f"{'real-time factor':34}{bare_s / duration:12.3f}{pipe_s / duration:14.3f}")
    print(f"{'CER agent':34}{bare['cer_agent']:12.2f}{pipe['cer_agent']:14.2f}   (b) <= (a)")
    print(f"{'CER customer':34}{bare['cer_customer']:12.2f}{pipe['cer_customer']:14.2f}   (b) <= (a)")
    print(f"{'segments':34}{bare['segments']:12d}{pipe['segments']:14d}   ({len(turns)} true turns)")
    print(f"{'overtalk per minute (s)':34}{bare['overtalk_per_min']:12.2f}{pipe['overtalk_per_min']:14.2f}   <= 1")
    print(f"{'longest segment (s)':34}{bare['longest_segment']:12.1f}{pipe['longest_segment']:14.1f}   <= 15")
    print(f"{'longest agent monologue (s)':34}{bare['monologue']:12.1f}{pipe['monologue']:14.1f}")
    print(f"{'segments crossing a true turn':34}{bare['crossing']:12d}{pipe['crossing']:14d}   0")
    print(f"ratio pipeline / bare             {pipe_s / bare_s:7.2f}   (target <= 0.80)")
    print(f"worker peak memory                {peak:7.0f} MB (target <= 1536 MB)")
    if mono_result:
        mono_s, mono_rows, recording = mono_result
        share, covered = attribution_share(mono_rows, turns), covered_share(mono_rows, turns)
        state = "uncertain, not scored" if recording.speakers_uncertain else "scored"
        print(
            f"mono mix-down: {mono_s:.1f} s; of all true speech time {share:.0%} attributed to the right speaker "
            f"(target >= 85%), {covered:.0%} covered by the transcript, so {share / covered:.0%} of the "
            f"transcribed speech is attributed right; speaker confidence {recording.speaker_confidence} -> {state}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
