"""Mono calls: speakers told apart by voice and wording, the uncertain ones not scored, and a
reviewer's swap on the call page re-analysing the call."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calls import pipeline, tasks
from calls.models import CallAnalysis, Flag, Recording, Segment
from calls.recordings import recording_create
from speech.transcription import Segment as SpeechSegment
from speech.transcription import set_engine_for_tests


class TurnsEngine:
    """Whisper that hears the true turns; `text` replaces what was said when given."""

    def __init__(self, turns, text=None):
        self.turns, self.text = turns, text

    def transcribe(self, audio, options):
        for t in self.turns:
            text = self.text or t.text
            words = [{"word": f" {text}", "start": t.start, "end": t.end, "probability": 0.9}]
            yield SpeechSegment("unknown", t.start, t.end, text, -0.3, 0.01, 1.1, words)


def _process(world, path, django_capture_on_commit_callbacks) -> Recording:
    with django_capture_on_commit_callbacks(execute=False):
        recording = recording_create(
            actor=world.agent_a, call=world.call_a, upload=SimpleUploadedFile(path.name, path.read_bytes())
        )
    for stage in (pipeline.recording_probe, pipeline.recording_transcribe, pipeline.recording_analyse):
        stage(recording.pk)
    return Recording.objects.get(pk=recording.pk)


@pytest.fixture
def mono_call(audio_factory):
    return audio_factory.conversation("mono", min_seconds=60)


@pytest.fixture
def engine_for():
    def install(engine):
        set_engine_for_tests(engine)
        return engine

    yield install
    set_engine_for_tests(None)


def _right_share(call, turns) -> float:
    segments = list(Segment.objects.filter(call=call).order_by("start"))
    right = sum(min(s.end, t.end) - max(s.start, t.start) for s in segments for t in turns
                if s.speaker == t.speaker and s.start < t.end and t.start < s.end)  # fmt: skip
    return right / sum(t.end - t.start for t in turns)


def test_a_mono_call_is_split_into_agent_and_customer_and_scored(
    world, mono_call, engine_for, django_capture_on_commit_callbacks
):
    path, turns = mono_call
    engine_for(TurnsEngine(turns))

    recording = _process(world, path, django_capture_on_commit_callbacks)

    assert recording.status == "done" and recording.channel_layout == "mono"
    assert recording.speaker_confidence >= 0.5 and not recording.speakers_uncertain
    assert _right_share(world.call_a, turns) >= 0.85
    metrics = CallAnalysis.objects.get(call=world.call_a).metrics
    assert metrics["agent_talk_seconds"] > 0 and metrics["customer_talk_seconds"] > 0


def test_a_mono_call_without_telling_words_is_marked_uncertain_and_the_agent_not_scored(
    world, mono_call, engine_for, django_capture_on_commit_callbacks, client
):
    path, turns = mono_call
    engine_for(TurnsEngine(turns, text="야 너 그것도 몰라"))  # banmal, but who said it?

    recording = _process(world, path, django_capture_on_commit_callbacks)

    assert recording.speakers_uncertain
    metrics = CallAnalysis.objects.get(call=world.call_a).metrics
    assert metrics["agent_talk_seconds"] == 0 and metrics["unknown_talk_seconds"] > 0
    assert not Flag.objects.filter(call=world.call_a, speaker="agent").exists()
    client.force_login(world.supervisor_a)
    page = client.get(f"/calls/{world.call_a.pk}/").content.decode()
    assert 'id="speakers-uncertain"' in page and 'value="swap"' in page


def test_a_reviewer_swaps_the_speakers_and_the_call_is_analysed_again(
    world, mono_call, engine_for, django_capture_on_commit_callbacks, client, monkeypatch
):
    path, turns = mono_call
    engine_for(TurnsEngine(turns))
    _process(world, path, django_capture_on_commit_callbacks)
    before = dict(Segment.objects.filter(call=world.call_a).values_list("pk", "speaker"))
    monkeypatch.setattr(tasks.calls_reanalyse, "delay", lambda ids: tasks.calls_reanalyse(ids))
    agent_talk = CallAnalysis.objects.get(call=world.call_a).metrics["agent_talk_seconds"]

    client.force_login(world.supervisor_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/calls/{world.call_a.pk}/speakers/", {"action": "swap"})

    assert response.status_code == 302
    after = dict(Segment.objects.filter(call=world.call_a).values_list("pk", "speaker"))
    assert all(after[pk] == {"agent": "customer", "customer": "agent"}[speaker] for pk, speaker in before.items())
    metrics = CallAnalysis.objects.get(call=world.call_a).metrics
    assert metrics["customer_talk_seconds"] == agent_talk
    recording = Recording.objects.get(call=world.call_a)
    assert recording.speakers_reviewed_by == world.supervisor_a and not recording.speakers_uncertain


def test_confirming_uncertain_speakers_gets_the_agent_scored(
    world, mono_call, engine_for, django_capture_on_commit_callbacks, client, monkeypatch
):
    path, turns = mono_call
    engine_for(TurnsEngine(turns, text="네"))
    _process(world, path, django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks.calls_reanalyse, "delay", lambda ids: tasks.calls_reanalyse(ids))

    client.force_login(world.supervisor_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/calls/{world.call_a.pk}/speakers/", {"action": "confirm"})

    assert CallAnalysis.objects.get(call=world.call_a).metrics["agent_talk_seconds"] > 0


@pytest.mark.parametrize(("role", "status"), [("agent_a", 403), ("agent_b", 404), ("trainer_a", 302)])
def test_only_reviewers_of_the_call_may_swap_its_speakers(world, client, role, status):
    client.force_login(world.user(role))
    assert client.post(f"/calls/{world.call_a.pk}/speakers/", {"action": "swap"}).status_code == status


def test_an_unknown_speaker_action_is_a_400(world, client):
    client.force_login(world.supervisor_a)
    assert client.post(f"/calls/{world.call_a.pk}/speakers/", {"action": "shuffle"}).status_code == 400


def test_the_call_page_draws_both_speakers_turns_and_the_flags_on_a_timeline(world, client):
    from calls.analysis import call_analyse
    from tests.factories import RUDE_CALL, transcript_for

    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    client.force_login(world.supervisor_a)

    page = client.get(f"/calls/{world.call_a.pk}/").content.decode()

    assert 'id="timeline"' in page
    assert page.count("timeline-turn") == len(RUDE_CALL)
    assert page.count('class="seek timeline-flag') == Flag.objects.filter(call=world.call_a).count() > 0
    assert 'data-seek="20.00"' in page  # the last agent turn, at 20 s of 22 s
    assert "left: 90.909%" in page
