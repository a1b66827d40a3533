import pytest
from django.utils import translation

from qa import services
from qa.models import Answer, Criterion, Evaluation, Scorecard
from tests.qa.conftest import answer_all


def post_data(**overrides):
    """A scorecard as the editor posts it: two sections, a blank row left out."""
    data = {
        "name": "상담 품질 평가표",
        "description": "월간 평가",
        "team": "",
        "s-0-title": "인사",
        "s-0-c-0-text": "회사명과 이름으로 인사했다",
        "s-0-c-0-answer_type": "yes_no",
        "s-0-c-0-weight": "2",
        "s-0-c-0-allow_na": "1",
        "s-0-c-0-auto_source": "checklist",
        "s-0-c-0-auto_key": "greeting",
        "s-0-c-1-text": "",
        "s-0-c-1-weight": "1",
        "s-0-c-1-answer_type": "yes_no",
        "s-0-c-1-allow_na": "1",
        "s-0-c-1-auto_source": "",
        "s-1-title": "필수",
        "s-1-c-0-text": "고객 비하·욕설 없음",
        "s-1-c-0-answer_type": "yes_no",
        "s-1-c-0-weight": "0",
        "s-1-c-0-is_fail": "1",
        "s-1-c-0-auto_source": "no_flag",
        "s-1-c-0-auto_key": "profanity",
        "s-1-c-1-text": "정확한 안내",
        "s-1-c-1-answer_type": "scale",
        "s-1-c-1-weight": "3",
        "s-1-c-1-auto_source": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def trainer(client, world):
    client.force_login(world.trainer_a)
    return client


def structure(scorecard):
    return [
        (c.section.title, c.text, c.answer_type, c.weight, c.allow_na, c.is_fail, c.auto_source, c.auto_key)
        for c in Criterion.objects.filter(scorecard=scorecard).select_related("section")
    ]


def test_a_trainer_creates_a_scorecard_through_the_page(trainer, world):
    page = trainer.get("/qa/scorecards/new/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200 and "새 평가표" in page.content.decode()
    response = trainer.post("/qa/scorecards/new/", post_data(team=str(world.team_a.pk)))
    scorecard = Scorecard.objects.get(name="상담 품질 평가표")
    assert response.status_code == 302 and response["Location"] == f"/qa/scorecards/{scorecard.pk}/"
    assert (scorecard.team, scorecard.description, scorecard.version, scorecard.created_by) == (
        world.team_a,
        "월간 평가",
        1,
        world.trainer_a,
    )
    assert structure(scorecard) == [
        ("인사", "회사명과 이름으로 인사했다", "yes_no", 2, True, False, "checklist", "greeting"),
        ("필수", "고객 비하·욕설 없음", "yes_no", 0, False, True, "no_flag", "profanity"),
        ("필수", "정확한 안내", "scale", 3, False, False, "", ""),
    ]


def test_a_service_error_is_shown_beside_its_field_in_korean_and_nothing_is_saved(trainer):
    data = post_data(**{"s-0-c-0-auto_key": "", "s-1-c-1-is_fail": "1"})
    with translation.override("ko"):
        response = trainer.post("/qa/scorecards/new/", data, HTTP_ACCEPT_LANGUAGE="ko")
    html = response.content.decode()
    assert response.status_code == 400
    assert Scorecard.objects.count() == 0 and Criterion.objects.count() == 0
    # Both errors at once, each in its own row (the rows come back as posted).
    greeting_row = html[html.index('name="s-0-c-0-text"') : html.index('name="s-0-c-1-text"')]
    assert "이 항목을 자동으로 답할 MOT 체크리스트 항목을 고르세요." in greeting_row
    assert 'class="crit-auto has-error"' in greeting_row and 'class="crit-text has-error"' not in greeting_row
    scale_row = html[html.index('name="s-1-c-1-text"') :]
    scale_row = scale_row[: scale_row.index("</li>")]
    assert "실격 항목은 예/아니오로만 답합니다." in scale_row
    assert 'value="정확한 안내"' in html and "저장되지 않았습니다" in html


def test_form_level_errors_keep_the_post_and_save_nothing(trainer, world):
    response = trainer.post(
        "/qa/scorecards/new/", post_data(name="  ", team=str(world.team_b.pk), **{"s-1-c-1-weight": "많이"})
    )
    assert response.status_code == 400 and Scorecard.objects.count() == 0
    assert 'value="많이"' in response.content.decode()


def test_without_a_name_and_questions_the_service_says_so(trainer):
    data = {"name": "", "team": "", "s-0-title": "", "s-0-c-0-text": "", "s-0-c-0-weight": "1"}
    response = trainer.post("/qa/scorecards/new/", data, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 400 and Scorecard.objects.count() == 0
    html = response.content.decode()
    assert "평가표 이름을 입력하세요." in html and "평가표에는 평가 항목이 하나 이상 있어야 합니다." in html


def test_editing_an_unused_scorecard_updates_it_in_place(trainer, world, scorecard):
    page = trainer.get(f"/qa/scorecards/{scorecard.pk}/edit/")
    assert page.status_code == 200 and 'value="공감"' in page.content.decode()
    data = post_data(name="기본 평가표 (개정)")
    del data["s-1-c-1-text"]  # the last question removed
    data["s-0-c-0-DELETE"] = "1"  # and the first, by its remove box
    response = trainer.post(f"/qa/scorecards/{scorecard.pk}/edit/", data)
    assert response.status_code == 302
    scorecard.refresh_from_db()
    assert Scorecard.objects.count() == 1
    assert (scorecard.name, scorecard.version, scorecard.is_active) == ("기본 평가표 (개정)", 1, True)
    assert structure(scorecard) == [("필수", "고객 비하·욕설 없음", "yes_no", 0, False, True, "no_flag", "profanity")]


def test_editing_a_used_scorecard_makes_v2_and_leaves_v1s_evaluations_alone(trainer, world, scorecard):
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    answer_all(evaluation, world.supervisor_a)
    services.evaluation_submit(actor=world.supervisor_a, evaluation=evaluation)
    before = structure(scorecard)
    answers_before = list(Answer.objects.filter(evaluation=evaluation).values_list("criterion_id", "value"))

    page = trainer.get(f"/qa/scorecards/{scorecard.pk}/edit/", HTTP_ACCEPT_LANGUAGE="ko")
    assert "새 버전" in page.content.decode()
    response = trainer.post(f"/qa/scorecards/{scorecard.pk}/edit/", post_data(name="기본 평가표"))
    v2 = Scorecard.objects.get(previous=scorecard)
    assert response.status_code == 302 and response["Location"] == f"/qa/scorecards/{v2.pk}/"
    scorecard.refresh_from_db()
    evaluation.refresh_from_db()
    assert (v2.version, v2.is_active, scorecard.is_active) == (2, True, False)
    assert structure(v2)[0][1] == "회사명과 이름으로 인사했다" and len(structure(v2)) == 3
    assert structure(scorecard) == before
    assert evaluation.scorecard_id == scorecard.pk and evaluation.status == "submitted"
    assert list(Answer.objects.filter(evaluation=evaluation).values_list("criterion_id", "value")) == answers_before

    # v1 now has a newer version: its editor sends you there.
    again = trainer.get(f"/qa/scorecards/{scorecard.pk}/edit/")
    assert again.status_code == 302 and again["Location"] == f"/qa/scorecards/{v2.pk}/"
    assert Scorecard.objects.count() == 2


def test_the_list_and_detail_pages_offer_the_editor_to_trainers(trainer, world, scorecard):
    assert "/qa/scorecards/new/" in trainer.get("/qa/scorecards/").content.decode()
    detail = trainer.get(f"/qa/scorecards/{scorecard.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert f"/qa/scorecards/{scorecard.pk}/edit/" in detail and ">편집<" in detail
    evaluation = services.evaluation_start(actor=world.supervisor_a, call=world.call_a, scorecard=scorecard)
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()
    detail = trainer.get(f"/qa/scorecards/{scorecard.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert ">새 버전<" in detail


@pytest.mark.parametrize(
    ("role", "status"),
    [("agent_a", 403), ("supervisor_a", 403), ("trainer_a", 200), ("trainer_all", 200), ("admin", 200)],
)
def test_who_may_open_the_editor(client, world, scorecard, role, status):
    client.force_login(world.user(role))
    assert client.get("/qa/scorecards/new/").status_code == status
    assert client.get(f"/qa/scorecards/{scorecard.pk}/edit/").status_code == status


@pytest.mark.parametrize("role", ["agent_a", "supervisor_a"])
def test_supervisors_and_agents_cannot_save(client, world, scorecard, role):
    client.force_login(world.user(role))
    assert client.post("/qa/scorecards/new/", post_data()).status_code == 403
    assert client.post(f"/qa/scorecards/{scorecard.pk}/edit/", post_data(name="바뀜")).status_code == 403
    scorecard.refresh_from_db()
    assert scorecard.name == "기본 평가표" and Scorecard.objects.count() == 1


def test_another_teams_scorecard_is_not_found_and_teams_are_the_trainers_own(trainer, world):
    team_b_card = services.scorecard_create(
        actor=world.admin, name="B팀 평가표", team=world.team_b, sections=[{"title": "x", "criteria": [{"text": "q"}]}]
    )
    assert trainer.get(f"/qa/scorecards/{team_b_card.pk}/edit/").status_code == 404
    assert trainer.post(f"/qa/scorecards/{team_b_card.pk}/edit/", post_data()).status_code == 404
    page = trainer.get("/qa/scorecards/new/").content.decode()
    assert f'value="{world.team_a.pk}"' in page and f'value="{world.team_b.pk}"' not in page
    assert trainer.post("/qa/scorecards/new/", post_data(team=str(world.team_b.pk))).status_code == 400
    assert Scorecard.objects.filter(team=world.team_b).count() == 1
