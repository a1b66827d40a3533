"""Field rules shared by the model, so the web form and the API refuse the same input."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CALL_SECONDS = 24 * 3600
# Clocks drift by a few minutes; a call further ahead has not happened yet: a typo in the date or hour.
MAX_FUTURE = timedelta(minutes=15)


# Before this, a date is a typo (1688 for 2688, say), not a call: Asia/Seoul had no standard
# offset then either, so it would show with a local-mean-time offset like +08:27:52.
EARLIEST_STARTED_AT = datetime(2000, 1, 1, tzinfo=UTC)


def validate_started_at(value) -> None:
    if value > timezone.now() + MAX_FUTURE:
        raise ValidationError(_("The start time is in the future; check the date and the time."), code="future")
    if value < EARLIEST_STARTED_AT:
        raise ValidationError(_("The start time is before the year 2000; check the date."), code="too_early")


def validate_duration(value: int) -> None:
    if value < 0:
        raise ValidationError(_("The duration cannot be negative."), code="negative")
    if value > MAX_CALL_SECONDS:
        raise ValidationError(_("The duration cannot be longer than 24 hours."), code="too_long")


def validate_phone(value: str) -> None:
    from .phone import is_plausible_phone, normalize_phone

    if value and not is_plausible_phone(normalize_phone(value)):
        raise ValidationError(_("Enter a phone number of 7 to 12 digits."), code="phone")
