"""Plausible dates: what every date and time the API (and the web forms) take must fall within.

A call centre's calls, appointments, due dates and notifications are of this century. A year like
1688 (or 0297) is a typo, not a date: refused with a 400 naming the field, before it is stored
or converted. Converting such a time to Asia/Seoul would also give a local-mean-time offset
(+08:27:52) that is not valid RFC 3339, and very early or late years overflow the conversion.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST_YEAR = 2000
LATEST_YEAR = 2099
IMPLAUSIBLE_MESSAGE = _("Enter a date between the years 2000 and 2099.")


def is_plausible(value: date | datetime) -> bool:
    # The year as written (before any time zone conversion): 1999-12-31T23:00-02:00 is refused.
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def validate_plausible_date(value: date | datetime | None) -> None:
    """A Django validator (forms, models, filters)."""
    if value is not None and not is_plausible(value):
        raise ValidationError(IMPLAUSIBLE_MESSAGE, code="implausible_date")


class PlausibleDateTimeField(serializers.DateTimeField):
    """A DRF date-time refused (400) outside EARLIEST_YEAR..LATEST_YEAR, checked before conversion."""

    default_error_messages = {"implausible": IMPLAUSIBLE_MESSAGE}

    def enforce_timezone(self, value: datetime) -> datetime:
        if not is_plausible(value):
            self.fail("implausible")
        return super().enforce_timezone(value)


class PlausibleDateField(serializers.DateField):
    """A DRF date refused (400) outside EARLIEST_YEAR..LATEST_YEAR."""

    default_error_messages = {"implausible": IMPLAUSIBLE_MESSAGE}

    def to_internal_value(self, value) -> date:
        parsed = super().to_internal_value(value)
        if not is_plausible(parsed):
            self.fail("implausible")
        return parsed
