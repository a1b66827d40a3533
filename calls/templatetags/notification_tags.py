"""The bell in the top bar: the unread count, one query per page at most."""

from django import template

from calls.notifications import unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """Unread notifications of the signed-in user; counted once per request however often asked."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    if request is None:
        return unread_notification_count(user)
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_notification_count(user)
    return request._unread_notifications
