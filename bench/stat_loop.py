#!/usr/bin/python3
"""stat_loop.py PATH STOPFILE MAX_SECONDS: stats PATH every ~10 ms until
STOPFILE exists (or MAX_SECONDS pass, so a stuck run still ends) and
prints one line: the count, p50, p99 and max latency in ms, the stats
over 50 ms and their total (a stall of seconds is one sample however
long it lasts, so p99 alone hides it), and the errors. Timed with perf_counter around os.stat alone, so the loop's own
sleeps do not count."""
import math, os, sys, time

path, stop, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
lat, errors = [], {}
end = time.monotonic() + limit
while time.monotonic() < end and not os.path.exists(stop):
    t0 = time.perf_counter()
    try:
        os.stat(path)
    except OSError as e:
        errors[e.strerror] = errors.get(e.strerror, 0) + 1
    lat.append((time.perf_counter() - t0) * 1000.0)
    time.sleep(max(0.0, 0.010 - (time.perf_counter() - t0)))
lat.sort()


def pct(p):
    return lat[max(0, math.ceil(p / 100.0 * len(lat)) - 1)] if lat else float("nan")


slow = [l for l in lat if l > 50.0]
err = ",".join("%s:%d" % kv for kv in errors.items()) or "none"
print("n=%d p50=%.2f p99=%.2f max=%.2f over_50ms=%d (%.0f ms in all) errors=%s"
      % (len(lat), pct(50), pct(99), lat[-1] if lat else float("nan"), len(slow), sum(slow), err))
