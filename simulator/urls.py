"""Mounted at mspaceservice/wr/sms/ in demo mode (see mspace_admin/urls.py)."""

from django.urls import path

from simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.gateway, name="root"),
    path("<path:rest>", views.gateway, name="gateway"),
]
