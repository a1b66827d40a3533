from django.urls import path

from . import rulebook_views as views

app_name = "rulebook"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_create, name="create"),
    path("test/", views.rule_test, name="test"),
    path("reanalyse/", views.rule_reanalyse, name="reanalyse"),
    path("<int:pk>/", views.rule_detail, name="detail"),
    path("<int:pk>/edit/", views.rule_edit, name="edit"),
    path("<int:pk>/active/", views.rule_active, name="active"),
]
