"""Permission and role changes go to the access log: roles, staff/superuser flags, groups,
permissions, and who leads or coaches a team (which decides whose calls one may hear)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from accounts.models import Team

from .models import AccessAction
from .services import access_log_record

User = get_user_model()
WATCHED_FIELDS = ("role", "is_staff", "is_superuser", "is_active", "team_id")


@receiver(pre_save, sender=User)
def _remember_before(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._privacy_before = None
        return
    instance._privacy_before = sender.objects.filter(pk=instance.pk).values(*WATCHED_FIELDS).first()


@receiver(post_save, sender=User)
def _log_role_change(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_privacy_before", None)
    if created or before is None:
        changes = [f"{field}={getattr(instance, field)}" for field in WATCHED_FIELDS]
        detail = "created: " + ", ".join(changes)
    else:
        changes = [
            f"{field}: {before[field]} → {getattr(instance, field)}"
            for field in WATCHED_FIELDS
            if before[field] != getattr(instance, field)
        ]
        if not changes:
            return
        detail = "; ".join(changes)
    access_log_record(
        action=AccessAction.PERMISSION_CHANGE, target=f"user:{instance.pk}:{instance.get_username()}", detail=detail
    )


def _m2m_logger(label: str):
    def handler(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
        ids = ",".join(str(pk) for pk in sorted(pk_set or []))
        access_log_record(
            action=AccessAction.PERMISSION_CHANGE,
            target=f"{instance._meta.model_name}:{instance.pk}:{instance}",
            detail=f"{label} {verb}: {model._meta.model_name} {ids}".strip(),
        )

    return handler


for _through, _label in (
    (User.groups.through, "groups"),
    (User.user_permissions.through, "user permissions"),
    (Group.permissions.through, "group permissions"),
    (Team.supervisors.through, "team supervisors"),
    (Team.trainers.through, "team trainers"),
):
    m2m_changed.connect(_m2m_logger(_label), sender=_through, weak=False, dispatch_uid=f"privacy-{_label}")
