"""What every page needs to know about the person's role: which links to show them, and,
for a team member while keep watch is off, why nothing live can be read."""

from accounts.backends import is_local_account
from accounts.roles import Role
from team.members import membership_of
from team.standing import WATCH_IS_OFF


def role(request):
    if getattr(request, "reseller", None) is None or getattr(request, "second_factor_due", False):
        return {}
    membership = getattr(request, "membership", None)
    if membership is None and is_local_account(request.user):
        membership = membership_of(request.user)  # a page no view answered (a 404)
    rank = membership.rank if membership is not None else Role.OWNER
    context = {
        "my_role": rank.label,
        "is_owner": rank == Role.OWNER,
        "may_move_credit": rank >= Role.OPERATOR,
        "may_manage": rank >= Role.ADMIN,
    }
    if membership is not None:
        from watch.service import is_watching

        context["watch_off_words"] = None if is_watching(request.reseller) else WATCH_IS_OFF
    return context
