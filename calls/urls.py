from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.home, name="home"),
    path("calls/log/", views.quick_log, name="quick_log"),
    path("calls/", views.call_list, name="list"),
    path("calls/<int:pk>/", views.call_detail, name="detail"),
    path("calls/<int:pk>/edit/", views.call_edit, name="edit"),
    path("calls/<int:pk>/delete/", views.call_delete, name="delete"),
    path("calls/<int:pk>/speakers/", views.call_speakers, name="speakers"),
    path("calls/upload/", views.recording_upload, name="upload"),
    path("calls/<int:pk>/evidence/", views.call_evidence, name="evidence"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("recordings/<int:pk>/retry/", views.recording_retry_view, name="recording_retry"),
]
