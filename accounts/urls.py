from django.urls import path

from accounts import views
from team import passwords

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # A team member's forgotten password (owners change theirs at mSpace).
    path("password-reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
