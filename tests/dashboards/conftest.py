import pytest

from calls.analysis import call_analyse
from dashboards.services import call_index
from tests.factories import RUDE_CALL, transcript_for


@pytest.fixture
def flagged_call(world):
    """call_a (team A, agent_a) with a transcript, flags, analysis and search index."""
    transcript_for(world.call_a, RUDE_CALL)
    call_analyse(world.call_a.pk)
    call_index(world.call_a.pk)
    return world.call_a
