"""/team/: the owner's (and admins') team; joining by invitation; the second factor.

Who may open what is decided before any of these run (`accounts.roles`); `/team/join/` is
public, as the newcomer has no account yet: its link carries its own secret.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from team import invitations, members, second_factor
from team.forms import CodeForm, InviteForm, JoinForm, MemberForm

_BACKEND = "accounts.backends.TeamMemberBackend"


def _actor(request) -> str:
    return request.user.get_username()


def _see(name, *args):
    response = redirect(reverse(name, args=args))
    response.status_code = 303
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def team(request):
    """The team: its members, the invitations waiting, and the invitation form."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        invitations.invite(
            request.reseller,
            email=email,
            role=form.cleaned_data["role"],
            daily_limit=form.cleaned_data["daily_limit"],
            by=_actor(request),
            site_url=request.build_absolute_uri,
        )
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works once, for %(hours)s hours.")
            % {"email": email, "hours": invitations.INVITATION_HOURS},
        )
        return _see("team:team")
    return render(
        request,
        "team/team.html",
        {
            "form": form,
            "members": members.team_of(request.reseller),
            "roles": MemberForm.base_fields["role"].choices,
            "invitations": invitations.pending(request.reseller),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def member(request, member_id):
    """Change one member: `action` is `change` (role and daily limit), `disable`, `enable`
    or `reset_second_factor`."""
    found = members.member_of(request.reseller, member_id)
    if found is None:
        messages.error(request, _("That person is not on your team."))
        return _see("team:team")
    action, name, by = request.POST.get("action", ""), found.user.get_username(), _actor(request)
    if found.user_id == request.user.pk:
        # An admin raising their own limit, or locking themselves out, is the owner's call.
        messages.error(request, _("Ask the owner or another admin to change your own access."))
    elif action == "change":
        form = MemberForm(request.POST)
        if form.is_valid():
            changed = members.change_role(found, form.cleaned_data["role"], by=by)
            changed |= members.change_limit(found, form.cleaned_data["daily_limit"], by=by)
            if changed:
                messages.success(request, _("Saved the changes to %(name)s.") % {"name": name})
        else:
            for problems in form.errors.values():
                for problem in problems:
                    messages.error(request, f"{name}: {problem}")
    elif action in ("disable", "enable"):
        members.set_access(found, action == "enable", by=by)
        if action == "disable":
            said = _("%(name)s can no longer log in; their open sessions have ended.")
        else:
            said = _("%(name)s can log in again.")
        messages.success(request, said % {"name": name})
    elif action == "reset_second_factor":
        members.reset_second_factor(found, by=by)
        messages.success(
            request,
            _("%(name)s must set up their authenticator app again at their next page.")
            % {"name": name},
        )
    else:
        messages.error(request, _("Choose what to change."))
    return _see("team:team")


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def join(request, secret):
    """Accepting an invitation: choose a password, then set up the second factor."""
    try:
        invitation = invitations.open_invitation(secret)
    except invitations.CannotJoin as problem:
        return render(request, "team/join.html", {"problem": str(problem)}, status=410)
    form = JoinForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept(secret, form.cleaned_data["password1"])
        except invitations.CannotJoin as problem:
            return render(request, "team/join.html", {"problem": str(problem)}, status=410)
        login(request, user, backend=_BACKEND)
        second_factor.require_for_session(request, True)
        return _see("team:enrol")
    return render(
        request,
        "team/join.html",
        {
            "form": form,
            "invitation": invitation,
            "team_name": invitation.reseller.username,
            "problem": "",
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request):
    """Setting up an authenticator app: the QR code and the secret, then its first code.
    A right code shows the ten recovery codes, once."""
    if not second_factor.may_enrol(request):
        return second_factor.ask_for_code(request)
    device = second_factor.pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm(request, device, form.cleaned_data["code"])
        except second_factor.Paused as paused:
            form.add_error("code", _paused_words(paused))
            status = 429
        else:
            if codes is not None:
                second_factor.require_for_session(request, True)
                return _recovery_codes(request, codes, first_time=True)
            form.add_error("code", _("That code is not right. Type the code the app shows now."))
            status = 400
    return render(
        request,
        "team/enrol.html",
        {
            "form": form,
            "secret": second_factor.secret_of(device),
            "qr_code": second_factor.qr_code(device),
            "next": _next(request),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second step of logging in: a code from the authenticator, or a recovery code."""
    if not second_factor.has_authenticator(request.user):
        return second_factor.ask_for_code(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            right = second_factor.verify(request, form.cleaned_data["code"])
        except second_factor.Paused as paused:
            form.add_error("code", _paused_words(paused))
            status = 429
        else:
            if right:
                return redirect(_next(request))
            form.add_error(
                "code",
                _("That code is not right. Type the code the app shows now, or a recovery code."),
            )
            status = 400
    return render(
        request, "team/verify.html", {"form": form, "next": _next(request)}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
def two_factor(request):
    """One's own second factor: whether it is on, new recovery codes, and (for the owner,
    for whom it is a choice) turning it off."""
    is_owner = getattr(request, "membership", None) is None
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "new_codes":
        if second_factor.has_authenticator(request.user):
            with transaction.atomic():
                codes = second_factor.new_recovery_codes(request.user)
                second_factor.record_own_change(request, members.RECOVERY_CODES_RENEWED)
            return _recovery_codes(request, codes)
    elif request.method == "POST" and action == "turn_off" and is_owner:
        with transaction.atomic():
            second_factor.remove_all(request.user)
            second_factor.record_own_change(request, members.SECOND_FACTOR_TURNED_OFF)
        second_factor.require_for_session(request, False)
        messages.success(request, _("The second factor is off for your logins."))
        return _see("team:two_factor")
    elif request.method == "POST":
        messages.error(request, _("Choose what to change."))
    return render(
        request,
        "team/two_factor.html",
        {
            "on": second_factor.has_authenticator(request.user),
            "codes_left": second_factor.recovery_codes_left(request.user),
            "is_owner": is_owner,
        },
    )


def _recovery_codes(request, codes, *, first_time=False):
    return render(
        request,
        "team/recovery_codes.html",
        {"codes": codes, "first_time": first_time, "next": _next(request)},
    )


def _paused_words(paused) -> str:
    minutes = max(1, -(-int(paused.wait.total_seconds()) // 60))
    return _(
        "Too many wrong codes. Wait %(minutes)s minutes, then try again (a recovery code "
        "works too)."
    ) % {"minutes": minutes}


def _next(request) -> str:
    """Where to go once the code is right: `next`, if it is a page of this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("messaging:dashboard")
