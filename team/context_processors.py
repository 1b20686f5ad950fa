"""What every page needs to know about the person's role: which links to show them, and,
for a team member while keep watch is off, why nothing live can be read.

Every key is always given (empty when it does not apply): a name a template cannot find is
logged at DEBUG with the whole context, which on the enrolment page holds the TOTP secret.
"""

from accounts.backends import is_local_account
from accounts.roles import Role
from team.members import membership_of
from team.standing import WATCH_IS_OFF

_NOBODY = {
    "my_role": "",
    "is_owner": False,
    "may_move_credit": False,
    "may_manage": False,
    "watch_off_words": "",
}


def role(request):
    if getattr(request, "reseller", None) is None or getattr(request, "second_factor_due", False):
        return dict(_NOBODY)
    membership = getattr(request, "membership", None)
    if membership is None and is_local_account(request.user):
        membership = membership_of(request.user)  # a page no view answered (a 404)
    rank = membership.rank if membership is not None else Role.OWNER
    watch_off = ""
    if membership is not None:
        from watch.service import is_watching

        watch_off = "" if is_watching(request.reseller) else WATCH_IS_OFF
    return {
        "my_role": rank.label,
        "is_owner": rank == Role.OWNER,
        "may_move_credit": rank >= Role.OPERATOR,
        "may_manage": rank >= Role.ADMIN,
        "watch_off_words": watch_off,
    }
