from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal data protection")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (permission and role changes are logged)
