"""Login throttling on top of django-axes: a limit per account and a (higher) limit per address.

Axes counts failures against one limit. A call centre sits behind one NAT address, so locking an
address after the account limit would lock a whole floor after a few typos; an address gets its
own, larger limit (`AXES_ADDRESS_FAILURE_LIMIT`) instead. Failures older than the cool-off
(`AXES_COOLOFF_TIME`) do not count; an admin unlocks earlier by deleting the attempts (the
"Unlock login" action on users, the Axes admin, or `manage.py axes_reset_username`).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

LOCKED_MESSAGE = _(
    "Too many failed logins. This account or address is locked for a while; try again later or ask "
    "an administrator to unlock it."
)


def _failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Locked when the account reached `AXES_FAILURE_LIMIT` or the address `AXES_ADDRESS_FAILURE_LIMIT`.

    Axes compares what `get_failures` returns with the account limit, so the address count is
    scaled to that limit: the address reaches it exactly when it reaches its own.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        since = get_cool_off_threshold(request)
        username = get_client_username(request, credentials)
        by_account = _failures(username=username, attempt_time__gte=since) if username else 0
        by_address = _failures(ip_address=request.axes_ip_address, attempt_time__gte=since)
        limit = get_failure_limit(request, credentials)
        address_limit = max(settings.AXES_ADDRESS_FAILURE_LIMIT, 1)
        return max(by_account, by_address * limit // address_limit)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login forget only this account's failures, not the whole address's."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


def login_unlock(*, username: str) -> int:
    """Lift a lockout now (an admin's action): forget the account's failures. Returns how many records went."""
    count, _deleted = AccessAttempt.objects.filter(username=username).delete()
    return count
