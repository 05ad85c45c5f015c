"""Runs one command and reports its wall time and peak RSS, from a small process.

    python3 launch.py RESULT_JSON TIMEOUT_S -- CMD ARGS...

Why a launcher: on Linux a child's ru_maxrss starts at the RSS of the process it was forked
from (the high-water mark survives exec), so measuring from the harness itself, which holds
numpy, pyarrow and datafusion, would floor every figure at the harness's own size. Forked from
this small interpreter, the floor is ~10 MB, below any engine's real peak.
"""

import json
import os
import signal
import sys
import time


def main() -> None:
    result, timeout = sys.argv[1], float(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    timed_out = False

    def on_alarm(*_):
        nonlocal timed_out
        timed_out = True
        os.kill(pid, signal.SIGKILL)  # the child this launcher started, nothing else

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.perf_counter() - t0
    signal.setitimer(signal.ITIMER_REAL, 0)
    with open(result, "w") as f:
        json.dump({"wall_s": wall, "maxrss_kb": usage.ru_maxrss,
                   "returncode": os.waitstatus_to_exitcode(status), "timed_out": timed_out}, f)


if __name__ == "__main__":
    main()
