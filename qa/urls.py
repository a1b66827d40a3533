from django.urls import path

from . import views

app_name = "qa"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/acknowledge/", views.evaluation_acknowledge, name="evaluation_acknowledge"),
    path("calls/<int:pk>/evaluate/", views.evaluation_start_view, name="evaluation_start"),
    path("flags/<int:pk>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/new/", views.dispute_new, name="dispute_new"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("scorecards/", views.scorecard_list, name="scorecards"),
    path("scorecards/new/", views.scorecard_new, name="scorecard_new"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard"),
    path("scorecards/<int:pk>/edit/", views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/new-version/", views.scorecard_version, name="scorecard_version"),
    path("sampling/", views.sampling, name="sampling"),
    path("calibrations/", views.calibration_list, name="calibrations"),
    path("calibrations/<int:pk>/", views.calibration_detail, name="calibration"),
]
