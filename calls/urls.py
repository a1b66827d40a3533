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
    path("recordings/<int:pk>/retry/", views.recording_retry_view, name="recording_retry"),
]
