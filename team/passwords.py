"""A team member who forgot their password gets a reset link by e-mail (Django's views).

Only team members whose access stands: an owner's password is mSpace's (reset it there),
and a site administrator's is reset with `manage.py changepassword`.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from messaging.forms.words import in_own_words
from team.members import membership_of


class TeamPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages.update(
            required=_("Enter the e-mail address you log in with."),
            invalid=_("Enter an e-mail address such as jane@example.com."),
        )
        in_own_words(self)

    def get_users(self, email):
        return (user for user in super().get_users(email) if membership_of(user) is not None)


class TeamSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = TeamPasswordResetForm
    template_name = "team/password_reset.html"
    email_template_name = "team/password_reset_email.txt"
    subject_template_name = "team/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "team/password_reset_done.html"


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = TeamSetPasswordForm
    template_name = "team/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "team/password_reset_complete.html"
