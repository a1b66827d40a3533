"""The access log (개인정보 접속기록): who touched which call's personal data, when, from where.

Append-only for the application: `save()` refuses to change a stored row, the queryset refuses
`update()` and `delete()`, the admin is read-only, and on PostgreSQL a trigger (see migration
0002) refuses UPDATE always and DELETE of rows younger than `ACCESS_LOG_MIN_RETENTION_DAYS`
(two years, what 개인정보의 안전성 확보조치 기준 asks of a processor of this size), whatever
the application does. The only way rows go is `access_log_purge_expired()`.

Rows point at calls, recordings and users by id, not by foreign key: the record must outlive a
call deleted by retention or a user who left, and a cascade must never reach it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The floor of the retention period: no setting or task deletes a row younger than this.
ACCESS_LOG_MIN_RETENTION_DAYS = 730


class AppendOnlyError(Exception):
    """An attempt to change or delete an access-log row through the application."""


class AccessAction(models.TextChoices):
    AUDIO_PLAY = "audio_play", _("Played a recording")
    AUDIO_DOWNLOAD = "audio_download", _("Downloaded a recording")
    TRANSCRIPT_VIEW = "transcript_view", _("Viewed a transcript")
    UNMASKED_VIEW = "unmasked_view", _("Viewed an unmasked transcript")
    TRANSCRIPT_SEARCH = "transcript_search", _("Searched transcripts")
    EXPORT = "export", _("Exported calls")
    EVIDENCE_EXPORT = "evidence_export", _("Downloaded an abuse evidence pack")
    ACCESS_LOG_EXPORT = "access_log_export", _("Exported the access log")
    PERMISSION_CHANGE = "permission_change", _("Changed permissions or role")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the access log is append-only")

    def delete(self):
        raise AppendOnlyError("the access log is append-only; expired rows go through access_log_purge_expired()")


class AccessLog(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    user_id = models.BigIntegerField(_("user id"), null=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True)
    action = models.CharField(_("action"), max_length=30, choices=AccessAction.choices, db_index=True)
    call_id = models.BigIntegerField(_("call"), null=True, db_index=True)
    recording_id = models.BigIntegerField(_("recording"), null=True)
    target = models.CharField(_("target"), max_length=200, blank=True, help_text=_("What else was touched."))
    detail = models.TextField(_("detail"), blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["user_id", "action", "at"], name="accesslog_user_action_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} call {self.call_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the access log is append-only")
