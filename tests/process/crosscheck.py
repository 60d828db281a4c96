#!/usr/bin/env python3
"""crosscheck.py LDFI SEEDS [FIRST] - strategy ldfi against strategy exhaustive on
random pipelines of Python process stages (docs/process-stages.md,
docs/testing.md).

Each seed draws a small pipeline: a source on node a, one or two process
stages, a sink, a built-in check, on three nodes with a fault space of at most
SPACE_MAX fault sets. Each stage is a random composition of rules over the
helper (ldfi_stage.py), keeping every fact it derives from messages in
self.state, so that declared ("tracked") provenance is true. The pipeline is
explored three times: strategy exhaustive, strategy ldfi with conservative
provenance (nothing declared) and strategy ldfi with tracked provenance. The
three verdicts must agree: 0 mismatches. Rules are monotone (a fault only
takes inputs away from a stage); stages that stop doing something because a
message arrived are the open question of docs/process-stages.md (Limits) and
are drawn only with --reactive, which is an experiment, not a test.

Exit 0 when every seed agrees, 1 on a mismatch (the conf is kept and named),
2 on a setup error.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

SPACE_MAX = 700
NODES = ["a", "b", "c"]


def space(eot, eff, crashes, n):
    omit = n * (n - 1) * max(eff - 1, 0)
    crash = 1 + (n * eot if crashes else 0)
    return (2 ** omit) * crash


RULES = {
    # name: (python lines of on_message, needs on_round)
    "relay": ["self.send(msg.record)"],
    "first": ["k = 'seen:' + msg.record",
              "if k not in self.state:",
              "    self.state[k] = 1",
              "    self.send(msg.record)"],
    "tag": ["self.send(msg.record + '.t')"],
    "count": ["n = self.state.get('n', 0) + 1",
              "self.state['n'] = n",
              "if n == {K}:",
              "    self.send('count{K}')"],
    "pair": ["self.state['got:' + msg.record] = 1",
             "if 'got:{A}' in self.state and 'got:{B}' in self.state and 'sent' not in self.state:",
             "    self.state['sent'] = 1",
             "    self.send('pair')"],
    "output": ["self.output(msg.record)",
               "self.send(msg.record)"],
}
REACTIVE = {
    "stop": ["if msg.record == '{A}':",
             "    self.state['stop'] = 1",
             "if 'stop' not in self.state:",
             "    self.send(msg.record)"],
}


def stage_source(rng, records, reactive, tracked):
    pool = dict(RULES)
    if reactive:
        pool.update(REACTIVE)
    names = rng.sample(sorted(pool), rng.choice([1, 1, 2]))
    body = []
    for name in names:
        k = rng.choice([2, 3])
        a, b = (rng.sample(records, 2) if len(records) > 1 else (records[0], records[0]))
        for line in pool[name]:
            body.append("        " + line.format(K=k, A=a, B=b))
    timer = rng.random() < 0.25
    src = ["import ldfi_stage", "", "", "class S(ldfi_stage.Stage):"]
    src.append('    provenance = "%s"' % ("tracked" if tracked else "conservative"))
    src.append("")
    src.append("    def on_message(self, msg):")
    src.extend(body)
    if timer:
        r = rng.choice([1, 2])
        src.append("")
        src.append("    def on_round(self, round):")
        src.append("        if round == %d:" % r)
        src.append("            self.send('tick', derives_from=[])")
    src += ["", "", "if __name__ == '__main__':", "    ldfi_stage.run(S)", ""]
    return "\n".join(src), names + (["timer"] if timer else [])


def draw(seed, reactive):
    rng = random.Random(seed)
    while True:
        eot = rng.choice([3, 4, 5])
        eff = rng.choice([2, 2, 3])
        crashes = rng.choice([0, 0, 1])
        if space(eot, eff, crashes, len(NODES)) <= SPACE_MAX:
            break
    nrec = rng.choice([1, 2])
    records = ["s:%d" % (i + 1) for i in range(nrec)]
    n_stages = rng.choice([1, 1, 2])
    conf = ["# crosscheck.py seed %d" % seed, "[explore]",
            "eot = %d" % eot, "eff = %d" % eff, "crashes = %d" % crashes, "run_timeout = 60", ""]
    conf += ["[source s]", "node = a", "records = %d" % nrec, "to = p1",
             "delivery = %s" % rng.choice(["once", "ack", "ack", "repeat"]),
             "retry_every = %d" % rng.choice([1, 2]), ""]
    stages = []
    for i in range(n_stages):
        name = "p%d" % (i + 1)
        to = "p%d" % (i + 2) if i + 1 < n_stages else "out"
        nodes = sorted(rng.sample(["b", "c"], rng.choice([1, 1, 2])))
        conf += ["[stage %s]" % name, "kind = process",
                 "command = %s %s.py" % (sys.executable, name),
                 "nodes = %s" % ", ".join(nodes), "to = %s" % to,
                 "delivery = %s" % rng.choice(["once", "ack", "ack", "repeat"]),
                 "retry_every = %d" % rng.choice([1, 2]), ""]
        stages.append(name)
    sink_nodes = sorted(rng.sample(NODES, rng.choice([1, 2])))
    conf += ["[sink out]", "nodes = %s" % ", ".join(sink_nodes),
             "dedup = %s" % rng.choice(["yes", "no"]), ""]
    kind = rng.choice(["delivered", "no-duplicates", "exactly-once", "matches-fault-free",
                       "matches-fault-free", "agreement"])
    conf += ["[check c]", "kind = %s" % kind, "sink = out", ""]
    # The same rules (same rng state) for both provenance modes.
    progs = {}
    state = rng.getstate()
    for tracked in (False, True):
        rng.setstate(state)
        progs[tracked] = {}
        for name in stages:
            progs[tracked][name] = stage_source(rng, records + ["s:1.t"], reactive, tracked)
    return "\n".join(conf), progs


def explore(ldfi, d, strategy, mode):
    p = subprocess.run([ldfi, "explore", "pipeline.conf", "--strategy", strategy, "--out",
                        "out-" + mode, "--quiet"], cwd=d, capture_output=True, text=True,
                       timeout=900)
    return p.returncode, (p.stdout.strip().splitlines() or [""])[0], p.stderr.strip()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reactive = "--reactive" in sys.argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ldfi = os.path.realpath(args[0])
    n = int(args[1])
    first = int(args[2]) if len(args) > 2 else 1
    here = os.path.dirname(os.path.realpath(__file__))
    mismatches = 0
    for seed in range(first, first + n):
        conf, progs = draw(seed, reactive)
        verdicts = {}
        d = tempfile.mkdtemp(prefix="ldfi-pycross.")
        try:
            for mode, tracked in (("exhaustive", False), ("conservative", False),
                                  ("tracked", True)):
                with open(os.path.join(d, "pipeline.conf"), "w") as f:
                    f.write(conf)
                for name, (text, _) in progs[tracked].items():
                    with open(os.path.join(d, name + ".py"), "w") as f:
                        f.write(text)
                st, line, err = explore(ldfi, d, "exhaustive" if mode == "exhaustive" else "ldfi",
                                        mode)
                if st not in (0, 1):
                    print("seed %d %s: exit %d: %s" % (seed, mode, st, err[:400]), file=sys.stderr)
                    return 2
                verdicts[mode] = "certified" if st == 0 else "counterexample"
            rules = "; ".join("%s: %s" % (k, "+".join(v[1])) for k, v in progs[False].items())
            same = len(set(verdicts.values())) == 1
            print("seed %d: %s %s [%s]" % (seed, verdicts["exhaustive"],
                                          "ok" if same else "MISMATCH %s" % verdicts, rules))
            if not same:
                mismatches += 1
                keep = os.path.join(tempfile.gettempdir(), "ldfi-pycross-seed%d" % seed)
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(d, keep)
                print("  kept in %s" % keep)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print("%d seeds, %d mismatches" % (n, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
