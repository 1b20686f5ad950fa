from django.urls import path

from team import views

app_name = "team"

urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/<int:member_id>/", views.member, name="member"),
    path("team/join/<str:secret>/", views.join, name="join"),
    path("team/two-factor/", views.two_factor, name="two_factor"),
    path("team/two-factor/enrol/", views.enrol, name="enrol"),
    path("team/two-factor/verify/", views.verify, name="verify"),
]
