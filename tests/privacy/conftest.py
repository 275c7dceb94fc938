"""Helpers of the anonymisation tests: a search of every text column of every table, and a snapshot of the
whole database's rows to show that a run changed nothing."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TEXT_TYPES = ("text", "character varying", "json", "jsonb")


def at(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


def text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s) "
            "ORDER BY 1, 2",
            [list(TEXT_TYPES)],
        )
        return cursor.fetchall()


def hits(*needles) -> list[tuple[str, str, str, int]]:
    """(table, column, needle, rows) wherever a needle occurs, in any case, in any text or JSON column."""
    found = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for needle in needles:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s', [f"%{needle}%"])
                count = cursor.fetchone()[0]
                if count:
                    found.append((table, column, needle, count))
    return found


def snapshot() -> dict[str, tuple[int, str]]:
    """table → (rows, a digest of all its rows' values): equal snapshots mean nothing changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')
            rows = [row[0] for row in cursor.fetchall()]
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return result
