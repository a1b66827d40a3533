from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from speech.audio import (
    ANALYSIS_SAMPLE_RATE,
    AudioInfo,
    AudioRejected,
    decode_channels,
    decoded_size_bytes,
    probe_audio,
)
from tests.calls.audio_fixtures import AudioFactory

GREETING_SECONDS = (3.5, 5.5)  # espeak-ng at -s 140 renders the greeting in ~4.35 s


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def assert_rejected(path: Path, code: str, **caps: int | float) -> AudioRejected:
    with pytest.raises(AudioRejected) as caught:
        probe_audio(path, **caps)
    assert caught.value.code == code, caught.value.message
    assert caught.value.message and caught.value.message[0].isupper()
    return caught.value


# --------------------------------------------------------------------------
# Accepted formats


ENCODINGS = [
    pytest.param("wav", (), "wav", "pcm_s16le", id="wav"),
    pytest.param("mp3", (), "mp3", "mp3", id="mp3"),
    pytest.param("m4a", ("-c:a", "aac"), "mov,mp4,m4a,3gp,3g2,mj2", "aac", id="m4a-aac"),
    pytest.param("aac", ("-c:a", "aac"), "aac", "aac", id="raw-adts-aac"),
    pytest.param("ogg", ("-c:a", "libopus"), "ogg", "opus", id="ogg-opus"),
    pytest.param("ogg", ("-c:a", "libvorbis"), "ogg", "vorbis", id="ogg-vorbis"),
    pytest.param("flac", (), "flac", "flac", id="flac"),
    pytest.param("webm", ("-c:a", "libopus"), "matroska,webm", "opus", id="webm-opus"),
]


@pytest.mark.parametrize(("suffix", "args", "format_name", "codec"), ENCODINGS)
def test_every_accepted_format_is_probed_and_decodes_to_16khz_mono(
    audio_factory: AudioFactory, suffix: str, args: tuple[str, ...], format_name: str, codec: str
) -> None:
    path = audio_factory.convert(audio_factory.speech(), suffix, *args)

    info = probe_audio(path)
    channels = decode_channels(path)

    assert (info.format_name, info.codec, info.channels) == (format_name, codec, 1)
    assert GREETING_SECONDS[0] < info.duration < GREETING_SECONDS[1]
    assert info.size_bytes == path.stat().st_size
    assert info.decoded_bytes == decoded_size_bytes(info.duration, 1)
    assert len(channels) == 1
    samples = channels[0]
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / ANALYSIS_SAMPLE_RATE == pytest.approx(info.duration, abs=0.35)
    assert rms(samples) > 0.01


def test_an_8khz_telephone_wav_is_accepted_and_resampled_to_16khz(audio_factory: AudioFactory) -> None:
    path = audio_factory.telephone()

    info = probe_audio(path)
    (samples,) = decode_channels(path)

    assert (info.sample_rate, info.channels, info.codec) == (8000, 1, "pcm_s16le")
    assert len(samples) == pytest.approx(info.duration * ANALYSIS_SAMPLE_RATE, abs=ANALYSIS_SAMPLE_RATE * 0.01)


def test_an_8khz_mu_law_wav_from_a_call_recorder_is_accepted(audio_factory: AudioFactory) -> None:
    path = audio_factory.telephone_mulaw()

    info = probe_audio(path)
    (samples,) = decode_channels(path)

    assert (info.codec, info.sample_rate) == ("pcm_mulaw", 8000)
    assert rms(samples) > 0.01


def test_the_file_name_extension_has_no_say_in_what_the_format_is(audio_factory: AudioFactory, tmp_path: Path) -> None:
    mp3_named_wav = tmp_path / "recording.wav"
    shutil.copy(audio_factory.convert(audio_factory.speech(), "mp3"), mp3_named_wav)
    opus_named_txt = tmp_path / "recording.txt"
    shutil.copy(audio_factory.convert(audio_factory.speech(), "ogg", "-c:a", "libopus"), opus_named_txt)

    assert probe_audio(mp3_named_wav).format_name == "mp3"
    assert probe_audio(opus_named_txt).codec == "opus"


@pytest.mark.parametrize("suffix", ["webm", "aac", "mp3", "ogg"])
def test_a_streamed_file_without_a_usable_header_duration_is_measured_from_its_packets(
    audio_factory: AudioFactory, suffix: str
) -> None:
    path = audio_factory.streamed(suffix)

    info = probe_audio(path)
    (samples,) = decode_channels(path)

    assert GREETING_SECONDS[0] < info.duration < GREETING_SECONDS[1]
    assert len(samples) / ANALYSIS_SAMPLE_RATE == pytest.approx(info.duration, abs=0.35)


def test_a_streamed_webm_over_the_duration_cap_is_rejected_without_trusting_a_header(
    audio_factory: AudioFactory,
) -> None:
    assert_rejected(audio_factory.streamed("webm"), "too_long", max_duration_s=2)


def test_a_video_with_an_audio_track_is_accepted_and_only_its_audio_is_used(audio_factory: AudioFactory) -> None:
    path = audio_factory.video_with_audio()

    info = probe_audio(path)
    channels = decode_channels(path)

    assert info.codec == "aac"
    assert len(channels) == 1 and rms(channels[0]) > 0.01


def test_a_few_damaged_bytes_mid_file_are_skipped_rather_than_losing_the_call(audio_factory: AudioFactory) -> None:
    clean = audio_factory.convert(audio_factory.speech(), "mp3")
    damaged = audio_factory.corrupted_middle(clean)

    info = probe_audio(damaged)
    (samples,) = decode_channels(damaged)

    assert info.duration == pytest.approx(probe_audio(clean).duration, abs=0.1)
    assert len(samples) > 0.9 * len(decode_channels(clean)[0])


def test_an_mp3_without_a_vbr_header_is_measured_not_taken_for_truncated_when_its_rate_changes(
    audio_factory: AudioFactory,
) -> None:
    path = audio_factory.mp3_with_rate_change()
    single = probe_audio(audio_factory.convert(audio_factory.speech(), "mp3")).duration

    info = probe_audio(path)
    (samples,) = decode_channels(path)

    assert info.sample_rate == 22050  # as the file starts
    assert info.duration == pytest.approx(2 * single, abs=0.3)
    assert len(samples) / ANALYSIS_SAMPLE_RATE == pytest.approx(2 * single, abs=0.3)


# --------------------------------------------------------------------------
# Channels


def test_stereo_keeps_the_two_channels_separate_after_resampling(audio_factory: AudioFactory) -> None:
    path = audio_factory.stereo_tone_and_silence()  # 44.1 kHz: tone left, silence right

    info = probe_audio(path)
    left, right = decode_channels(path)

    assert (info.channels, info.sample_rate) == (2, 44100)
    assert len(left) == len(right) == pytest.approx(2 * ANALYSIS_SAMPLE_RATE, abs=200)
    assert rms(left) > 0.1
    assert rms(right) < 1e-4


def test_a_two_party_stereo_call_has_each_voice_only_on_its_own_channel(audio_factory: AudioFactory) -> None:
    left, right = decode_channels(audio_factory.stereo_call())
    second = ANALYSIS_SAMPLE_RATE

    # Agent speaks 1-5.4 s on the left, customer from 6 s on the right.
    assert rms(left[1 * second : 5 * second]) > 0.01 and rms(right[: 5 * second]) < 1e-4
    assert rms(right[6 * second : 7 * second]) > 0.01 and rms(left[6 * second :]) < 1e-4


def test_more_than_two_channels_are_mixed_down_to_one(audio_factory: AudioFactory) -> None:
    path = audio_factory.multichannel(4)

    info = probe_audio(path)
    channels = decode_channels(path)

    assert info.channels == 4
    assert info.decoded_bytes == decoded_size_bytes(info.duration, 1)
    assert len(channels) == 1 and rms(channels[0]) > 0.1


def test_decode_stops_at_the_duration_limit_even_if_the_probe_was_skipped(audio_factory: AudioFactory) -> None:
    with pytest.raises(AudioRejected) as caught:
        decode_channels(audio_factory.speech(), max_duration_s=1.0)
    assert caught.value.code == "too_long"


# --------------------------------------------------------------------------
# Rejections


def test_an_empty_file_is_rejected_as_empty(audio_factory: AudioFactory) -> None:
    assert_rejected(audio_factory.empty(), "empty")


def test_a_text_file_renamed_to_wav_is_rejected_as_not_audio(audio_factory: AudioFactory) -> None:
    error = assert_rejected(audio_factory.text_as_wav(), "not_audio")
    assert "not a recognised audio file" in error.message


def test_random_bytes_are_rejected_as_not_audio(audio_factory: AudioFactory) -> None:
    assert_rejected(audio_factory.random_bytes(), "not_audio")


def test_decode_rejects_non_audio_too_so_it_is_safe_without_a_probe(audio_factory: AudioFactory) -> None:
    with pytest.raises(AudioRejected) as caught:
        decode_channels(audio_factory.text_as_wav())
    assert caught.value.code == "not_audio"


def test_a_video_only_file_is_rejected_for_having_no_audio_track(audio_factory: AudioFactory) -> None:
    for suffix in ("mp4", "webm"):
        error = assert_rejected(audio_factory.video_only(suffix), "no_audio_stream")
        assert "video" in error.message


def test_real_audio_in_a_container_outside_the_allowed_list_is_rejected(audio_factory: AudioFactory) -> None:
    error = assert_rejected(audio_factory.unaccepted_container(), "format_not_allowed")
    assert "aiff" in error.message


def test_a_wav_claiming_zero_bits_per_sample_is_refused_with_a_reason_not_a_crash(audio_factory: AudioFactory) -> None:
    # Regression: PyAV opens no decoder for it, and reading the codec name raised AttributeError (a 500).
    path = audio_factory.wav_with_zero_bits_per_sample()
    error = assert_rejected(path, "unreadable_codec")
    assert "0 bits per sample" in error.message
    with pytest.raises(AudioRejected) as caught:
        decode_channels(path)
    assert caught.value.code == "unreadable_codec"


def test_a_wav_header_with_no_samples_is_rejected_as_zero_length(audio_factory: AudioFactory) -> None:
    assert_rejected(audio_factory.zero_samples_wav(), "zero_length")


def test_an_mp3_cut_in_half_is_rejected_as_truncated_because_its_header_knows_the_real_length(
    audio_factory: AudioFactory,
) -> None:
    mp3 = audio_factory.convert(audio_factory.speech(), "mp3")
    error = assert_rejected(audio_factory.truncated(mp3, 0.5), "truncated")
    assert "incomplete" in error.message


def test_an_mp3_with_little_more_than_its_header_is_rejected_as_truncated(audio_factory: AudioFactory) -> None:
    mp3 = audio_factory.convert(audio_factory.speech(), "mp3")
    assert_rejected(audio_factory.truncated(mp3, 0.04), "truncated")


def test_a_webm_cut_short_is_rejected_as_truncated(audio_factory: AudioFactory) -> None:
    webm = audio_factory.convert(audio_factory.speech(), "webm", "-c:a", "libopus")
    assert_rejected(audio_factory.truncated(webm, 0.5), "truncated")


def test_an_m4a_cut_short_is_rejected_because_its_index_is_missing(audio_factory: AudioFactory) -> None:
    m4a = audio_factory.convert(audio_factory.speech(), "m4a", "-c:a", "aac")
    with pytest.raises(AudioRejected) as caught:
        probe_audio(audio_factory.truncated(m4a, 0.5))
    assert caught.value.code in {"not_audio", "truncated", "corrupt"}


def test_a_truncated_wav_is_accepted_up_to_its_last_sample_since_wav_cannot_tell_truncation_apart(
    audio_factory: AudioFactory,
) -> None:
    # FFmpeg derives a WAV's duration from the file size, so a cut-off WAV
    # is indistinguishable from a shorter recording: we keep what is there.
    wav = audio_factory.speech()
    info = probe_audio(audio_factory.truncated(wav, 0.5))
    assert info.duration == pytest.approx(probe_audio(wav).duration / 2, abs=0.1)


def test_a_file_over_the_byte_cap_is_rejected_as_too_large(audio_factory: AudioFactory) -> None:
    error = assert_rejected(audio_factory.speech(), "too_large", max_bytes=10_000)
    assert "limit" in error.message


def test_a_recording_over_the_duration_cap_is_rejected_as_too_long(audio_factory: AudioFactory) -> None:
    error = assert_rejected(audio_factory.speech(), "too_long", max_duration_s=2)
    assert "limit of 2.00 s" in error.message


def test_a_recording_over_the_decoded_size_cap_is_rejected(audio_factory: AudioFactory) -> None:
    # ~4.4 s at 16 kHz float32 is ~280 KB once decoded.
    assert_rejected(audio_factory.speech(), "too_big_decoded", max_decoded_bytes=100_000)


def test_caps_can_be_disabled_with_none(audio_factory: AudioFactory) -> None:
    info = probe_audio(audio_factory.speech(), max_bytes=None, max_duration_s=None, max_decoded_bytes=None)
    assert isinstance(info, AudioInfo)


def test_decoded_size_counts_float32_samples_at_16khz_per_kept_channel() -> None:
    assert decoded_size_bytes(10.0, 1) == 10 * 16_000 * 4
    assert decoded_size_bytes(10.0, 2) == 10 * 16_000 * 4 * 2
    assert decoded_size_bytes(10.0, 6) == 10 * 16_000 * 4  # mixed down to mono


def test_a_rejection_carries_a_code_and_an_english_message() -> None:
    error = AudioRejected("empty", "The file is empty.")
    assert (error.code, error.message, str(error)) == ("empty", "The file is empty.", "The file is empty.")
