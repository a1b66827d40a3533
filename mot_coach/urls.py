from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import coaching.api  # noqa: F401  (registers its viewsets on the router)
import dashboards.api  # noqa: F401
import qa.api  # noqa: F401
from accounts.api import TeamViewSet, UserViewSet, me
from accounts.token import obtain_auth_token
from calls.api.recordings import RecordingViewSet
from calls.api.tone import (
    CallAnalysisViewSet,
    FlagViewSet,
    LabelledLineViewSet,
    NotificationViewSet,
    RuleViewSet,
    ToneModelVersionViewSet,
)
from calls.api.views import CallViewSet

from .api import api_not_found, router

router.register("calls", CallViewSet, basename="call")
router.register("recordings", RecordingViewSet, basename="recording")
router.register("analyses", CallAnalysisViewSet, basename="analysis")
router.register("flags", FlagViewSet, basename="flag")
router.register("rules", RuleViewSet, basename="rule")
router.register("labelled-lines", LabelledLineViewSet, basename="labelled-line")
router.register("tone-models", ToneModelVersionViewSet, basename="tone-model")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")

api_urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", me, name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    # Anything else under /api/ is a JSON 404 (not Django's HTML page): e.g. /api/rules/1.5/.
    # Only paths ending in a slash, so that /api/calls still redirects to /api/calls/.
    re_path(r"^.*/$", api_not_found),
]


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on every page whatever the <link rel=icon> says."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.ico")  # per request: the hashed name exists only after collectstatic


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_urlpatterns)),
    path("coaching/", include("coaching.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("qa/", include("qa.urls")),
    path("rules/", include("calls.rulebook_urls")),
    path("", include("calls.urls")),
]
