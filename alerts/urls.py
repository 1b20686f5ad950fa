from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/confirm/<str:token>/", views.confirm, name="confirm"),
    path("alerts/contact/<str:book>/", views.contact, name="contact"),
]
