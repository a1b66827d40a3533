"""The tone model in the app: versions, retraining from reviewers, refusing a worse model, alerts."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from calls import tone_models
from calls.analysis import call_analyse, call_notify
from calls.models import CallAnalysis, Flag, LabelledLine, Notification, ToneModelVersion
from calls.rulebook import get_analyzer
from tests.factories import RUDE_CALL, transcript_for
from tone.corpus import Example, load_split
from tone.features import N_FEATURES
from tone.model import MODEL_CATEGORIES, ToneModel, model_digest


def _small_sets(seed=0):
    """A few hundred corpus lines: enough to train a real (if weaker) model in seconds."""
    return load_split("train")[::10], load_split("validation")[::5], load_split("test")[::4]


def _blind_model() -> ToneModel:
    """A model that flags nothing: every category's score stays far below any threshold."""
    weights = np.zeros((N_FEATURES, len(MODEL_CATEGORIES)), dtype=np.float32)
    bias = np.full(len(MODEL_CATEGORIES), -20.0, dtype=np.float32)
    return ToneModel(weights, bias, thresholds=dict.fromkeys(MODEL_CATEGORIES, 0.5), meta={"version": "blind"})


def _install(model: ToneModel, version: int = 1) -> ToneModelVersion:
    data = model.to_bytes()
    return ToneModelVersion.objects.create(version=version, digest=model_digest(data), blob=data, is_active=True)


def test_retraining_refuses_a_model_worse_on_the_test_split(world, monkeypatch):
    train, validation, test = _small_sets()
    # labels shuffled between lines: whatever it learns is noise, so it must lose to the shipped model
    rng = np.random.default_rng(0)
    shuffled = [
        Example(e.text, e.speaker, train[j].labels & e.known, e.known, e.context, e.source, e.id)
        for e, j in zip(train, rng.permutation(len(train)), strict=True)
    ]
    monkeypatch.setattr(tone_models, "training_sets", lambda seed=0: (shuffled, validation, test))
    outcome = tone_models.tone_model_train(seed=0)
    assert not outcome.accepted and outcome.reason.startswith("refused")
    assert outcome.candidate.macro_f1() < outcome.current.macro_f1()
    assert not ToneModelVersion.objects.exists()
    with pytest.raises(CommandError, match="refused"):
        call_command("train_tone_model")


def test_a_better_model_is_saved_as_a_new_version_and_analysis_uses_it(world, monkeypatch):
    _install(_blind_model())
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    assert not Flag.objects.filter(call=world.call_a, rule_code__startswith="model-").exists()
    blind_key = CallAnalysis.objects.get(call=world.call_a).rulebook_key

    monkeypatch.setattr(tone_models, "training_sets", lambda seed=0: _small_sets(seed))
    outcome = tone_models.tone_model_train(actor=world.admin, seed=0)
    assert outcome.accepted and outcome.version.version == 2 and outcome.version.created_by == world.admin
    assert list(ToneModelVersion.objects.filter(is_active=True)) == [outcome.version]
    assert outcome.report["test"]["macro_f1"] > outcome.report["test_current"]["macro_f1"]
    assert set(outcome.report["changes"]) <= set(MODEL_CATEGORIES) and outcome.report["validation"]

    key, analyzer = get_analyzer()
    assert outcome.version.digest in key and analyzer.model.meta["seed"] == 0
    call_analyse(world.call_a.pk)
    assert CallAnalysis.objects.get(call=world.call_a).rulebook_key != blind_key
    assert Flag.objects.filter(call=world.call_a, category="abuse").exists()


def test_retraining_with_the_same_data_and_seed_changes_nothing(world, monkeypatch):
    _install(_blind_model())
    monkeypatch.setattr(tone_models, "training_sets", lambda seed=0: _small_sets(seed))
    first = tone_models.tone_model_train(seed=0)
    assert first.accepted
    second = tone_models.tone_model_train(seed=0)
    assert not second.accepted and second.reason.startswith("unchanged")
    assert ToneModelVersion.objects.count() == 2 and ToneModelVersion.objects.get(is_active=True) == first.version


def test_reviewer_verdicts_and_trainer_lines_become_training_rows(world):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    confirmed = Flag.objects.filter(call=world.call_a, category="dismissive").first()
    dismissed = Flag.objects.filter(call=world.call_a, category="abuse").first()
    Flag.objects.filter(pk=confirmed.pk).update(review_status="confirmed")
    Flag.objects.filter(pk=dismissed.pk).update(review_status="dismissed")
    LabelledLine.objects.create(
        text="네 그래서요", speaker="agent", labels=["sarcasm"], context="요금이 두 번 나갔어요"
    )
    rows = {e.id: e for e in tone_models.reviewer_examples()}
    yes, no, line = (
        rows[f"flag-{confirmed.pk}"],
        rows[f"flag-{dismissed.pk}"],
        next(e for e in rows.values() if e.source == "trainer"),
    )
    assert yes.labels == {"dismissive"} and yes.known == {"dismissive"} and yes.context  # the customer's turn before
    assert no.labels == frozenset() and no.known == {"abuse"} and no.speaker == "customer"
    assert line.labels == {"sarcasm"} and line.known == {"banmal", "dismissive", "blame", "sarcasm", "profanity"}


def test_abuse_alerts_only_from_medium_severity_with_the_evidence(world, settings):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    Flag.objects.filter(call=world.call_a, category="abuse").update(severity="low")
    assert call_notify(world.call_a.pk) == 0 and not Notification.objects.exists()
    Flag.objects.filter(call=world.call_a, category="abuse").update(severity="high")
    assert call_notify(world.call_a.pk) == 1
    note = Notification.objects.get()
    assert "[00:10]" in note.message and "잘리고" in note.message  # when, and the customer's words


def test_a_dismissed_abuse_flag_sends_no_alert(world):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    Flag.objects.filter(call=world.call_a, category="abuse").update(review_status="dismissed", severity="high")
    assert call_notify(world.call_a.pk) == 0


def test_trainers_label_lines_for_the_next_model_and_agents_may_not(api, world):
    body = {"text": "아 네네 그러세요", "speaker": "agent", "labels": ["sarcasm"], "context": "해지할게요"}
    api.force_authenticate(world.agent_a)
    assert api.post("/api/labelled-lines/", body, format="json").status_code == 403
    assert api.get("/api/tone-models/").status_code == 403
    api.force_authenticate(world.trainer_a)
    created = api.post("/api/labelled-lines/", body, format="json")
    assert created.status_code == 201 and LabelledLine.objects.get().created_by == world.trainer_a
    wrong = api.post("/api/labelled-lines/", {**body, "speaker": "customer"}, format="json")
    assert wrong.status_code == 400 and "labels" in wrong.json()  # sarcasm is an agent category
    assert api.post("/api/labelled-lines/", {**body, "labels": ["rude"]}, format="json").status_code == 400


def test_trainers_see_model_versions_with_their_figures_and_can_queue_a_retrain(
    api, world, django_capture_on_commit_callbacks
):
    _install(_blind_model())
    api.force_authenticate(world.trainer_a)
    [row] = api.get("/api/tone-models/").json()["results"]
    assert row["version"] == 1 and row["is_active"] and "blob" not in row
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert api.post("/api/tone-models/train/").status_code == 202
    assert len(callbacks) == 1


def test_the_rulebook_is_in_the_admin_and_a_broken_rule_is_refused_there(client, world):
    from calls.models import Rule

    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    assert client.get("/admin/calls/rule/").status_code == 200
    rule = Rule.objects.get(code="banmal-ending")
    page = client.get(f"/admin/calls/rule/{rule.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(pattern="( 담당", must_match="[]", must_not_match="[]", is_active="on")
    response = client.post(f"/admin/calls/rule/{rule.pk}/change/", data)
    # beside the pattern field, in Korean (the tone package's messages are translated)
    assert response.status_code == 200
    assert "패턴을 해석할 수 없습니다: &#x27;)&#x27;가 빠졌습니다" in response.content.decode()
    assert Rule.objects.get(pk=rule.pk).version == rule.version


def test_a_customers_flag_carries_no_advice_on_phrasing(world):
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    customer = Flag.objects.filter(call=world.call_a, speaker="customer")
    assert customer.exists() and not customer.exclude(suggestion="").exists()
    assert Flag.objects.filter(call=world.call_a, speaker="agent").exclude(suggestion="").exists()
