"""Field rules shared by the model, so the web form and the API refuse the same input."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CALL_SECONDS = 24 * 3600
# Clocks drift and agents log calls ahead by a few minutes; a day ahead is a typo.
MAX_FUTURE = timedelta(days=1)


def validate_started_at(value) -> None:
    if value > timezone.now() + MAX_FUTURE:
        raise ValidationError(_("The start time is more than a day in the future."), code="future")


def validate_duration(value: int) -> None:
    if value < 0:
        raise ValidationError(_("The duration cannot be negative."), code="negative")
    if value > MAX_CALL_SECONDS:
        raise ValidationError(_("The duration cannot be longer than 24 hours."), code="too_long")


def validate_phone(value: str) -> None:
    from .phone import is_plausible_phone, normalize_phone

    if value and not is_plausible_phone(normalize_phone(value)):
        raise ValidationError(_("Enter a phone number of 7 to 12 digits."), code="phone")
