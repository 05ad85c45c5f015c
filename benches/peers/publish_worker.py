"""One measurement of the DuckDB publish script, in a fresh Python process (as `engage publish`
is a fresh process).

    python3 benches/peers/publish_worker.py RAW_DIR OUT_FILE

Runs publish_duckdb.sql with `raw_dir` and `out_file` set, and prints one JSON line:
{"inner_s": ..}, the time from after the import of duckdb to the file written.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "publish_duckdb.sql"


def main() -> None:
    raw, out = sys.argv[1:3]
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET VARIABLE raw_dir = ?", [raw])
    con.execute("SET VARIABLE out_file = ?", [out])
    con.execute(SCRIPT.read_text())
    print(json.dumps({"inner_s": time.perf_counter() - t}))


if __name__ == "__main__":
    main()
