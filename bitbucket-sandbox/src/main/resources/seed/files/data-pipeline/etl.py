"""Nightly ETL: loads yesterday's orders from the warehouse into the analytics mart."""
import os

import psycopg

WAREHOUSE_DSN = os.environ.get(
    "WAREHOUSE_DSN",
    "postgresql://etl_loader:gl0bex-etl-2026@warehouse-01.corp.globex.internal:5432/warehouse",
)


def run(day: str) -> int:
    with psycopg.connect(WAREHOUSE_DSN) as conn:
        rows = conn.execute("SELECT * FROM orders WHERE order_day = %s", (day,)).fetchall()
    return len(rows)
