#!/usr/bin/python3
"""read_lat.py ROUNDS FILE...: opens, reads whole and closes every file,
ROUNDS times over, timing each one; prints "p50 p99 max" in ms. What a
cached `cat X.md` costs without the cost of starting cat."""
import sys
import time


def main():
    rounds, files = int(sys.argv[1]), sys.argv[2:]
    t = []
    for _ in range(rounds):
        for f in files:
            s = time.perf_counter_ns()
            with open(f, "rb") as fh:
                while fh.read(1 << 17):
                    pass
            t.append(time.perf_counter_ns() - s)
    t.sort()

    def q(p):
        return t[min(len(t) - 1, int(p * len(t)))] / 1e6

    print("%.3f %.3f %.3f" % (q(0.50), q(0.99), t[-1] / 1e6))


if __name__ == "__main__":
    main()
