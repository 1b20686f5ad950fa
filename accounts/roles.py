"""Who may do what: the one table of every page's minimum role, to read it and to change
anything through it.

The owner is whoever logs in with the reseller's mSpace username and password; they may do
everything. Staff (`team.models.Membership`) have one of three roles, each with the rights
of the ones below it:

- viewer: balances, lists, history, activity;
- operator: and top-ups (up to the daily limit the owner sets them) and test SMS;
- admin: and the team, alerts, prices and keep watch.

`accounts.middleware.GatewayCredentialsMiddleware` checks every request against `RULES`
before the view runs, so a view cannot forget. A page that is neither public
(`accounts.guard.PUBLIC`) nor listed here is refused to everyone but the owner, and
`tests/test_roles.py` fails until it gets a rule.
"""

from enum import IntEnum

from django.utils.translation import gettext_lazy as _


class Role(IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3
    OWNER = 4

    @property
    def label(self):
        return ROLE_NAMES[self]


ROLE_NAMES = {
    Role.VIEWER: _("Viewer"),
    Role.OPERATOR: _("Operator"),
    Role.ADMIN: _("Admin"),
    Role.OWNER: _("Owner"),
}

V, OP, A, OWNER = Role.VIEWER, Role.OPERATOR, Role.ADMIN, Role.OWNER

# URL name ("namespace:name") or whole namespace ("namespace:*") -> (to read, to change).
# Reading is GET and HEAD; changing is every other method.
RULES = {
    # messaging: balances, lists and activity for everyone; moving credit for operators.
    "messaging:dashboard": (V, A),  # POST: the low-balance threshold everyone sees
    "messaging:clients": (V, A),
    "messaging:subaccounts": (V, A),
    "messaging:client_topup": (OP, OP),
    "messaging:subaccount_topup": (OP, OP),
    "messaging:topup_outcome": (V, OP),
    "messaging:send": (OP, OP),
    "messaging:send_outcome": (V, OP),
    "messaging:activity": (V, OP),
    "messaging:activity_entry": (V, OP),
    # Settling an unknown outcome says what happened to credit: whoever may move it.
    "messaging:activity_reconcile": (V, OP),
    # keep watch: its history for everyone; starting it takes the mSpace password (the
    # owner's alone); an admin may look at it and stop it.
    "watch:watch": (A, OWNER),
    "watch:stop": (A, A),
    "watch:client_history": (V, A),
    "watch:subaccount_history": (V, A),
    "watch:own_history": (V, A),
    # alerts: admins.
    "alerts:*": (A, A),
    # billing: receipts and statements are history; the money page, settings and prices are
    # the business's, for admins; a payment taken with a top-up, for operators.
    "billing:receipt": (V, OP),
    "billing:receipt_pdf": (V, OP),
    "billing:payment": (OP, OP),
    "billing:client_statement": (V, A),
    "billing:subaccount_statement": (V, A),
    "billing:client_statements_zip": (V, A),
    "billing:subaccount_statements_zip": (V, A),
    "billing:money": (A, A),
    "billing:settings": (A, A),
    "billing:logo": (V, A),
    "billing:prices": (A, A),
    # batches (issue 18): a bulk top-up moves credit (operators, within their daily limit,
    # `team.allowance`); its progress is history; refill rules run unattended (admins).
    "batches:client_bulk_topup": (OP, OP),
    "batches:subaccount_bulk_topup": (OP, OP),
    "batches:batch": (V, OP),
    "batches:cancel": (OP, OP),
    "batches:refills": (A, A),
    "batches:refill_resume": (A, A),
    "batches:refill_delete": (A, A),
    # paybill (issue 20): the payments inbox is history; assigning a payment to a client
    # tops it up (operators, within their daily limit); the Paybill's settings, its account
    # numbers and its Daraja link are the business's (admins). Daraja's callbacks are public.
    "paybill:payments": (V, A),
    "paybill:assign": (OP, OP),
    "paybill:refunded": (OP, OP),
    "paybill:check": (OP, OP),
    "paybill:demo": (OP, OP),
    "paybill:settings": (A, A),
    "paybill:renew": (A, A),
    "paybill:add_number": (A, A),
    "paybill:remove_number": (A, A),
    # team: the team page for admins; one's own second factor for everyone.
    "team:team": (A, A),
    "team:member": (A, A),
    "team:two_factor": (V, V),
    "team:enrol": (V, V),
    "team:verify": (V, V),
}

# Reachable after the password but before the second factor (logging in is not finished):
# without them nobody could enrol or type their code.
SECOND_STEP = {"team:enrol", "team:verify"}

_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def rule_for(match) -> tuple[Role, Role] | None:
    """The (read, change) rule of the resolved URL `match`, or None if it has none."""
    if match is None:
        return None
    if match.view_name in RULES:
        return RULES[match.view_name]
    for namespace in match.namespaces:
        if f"{namespace}:*" in RULES:
            return RULES[f"{namespace}:*"]
    return None


def needed(match, method: str) -> Role:
    """The least role that may send `method` to `match`: the owner alone when unlisted."""
    rule = rule_for(match)
    if rule is None:
        return Role.OWNER
    read, change = rule
    return read if method.upper() in _READING else change


def allows(role: Role, match, method: str) -> bool:
    return role >= needed(match, method)
