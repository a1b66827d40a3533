from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("modules/", views.module_list, name="module_list"),
    path("modules/new/", views.module_edit, name="module_new"),
    path("modules/<int:pk>/", views.module_detail, name="module_detail"),
    path("modules/<int:pk>/edit/", views.module_edit, name="module_edit"),
    path("assign/", views.assign, name="assign"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/complete/", views.assignment_complete, name="assignment_complete"),
    path("trainer/", views.trainer_dashboard, name="trainer_dashboard"),
    path("suggestions/<int:pk>/approve/", views.suggestion_decide, {"decision": "approve"}, name="suggestion_approve"),
    path("suggestions/<int:pk>/ignore/", views.suggestion_decide, {"decision": "ignore"}, name="suggestion_ignore"),
    path("teams/<int:pk>/settings/", views.team_settings, name="team_settings"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_edit, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
]
