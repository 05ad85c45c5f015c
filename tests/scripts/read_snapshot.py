"""Opens an Engage snapshot with pyarrow and DuckDB, with no help, and prints what they see.

usage: python3 read_snapshot.py SNAPSHOT_DIR
"""
import json
import sys

import duckdb
import pyarrow.parquet as pq

snapshot = sys.argv[1]
# The files the manifest lists, and only those: the folder may also hold a publish in progress.
with open(f"{snapshot}/manifest.json") as f:
    tables = json.load(f)["tables"]
contacts = [f"{snapshot}/{name}" for name in tables["contacts"]]
table = pq.read_table(contacts)
rejects = pq.read_table([f"{snapshot}/{name}" for name in tables["rejects"]])
con = duckdb.connect()
duck = con.execute(
    "select count(*), count(distinct caller_key), min(received_at) < max(received_at) "
    "from read_parquet(?)",
    [contacts],
).fetchone()
print(json.dumps({
    "pyarrow_rows": table.num_rows,
    "pyarrow_rejects": rejects.num_rows,
    "pyarrow_received_at": str(table.schema.field("received_at").type),
    "duckdb_rows": duck[0],
    "duckdb_callers": duck[1],
    "duckdb_ordered": bool(duck[2]),
}))
