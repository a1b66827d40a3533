from tests.calls.audio_fixtures import audio_factory  # noqa: F401  (a session fixture for every module here)
