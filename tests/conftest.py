import os

import pytest


def pytest_configure(config):
    # In CI the services are part of the test: running on SQLite or without Redis because a
    # variable went missing would quietly test something else.
    if os.environ.get("CI") and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise pytest.UsageError("CI must set DATABASE_URL and REDIS_URL (PostgreSQL and Redis).")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


class World:
    """Two teams with everyone the permission rules distinguish, and a call for each agent."""

    def __init__(self):
        from tests.factories import CallFactory, TeamFactory, UserFactory

        self.team_a = TeamFactory(name="Team A")
        self.team_b = TeamFactory(name="Team B")
        self.agent_a = UserFactory(role="agent", team=self.team_a, username="agent_a")
        self.agent_a2 = UserFactory(role="agent", team=self.team_a, username="agent_a2")
        self.agent_b = UserFactory(role="agent", team=self.team_b, username="agent_b")
        self.supervisor_a = UserFactory(role="supervisor", username="supervisor_a")
        self.supervisor_b = UserFactory(role="supervisor", username="supervisor_b")
        self.trainer_a = UserFactory(role="trainer", username="trainer_a")
        self.trainer_all = UserFactory(role="trainer", username="trainer_all", coaches_all_teams=True)
        self.admin = UserFactory(role="admin", username="admin_user")
        self.team_a.supervisors.add(self.supervisor_a)
        self.team_b.supervisors.add(self.supervisor_b)
        self.team_a.trainers.add(self.trainer_a)
        self.call_a = CallFactory(agent=self.agent_a)
        self.call_a2 = CallFactory(agent=self.agent_a2)
        self.call_b = CallFactory(agent=self.agent_b)

    def user(self, name: str):
        return getattr(self, name)


@pytest.fixture
def world(db):
    return World()
