"""The roles every permission matrix walks through, and an API client acting as one of them."""

# Names of World attributes (tests/conftest.py), plus "anonymous".
ROLES = [
    "anonymous",
    "agent_a",
    "agent_a2",
    "agent_b",
    "supervisor_a",
    "supervisor_b",
    "trainer_a",
    "trainer_all",
    "admin",
]


def client_for(api, world, role):
    if role != "anonymous":
        api.force_authenticate(world.user(role))
    return api
