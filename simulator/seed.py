"""Building simulated mSpace worlds: one account for a test, or the whole demo."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from simulator.models import UNLIMITED, SimAccount, SimCall, SimFault, SimMpesaPayment

DEMO_SENDER_IDS = ("MSPACE", "DEMO SHOP", "24680")

# A plausible Kenyan and Ugandan book, with the names that trip software up: "&", an
# apostrophe, an accent, a "/" and a full stop. Several are running low (below 100 SMS).
# Balances are SMS as mSpace keeps them: whole numbers, a decimal, and UNLIMITED (-1).
DEMO_CLIENTS = (
    ("Mama Mboga Traders", 1250),
    ("Nakuru Dairy Coop", 4800),
    ("Kisumu Water Works", 12400),
    ("Café Ngong' Road", 85),
    ("Eldoret Agro-Vet 24/7", 640),
    ("Mombasa Spice & Tea House", 2300),
    ("Kariakor Shoe Makers", 47),
    ("Thika Road Matatu Sacco", 9500),
    ("Nyeri Coffee Growers", 3100),
    ("Machakos Fruit Vendors", 0),
    ("Kilimani Dental Clinic", 760),
    ("Naivasha Flower Farm", 5600),
    ("Malindi Beach Hotel", 1980),
    ("Garissa Livestock Market", 12),
    ("Kitengela Hardware", 330),
    ("Westlands Pharmacy", 2750),
    ("Kakamega Tea Estates", 4100),
    ("Meru Miraa Traders", 95),
    ("Lamu Dhow Tours", 410),
    ("Kericho Boarding School", 6200),
    ("Kampala Boda Riders", 38),
    ("Jinja Fish Mongers", 1420),
    ("Mbale Coffee Union", 2080),
    ("Gulu Shea Butter Co-op", 560),
    ("Mukwano & Sons Hardware", 3300),
    ("Nakasero Market Vendors", 71),
    ("Entebbe Airport Shuttles", 2950),
    ("Masaka Matooke Farmers", 880),
    ("Fort Portal Tea Lodge", 240),
    ("Wandegeya Stationers", 19),
    ("Owino Market Tailors", 1150),
    ("Mbarara Ankole Dairy", 7400),
    ("Ssemakula Bros. Electronics", 620),
    ("Kabale Potato Growers", 130),
    ("Arua Transporters' Association", 90),
    ("Ntinda Salon & Spa", 2200),
    # As mSpace's own code keeps them: unlimited SMS (-1), and a balance with a fraction.
    ("Nairobi County Alerts", UNLIMITED),
    ("Bungoma Sugar Outgrowers", Decimal("49.5")),
)
DEMO_SUBACCOUNTS = (
    ("demo-nairobi", 1800),
    ("demo-kampala", 950),
    ("demo-mombasa", 420),
    ("demo-kisumu", 60),
    ("demo-eldoret", 15),
    ("demo-marketing", 2500),
)
DEMO2_CLIENTS = (
    ("Kisii Soapstone Carvers", 300),
    ("Hoima Oil Suppliers", 45),
    ("Lira Maize Millers", 1200),
)
UNLIMITED_CLIENTS = (
    ("Tororo Cement Stockists", 800),
    ("Busia Border Clearing", Decimal("20.5")),
)
BENCH_PREFIX = "bench-client-"
# How many days each demo account's balance would last at its steady use, in turn: a few run
# out this week, most later, one never (no use), so forecasts have something to show.
DEMO_DAYS_LEFT = (4, 9, 20, 45, 6, 90, 0, 14)
DEMO_OWN_USE_PER_DAY = 400  # SMS demo sends itself each day


def make_account(
    username: str,
    password: str,
    *,
    balance: int | Decimal = 0,
    is_reseller: bool = True,
    clients: Iterable[tuple[str, int]] = (),
    subaccounts: Iterable[tuple[str, int]] = (),
    sender_ids: Iterable[str] = ("MSPACE",),
    suspended: bool = False,
) -> SimAccount:
    """Create a top-level account with its book; `clients`/`subaccounts` are (name, balance).

    Raises IntegrityError if the username, or a name within the book, is taken.
    """
    with transaction.atomic():
        account = SimAccount(
            username=username,
            balance=balance,
            is_reseller=is_reseller,
            suspended=suspended,
            sender_ids=",".join(sender_ids),
        )
        account.set_password(password)
        account.save()
        add_to_book(account, SimAccount.CLIENT, clients)
        add_to_book(account, SimAccount.SUBACCOUNT, subaccounts)
    return account


def add_to_book(owner: SimAccount, relation: str, entries: Iterable[tuple[str, int]]) -> None:
    """Add clients or sub-accounts (name, balance) to `owner`'s book in one bulk insert."""
    SimAccount.objects.bulk_create(
        [
            SimAccount(username=name, balance=balance, parent=owner, relation=relation)
            for name, balance in entries
        ],
        batch_size=500,
    )


def seed_demo(clients: int | None = None) -> SimAccount:
    """Make sure the demo world exists; returns the `demo` reseller. Safe to run again.

    Accounts that exist are left as they are (the demo keeps its state between restarts).
    `clients=N` also gives `demo` N generated clients (bench-client-00001...), for
    benchmarks; running again with the same N adds nothing.
    """
    with transaction.atomic():
        demo = _top_level("demo")
        if demo is None:
            demo = make_account(
                "demo",
                "demo",
                balance=25_000,
                clients=DEMO_CLIENTS,
                subaccounts=DEMO_SUBACCOUNTS,
                sender_ids=DEMO_SENDER_IDS,
            )
        if _top_level("demo2") is None:
            make_account(
                "demo2",
                "demo2",
                balance=3_000,
                clients=DEMO2_CLIENTS,
                subaccounts=[("demo2-main", 100)],
                sender_ids=("MSPACE", "DEMO TWO"),
            )
        if _top_level("plain") is None:
            make_account("plain", "plain", balance=500, is_reseller=False)
        if _top_level("unlimited") is None:
            # A reseller whose own balance is unlimited: no top-up is above it.
            make_account(
                "unlimited",
                "unlimited",
                balance=UNLIMITED,
                clients=UNLIMITED_CLIENTS,
                subaccounts=[("unlimited-main", Decimal("12.75"))],
            )
        if clients:
            _add_bench_clients(demo, clients)
    return demo


def steady_use(name: str, balance: int, index: int) -> int:
    """The demo's SMS-a-day for one account: its balance lasts DEMO_DAYS_LEFT days in turn."""
    days = DEMO_DAYS_LEFT[index % len(DEMO_DAYS_LEFT)]
    if days == 0:
        return 0
    return max(1, balance // days) if balance else 5 + index % 7


def give_steady_use(demo: SimAccount) -> None:
    """Demo's clients and sub-accounts (and demo itself) use SMS at steady rates from now on;
    accounts that already have a rate keep it. Generated bench clients stay still."""
    now = timezone.now()
    if not demo.use_per_day:
        SimAccount.objects.filter(pk=demo.pk).update(
            use_per_day=DEMO_OWN_USE_PER_DAY, use_counted_at=now
        )
    book = dict(DEMO_CLIENTS) | dict(DEMO_SUBACCOUNTS)
    names = list(book)
    for account in SimAccount.objects.filter(parent=demo, username__in=names, use_per_day=0):
        rate = steady_use(account.username, book[account.username], names.index(account.username))
        if rate:
            SimAccount.objects.filter(pk=account.pk).update(use_per_day=rate, use_counted_at=now)


def reset() -> None:
    """Forget every simulated account, fault and call."""
    with transaction.atomic():
        SimCall.objects.all().delete()
        SimFault.objects.all().delete()
        SimMpesaPayment.objects.all().delete()
        # Children first: one bulk delete of a self-referencing table is simplest this way.
        SimAccount.objects.filter(parent__isnull=False).delete()
        SimAccount.objects.all().delete()


def _top_level(username: str) -> SimAccount | None:
    return SimAccount.objects.filter(username=username, parent__isnull=True).first()


def _add_bench_clients(owner: SimAccount, count: int) -> None:
    width = max(5, len(str(count)))
    names = [f"{BENCH_PREFIX}{n:0{width}d}" for n in range(1, count + 1)]
    existing = set(
        SimAccount.objects.filter(parent=owner, username__startswith=BENCH_PREFIX).values_list(
            "username", flat=True
        )
    )
    # Varied balances, a few of them low, so sorting and "running low" have work to do.
    add_to_book(
        owner,
        SimAccount.CLIENT,
        ((name, (n * 7919) % 5000) for n, name in enumerate(names, 1) if name not in existing),
    )
