"""Opens an Engage snapshot with pyarrow and DuckDB, with no help, and prints what they see.

usage: python3 read_snapshot.py SNAPSHOT_DIR
"""
import json
import sys

import duckdb
import pyarrow.parquet as pq

snapshot = sys.argv[1]
table = pq.read_table(f"{snapshot}/contacts")
rejects = pq.read_table(f"{snapshot}/rejects")
con = duckdb.connect()
duck = con.execute(
    f"select count(*), count(distinct caller_key), min(received_at) < max(received_at) "
    f"from read_parquet('{snapshot}/contacts/*.parquet')"
).fetchone()
print(json.dumps({
    "pyarrow_rows": table.num_rows,
    "pyarrow_rejects": rejects.num_rows,
    "pyarrow_received_at": str(table.schema.field("received_at").type),
    "duckdb_rows": duck[0],
    "duckdb_callers": duck[1],
    "duckdb_ordered": bool(duck[2]),
}))
