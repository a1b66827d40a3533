"""The pipeline's stages, run in-process with a fake Whisper: order, idempotence, failure, retry."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from calls import pipeline
from calls.models import Recording, Segment, Transcript
from calls.recordings import recording_create, recording_retry
from speech.transcription import set_engine_for_tests
from tests.calls.fakes import FakeEngine


@pytest.fixture
def engine():
    fake = FakeEngine(("안녕하세요 고객님", "네 감사합니다"))
    set_engine_for_tests(fake)
    yield fake
    set_engine_for_tests(None)


def _recording(world, path: Path, django_capture_on_commit_callbacks, **kwargs) -> Recording:
    with django_capture_on_commit_callbacks(execute=False):
        return recording_create(
            actor=world.agent_a,
            call=world.call_a,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            **kwargs,
        )


def _run_all(recording_id: int) -> Recording:
    for stage in (
        pipeline.recording_probe,
        pipeline.recording_transcribe,
        pipeline.recording_analyse,
        pipeline.recording_notify,
    ):
        stage(recording_id)
    return Recording.objects.get(pk=recording_id)


def test_stereo_recording_goes_through_every_stage_to_done_with_speakers(
    world, engine, audio_factory, django_capture_on_commit_callbacks
):
    recording = _recording(world, audio_factory.stereo_call(), django_capture_on_commit_callbacks)
    done = _run_all(recording.pk)
    assert done.status == "done" and done.progress == 100 and done.attempts == 1 and done.finished_at
    speakers = set(Segment.objects.filter(call=world.call_a).values_list("speaker", flat=True))
    assert speakers == {"agent", "customer"}
    segment = Segment.objects.filter(call=world.call_a).first()
    assert segment.avg_logprob == -0.2 and segment.words[0]["probability"] == 0.9


def test_agent_on_the_right_swaps_the_speakers(world, engine, audio_factory, django_capture_on_commit_callbacks):
    left = _recording(world, audio_factory.stereo_call(), django_capture_on_commit_callbacks)
    _run_all(left.pk)
    left_first = list(Segment.objects.filter(transcript__recording=left).values_list("speaker", "text"))
    Recording.objects.filter(pk=left.pk).delete()
    right = _recording(
        world, audio_factory.stereo_call(), django_capture_on_commit_callbacks, channel_layout="agent_right"
    )
    _run_all(right.pk)
    right_first = list(Segment.objects.filter(transcript__recording=right).values_list("speaker", "text"))
    swap = {"agent": "customer", "customer": "agent"}
    assert sorted((swap[s], t) for s, t in left_first) == sorted(right_first)


def test_every_stage_run_twice_keeps_one_transcript(world, engine, audio_factory, django_capture_on_commit_callbacks):
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    _run_all(recording.pk)
    segments = Segment.objects.count()
    again = _run_all(recording.pk)
    pipeline.recording_transcribe(recording.pk)
    assert Transcript.objects.filter(recording=recording).count() == 1
    assert Segment.objects.count() == segments
    assert again.status == "done" and again.attempts == 1
    assert len(engine.calls) == 1


def test_transcribe_redelivered_after_its_transcript_was_stored_only_moves_on(
    world, engine, audio_factory, django_capture_on_commit_callbacks
):
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    pipeline.recording_probe(recording.pk)
    pipeline.recording_transcribe(recording.pk)
    # As if the worker died after committing but before acknowledging:
    Recording.objects.filter(pk=recording.pk).update(status="transcribing")
    pipeline.recording_transcribe(recording.pk)
    assert Recording.objects.get(pk=recording.pk).status == "analysing"
    assert len(engine.calls) == 1


def test_a_file_that_keeps_killing_its_worker_ends_failed(
    world, engine, audio_factory, settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_MAX_ATTEMPTS = 2
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    pipeline.recording_probe(recording.pk)
    Recording.objects.filter(pk=recording.pk).update(attempts=2)  # two earlier runs died mid-way
    pipeline.recording_transcribe(recording.pk)
    failed = Recording.objects.get(pk=recording.pk)
    assert failed.status == "failed" and "2" in failed.failure_reason
    assert not Transcript.objects.exists() and not engine.calls


def test_a_failed_recording_retried_goes_back_through_and_finishes(
    world, engine, audio_factory, django_capture_on_commit_callbacks
):
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    pipeline.recording_fail(recording.pk, "disk full")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = recording_retry(actor=world.agent_a, recording=recording)
    assert retried.status == "queued" and retried.failure_reason == "" and len(callbacks) == 1
    assert _run_all(recording.pk).status == "done"


def test_a_missing_stored_file_fails_with_a_reason(world, engine, audio_factory, django_capture_on_commit_callbacks):
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    Path(recording.file.path).unlink()
    with translation.override("en"):
        pipeline.recording_probe(recording.pk)
    failed = Recording.objects.get(pk=recording.pk)
    assert failed.status == "failed" and "upload" in failed.failure_reason.lower()


def test_a_recording_deleted_mid_transcription_stores_nothing(world, audio_factory, django_capture_on_commit_callbacks):
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    pipeline.recording_probe(recording.pk)

    class DeletingEngine(FakeEngine):
        def transcribe(self, audio, options):
            Recording.objects.filter(pk=recording.pk).delete()
            yield from super().transcribe(audio, options)

    set_engine_for_tests(DeletingEngine())
    try:
        pipeline.recording_transcribe(recording.pk)
    finally:
        set_engine_for_tests(None)
    assert not Transcript.objects.exists() and not Segment.objects.exists()


def test_team_and_campaign_vocabulary_reach_whisper_as_hotwords(
    world, engine, audio_factory, django_capture_on_commit_callbacks
):
    from tests.factories import CampaignFactory

    world.team_a.vocabulary = "안심케어플러스\n기가 인터넷"
    world.team_a.save()
    world.call_a.campaign = CampaignFactory(team=world.team_a, vocabulary="더모아 카드\n안심케어플러스")
    world.call_a.save()
    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    _run_all(recording.pk)
    assert engine.calls[0].hotwords == ("안심케어플러스", "기가 인터넷", "더모아 카드")
    assert Transcript.objects.get().settings_used["hotwords"] == ["안심케어플러스", "기가 인터넷", "더모아 카드"]


def test_stage_tasks_turn_an_unexpected_error_into_a_failed_recording(
    world, audio_factory, django_capture_on_commit_callbacks
):
    from calls.tasks import recording_transcribe

    class BrokenEngine:
        def transcribe(self, audio, options):
            raise RuntimeError("model file unreadable")

    recording = _recording(world, audio_factory.speech(), django_capture_on_commit_callbacks)
    pipeline.recording_probe(recording.pk)
    set_engine_for_tests(BrokenEngine())
    try:
        recording_transcribe.run(recording.pk)
    finally:
        set_engine_for_tests(None)
    failed = Recording.objects.get(pk=recording.pk)
    assert failed.status == "failed" and "model file unreadable" in failed.failure_reason


def test_a_worker_child_gets_long_enough_to_load_whisper_before_celery_gives_up_on_it():
    # Celery's default (4 s) kills children still loading Whisper under load ("Timed out waiting
    # for UP message") and forks new ones, forever.
    from mot_coach.celery import app

    assert app.conf.worker_proc_alive_timeout >= 60
