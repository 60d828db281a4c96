#!/usr/bin/env python3
"""diff-process-random.py LDFI SEEDS [FIRST] - the live engine against the
simulation on random pipelines of Python process stages under restarts: the
generator of tests/process/crosscheck.py --restarts (one restart of 1 or 2
rounds, durable and volatile state, on_recover rules), each pipeline explored
with each engine (strategy ldfi, --all, at most MAX_RUNS executions; the
conservative-provenance stages), and both explorations must print the same
and record the same rows (tests/live/lib.sh dump, with the hypotheses and the
explorer's state). Prints one line a seed and a summary; exit 0 when every
seed is the same, 1 otherwise (the pipeline is kept and named), 2 on a setup
error. Run from the source root.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "process"))
import crosscheck  # noqa: E402  (the generator)

MAX_RUNS = 40
DUMP = ". '%s/lib.sh'; dump \"$1\" \"SELECT * FROM hypotheses ORDER BY id; " \
       "SELECT * FROM explore WHERE key <> 'wall_s' ORDER BY key;\"" % HERE


def explore(ldfi, d, engine):
    p = subprocess.run([ldfi, "explore", "pipeline.conf", "--all", "--max-runs", str(MAX_RUNS),
                        "--engine", engine, "--out", "out-" + engine, "--quiet"], cwd=d,
                       capture_output=True, text=True, timeout=900)
    dump = subprocess.run(["sh", "-c", DUMP, "dump", os.path.join(d, "out-" + engine,
                                                                   "provenance.db")],
                          capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr, dump.stdout


def counts(d):
    q = ("SELECT count(*), total(faults LIKE '%restart(%'), total(failure IS NOT NULL) "
         "FROM runs")
    p = subprocess.run(["sqlite3", "-separator", " ", os.path.join(d, "out-sim",
                                                                  "provenance.db"), q],
                       capture_output=True, text=True)
    return [int(float(x)) for x in p.stdout.split()] if p.stdout else [0, 0, 0]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ldfi = os.path.realpath(sys.argv[1])
    n = int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    bad = runs = restarts = 0
    for seed in range(first, first + n):
        conf, progs = crosscheck.draw(seed, False, True)
        d = tempfile.mkdtemp(prefix="ldfi-live-pydiff.")
        try:
            with open(os.path.join(d, "pipeline.conf"), "w") as f:
                f.write(conf)
            for name, (text, _) in progs[False].items():
                with open(os.path.join(d, name + ".py"), "w") as f:
                    f.write(text)
            sim, live = explore(ldfi, d, "sim"), explore(ldfi, d, "live")
            if sim[0] not in (0, 1, 3):
                print("seed %d: sim exit %d: %s" % (seed, sim[0], sim[2][:400]), file=sys.stderr)
                return 2
            k = counts(d)
            runs, restarts = runs + k[0], restarts + k[1]
            same = sim[0] == live[0] and sim[1] == live[1] and sim[3] == live[3]
            print("seed %d: %s, %d fault sets (%d with a restart, %d failed runs): %s"
                  % (seed, (sim[1].splitlines() or ["?"])[0], k[0], k[1], k[2],
                     "same" if same else "DIFFERENT (live exit %d: %s)"
                     % (live[0], live[2][:300])))
            if not same:
                bad += 1
                keep = os.path.join(tempfile.gettempdir(), "ldfi-live-pydiff-seed%d" % seed)
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(d, keep)
                print("  kept in %s" % keep)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print("%d pipelines, %d fault sets (%d with a restart), %d differ" % (n, runs, restarts, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
