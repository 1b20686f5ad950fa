"""`/healthz`: is the database there, and does the gateway answer? No credentials needed."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from messaging import gateway


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    reachable = gateway.is_reachable()
    body = {
        "status": "ok" if database and reachable else "degraded",
        "database": "ok" if database else "unavailable",
        "gateway": "reachable" if reachable else "unreachable",
        "gateway_mode": "simulator" if gateway.uses_simulator() else "mspace",
    }
    # 503 only when this instance cannot serve at all (no database): a gateway outage is
    # reported, but a load balancer should not take every instance out for it.
    return JsonResponse(body, status=200 if database else 503)
