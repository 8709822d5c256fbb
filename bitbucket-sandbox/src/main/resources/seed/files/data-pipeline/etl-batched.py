"""Nightly ETL: loads yesterday's orders from the warehouse into the analytics mart."""
import os

import psycopg

WAREHOUSE_DSN = os.environ.get(
    "WAREHOUSE_DSN",
    "postgresql://etl_loader:gl0bex-etl-2026@warehouse-01.corp.globex.internal:5432/warehouse",
)
BATCH_SIZE = 5_000


def run(day: str) -> int:
    total = 0
    with psycopg.connect(WAREHOUSE_DSN) as conn:
        cur = conn.execute("SELECT * FROM orders WHERE order_day = %s", (day,))
        while batch := cur.fetchmany(BATCH_SIZE):
            total += len(batch)
    return total
