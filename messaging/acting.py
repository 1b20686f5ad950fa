"""Who acts, for whom, through which gateway: what every service takes instead of a request.

A page builds one from its request (`for_request`); a worker or a payment callback builds one
from a reseller, its own name and a gateway on a standing credential. Services read and move
credit through it and never see where it came from.
"""

from messaging import gateway as gateways


class Acting:
    """`reseller` (whose money), `actor` (the person who acted, or None for background work),
    `actor_name` (who acted, in words: the person's username, or the job's name) and
    `gateway` (a `messaging.gateway.Gateway` for the reseller's mSpace account).

    `allowance` (None: no limit) is a team member's daily limit, checked by the submit step
    before anything is claimed (`team.allowance.DailyAllowance`).

    `memo` is where the last balance read is kept between requests (a page: the person's
    session; a worker: None). `balance_read` and `read_failed` are the reseller's balance as
    last read through this object and the gateway error last met (the page's header shows
    them), or None.
    """

    __slots__ = (
        "reseller",
        "actor",
        "actor_name",
        "gateway",
        "memo",
        "allowance",
        "balance_read",
        "read_failed",
    )

    def __init__(
        self, reseller, gateway, *, actor=None, actor_name: str = "", memo=None, allowance=None
    ):
        if reseller is None or reseller.pk is None:
            raise ValueError("Acting needs a saved reseller: whose money it is.")
        self.reseller = reseller
        self.actor = actor
        self.actor_name = actor_name or (actor.get_username() if actor is not None else "")
        if not self.actor_name:
            raise ValueError("Work done without a person must name itself in actor_name.")
        self.gateway = gateway
        self.memo = memo
        self.allowance = allowance
        self.balance_read = None
        self.read_failed = None

    def __repr__(self):
        return f"<Acting for {self.reseller} by {self.actor_name}>"


def for_request(request) -> Acting:
    """The person logged in on `request`, acting for their reseller: the owner with the
    password in their session's vault, a team member (`request.membership`) through the
    owner's standing credential and within their daily limit. One per request: the header
    shows what the page read."""
    acting = getattr(request, "_acting", None)
    if acting is None:
        membership = getattr(request, "membership", None)
        if membership is None:
            gateway, allowance = gateways.for_session(request), None
        else:
            from team.allowance import DailyAllowance  # team builds on messaging
            from team.standing import OwnersStandingCredential

            gateway = gateways.Gateway(OwnersStandingCredential(request.reseller))
            allowance = DailyAllowance(membership)
        acting = request._acting = Acting(
            request.reseller,
            gateway,
            actor=request.user,
            memo=getattr(request, "session", None),
            allowance=allowance,
        )
    return acting
