from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "filesystem"
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "unreachable"


def healthz(request):
    """200 when the database answers; the broker's state is reported, and a broker outage is not fatal:
    deadlines live in the database and the sweep catches up when the broker is back."""
    database = _database_ok()
    body = {"status": "ok" if database else "error", "database": "ok" if database else "unreachable",
            "broker": _broker_state()}
    return JsonResponse(body, status=200 if database else 503)
