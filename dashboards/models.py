"""Review comments and the transcript search index."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MomentComment(models.Model):
    """A reviewer's note on one moment (segment) of a call."""

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="moment_comments")
    segment = models.ForeignKey("calls.Segment", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "created_at", "id"]
        verbose_name = _("moment comment")
        verbose_name_plural = _("moment comments")

    def __str__(self) -> str:
        return self.text[:60]


class SegmentIndex(models.Model):
    """The searchable terms of one segment: surface words plus Kiwi lemmas, space-separated.

    A query term matches when it is a prefix of one of the terms, so "담당" finds "담당이" and
    "담당자는". On PostgreSQL a GIN index on to_tsvector('simple', terms) answers prefix queries
    (see the migration); on SQLite a LIKE on " term" does.
    """

    segment = models.OneToOneField("calls.Segment", on_delete=models.CASCADE, primary_key=True, related_name="+")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    # Denormalised from the call so that scoping and date filters stay on this table.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, related_name="+")
    call_started_at = models.DateTimeField()
    terms = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["team", "call_started_at"], name="segidx_team_time"),
            models.Index(fields=["agent", "call_started_at"], name="segidx_agent_time"),
            models.Index(fields=["call_started_at"], name="segidx_time"),
        ]

    def __str__(self) -> str:
        return self.terms[:60]
