import pytest

from calls.phone import format_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw,masked",
    [
        ("010-1234-5678", "010-****-5678"),
        ("01012345678", "010-****-5678"),
        ("+82 10 1234 5678", "010-****-5678"),
        ("02-123-4567", "02-***-4567"),
        ("031-1234-5678", "031-****-5678"),
        ("1588-1234", "****-1234"),
        ("", ""),
    ],
)
def test_mask_keeps_only_the_first_and_last_groups(raw, masked):
    assert mask_phone(raw) == masked


def test_format_adds_dashes_to_digits():
    assert format_phone("01098765432") == "010-9876-5432"
    assert normalize_phone("010.9876.5432") == "01098765432"
