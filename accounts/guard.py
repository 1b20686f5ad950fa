"""Guarded by default: every page needs a signed-in person of a tenant (a reseller logged in
through mSpace, or a member of their team, whose role must reach it: `accounts.roles`),
except the pages on `PUBLIC` below, the one list of exceptions.

`accounts.middleware.GatewayCredentialsMiddleware` applies it to every request that
resolves to a view, so a page added in any app is guarded without anyone remembering to;
`tests/test_guard.py` walks every URL pattern and fails on one that is neither.
"""

from django.conf import settings

# URL names ("namespace:name") or whole namespaces ("namespace:*") anyone may open, and why.
PUBLIC = {
    "accounts:login": "logging in: nobody is signed in yet",
    "accounts:logout": "logging out: harmless for anyone, and a stale tab must be able to",
    "accounts:password_reset": "a team member who forgot their password: nobody is signed in",
    "accounts:password_reset_done": "the page after asking for a password-reset e-mail",
    "accounts:password_reset_confirm": "the e-mailed reset link, which carries its own token",
    "accounts:password_reset_complete": "the page after choosing a new password",
    "team:join": "an invitation link: the newcomer has no account yet; it carries its secret",
    "healthz": "the load balancer's health check, which carries no credentials",
    "languages:choose": "choosing English or Kiswahili, on the login page too",
    "simulator:*": "the demo gateway (demo mode only): it checks its own usernames/passwords",
    "admin:*": "Django's admin: its own login, for site administrators, who are no tenant's",
    "paybill:confirmation": "Daraja's M-Pesa notice: Safaricom holds no session; the secret in "
    "the path is the reseller's credential (and MPESA_ALLOWED_IPS, when set, the sender's)",
    "paybill:validation": "Daraja's M-Pesa validation: as the confirmation, its own secret path",
}
# Static files are served before any URL is resolved (whitenoise); listed for completeness.
PUBLIC_PATH_PREFIXES = (f"/{settings.STATIC_URL.strip('/')}/",)


def is_public(match) -> bool:
    """Whether the resolved URL `match` (a `ResolverMatch`) is on the public list."""
    if match is None:
        return False
    if match.view_name in PUBLIC:
        return True
    return any(f"{namespace}:*" in PUBLIC for namespace in match.namespaces)


def is_public_path(path: str) -> bool:
    return path.startswith(PUBLIC_PATH_PREFIXES)
