from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.team_dashboard, name="team"),
    path("me/", views.agent_dashboard, name="agent"),
    path("rules/", views.rules, name="rules"),
    path("search/", views.search_view, name="search"),
    path("export/", views.export, name="export"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/bulk/", views.review_queue_bulk, name="review_queue_bulk"),
    path("flags/<int:pk>/review/", views.flag_review_view, name="flag_review"),
    path("calls/<int:pk>/comments/", views.comment_create, name="comment_create"),
]
