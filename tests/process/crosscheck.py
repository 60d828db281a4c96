#!/usr/bin/env python3
"""crosscheck.py LDFI SEEDS [FIRST] [--restarts] - strategy ldfi against strategy
exhaustive on random pipelines of Python process stages
(docs/process-stages.md, docs/testing.md).

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

With --restarts, every pipeline also allows one restart fault (downtime 1 or
2): each rule keeps its facts in self.durable or in self.state (drawn per
stage), stages, sources and the sink are `durable = yes` or not, and a stage
may act in on_recover (resend what its durable `got:` marks name, or announce
the recovery with a record of its own).

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


def space(eot, eff, crashes, n, restarts=0, downtime=1):
    """Fault sets of the space (docs/explore.md, The fault space)."""
    omit = n * (n - 1) * max(eff - 1, 0)
    # Per node: no fault, a crash in 1..eot or a restart in 1..eot-downtime;
    # at most `crashes` crashes and `restarts` restarts.
    configs = {(0, 0): 1}
    for _ in range(n):
        nxt = {}
        for (c, r), k in configs.items():
            for dc, dr, ways in ((0, 0, 1), (1, 0, eot), (0, 1, max(eot - downtime, 0))):
                if c + dc <= crashes and r + dr <= restarts and ways:
                    key = (c + dc, r + dr)
                    nxt[key] = nxt.get(key, 0) + k * ways
        configs = nxt
    return (2 ** omit) * sum(configs.values())


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
# With --restarts: the same rules over {S}, self.durable or self.state.
STATEFUL = {
    "first": ["k = 'seen:' + msg.record",
              "if k not in {S}:",
              "    {S}[k] = 1",
              "    self.send(msg.record)"],
    "count": ["n = {S}.get('n', 0) + 1",
              "{S}['n'] = n",
              "if n == {K}:",
              "    self.send('count{K}')"],
    "pair": ["{S}['got:' + msg.record] = 1",
             "if 'got:{A}' in {S} and 'got:{B}' in {S} and 'sent' not in {S}:",
             "    {S}['sent'] = 1",
             "    self.send('pair')"],
    "mark": ["{S}['got:' + msg.record] = 1",
             "self.send(msg.record)"],
    "hold": ["{S}['got:' + msg.record] = 1"],
}
# on_round bodies of rules (restarts): "hold" releases what it holds in a
# later round, through its memory (a restart in between empties it unless
# it is durable).
ROUND = {
    "hold": ["if round == {R}:",
             "    for k in {S}.keys():",
             "        if k.startswith('got:'):",
             "            self.send(k[4:])"],
}
# on_recover bodies (restarts): resend what the durable marks name; announce.
RECOVER = {
    "replay": ["for k in self.durable.keys():",
               "    if k.startswith('got:'):",
               "        self.send(k[4:])"],
    "announce": ["self.send('up')"],
}
REACTIVE = {
    "stop": ["if msg.record == '{A}':",
             "    self.state['stop'] = 1",
             "if 'stop' not in self.state:",
             "    self.send(msg.record)"],
}


def stage_source(rng, records, reactive, tracked, restarts=False):
    pool = dict(RULES)
    if reactive:
        pool.update(REACTIVE)
    if restarts:
        pool.update(STATEFUL)
    names = sorted(pool)
    if restarts:  # the rules with memory twice as often
        names += sorted(STATEFUL)
    names = rng.sample(names, rng.choice([1, 1, 2]))
    if len(names) == 2 and names[0] == names[1]:
        names = names[:1]
    store = rng.choice(["self.durable", "self.state"]) if restarts else "self.state"
    body = []
    for name in names:
        k = rng.choice([2, 3])
        a, b = (rng.sample(records, 2) if len(records) > 1 else (records[0], records[0]))
        for line in pool[name]:
            body.append("        " + line.format(K=k, A=a, B=b, S=store))
    recover = rng.choice([None, "replay", "announce"]) if restarts else None
    release = rng.choice([2, 3, 4]) if restarts else 0
    rounds = [line.format(S=store, R=release) for name in names for line in ROUND.get(name, [])]
    timer = rng.random() < 0.25
    src = ["import ldfi_stage", "", "", "class S(ldfi_stage.Stage):"]
    src.append('    provenance = "%s"' % ("tracked" if tracked else "conservative"))
    src.append("")
    src.append("    def on_message(self, msg):")
    src.extend(body)
    if timer or rounds:
        src.append("")
        src.append("    def on_round(self, round):")
    if timer:
        r = rng.choice([1, 2])
        src.append("        if round == %d:" % r)
        src.append("            self.send('tick', derives_from=[])")
    src.extend("        " + line for line in rounds)
    if recover:
        src.append("")
        src.append("    def on_recover(self, round, down_from):")
        src.extend("        " + line for line in RECOVER[recover])
    src += ["", "", "if __name__ == '__main__':", "    ldfi_stage.run(S)", ""]
    tags = names + (["timer"] if timer else []) + (["recover-" + recover] if recover else [])
    if restarts:
        tags.append(store.split(".")[1])
    return "\n".join(src), tags


def durable(rng, restarts):
    return ["durable = %s" % rng.choice(["yes", "no"])] if restarts else []


def draw(seed, reactive, restarts=False):
    rng = random.Random(seed)
    downtime = 1
    while True:
        if restarts:
            downtime = rng.choice([1, 2])
            eot = rng.choice([3, 4, 5]) + downtime
            eff = rng.choice([0, 2, 2])
            crashes = rng.choice([0, 0, 1])
        else:
            eot = rng.choice([3, 4, 5])
            eff = rng.choice([2, 2, 3])
            crashes = rng.choice([0, 0, 1])
        if space(eot, eff, crashes, len(NODES), int(restarts), downtime) <= SPACE_MAX:
            break
    nrec = rng.choice([1, 2])
    records = ["s:%d" % (i + 1) for i in range(nrec)]
    n_stages = rng.choice([1, 1, 2])
    conf = ["# crosscheck.py seed %d%s" % (seed, " --restarts" if restarts else ""),
            "[explore]", "eot = %d" % eot, "eff = %d" % eff, "crashes = %d" % crashes]
    if restarts:
        conf += ["restarts = 1", "downtime = %d" % downtime]
    conf += ["run_timeout = 60", ""]
    # With restarts, repeat senders more often: copies that arrive after a
    # recovery are what a stage that forgot its dedup marks turns into
    # duplicates (regressions/restart-forgotten-dedup.conf).
    deliveries = ["once", "ack", "repeat", "repeat"] if restarts else ["once", "ack", "ack", "repeat"]
    conf += ["[source s]", "node = a", "records = %d" % nrec, "to = p1",
             "delivery = %s" % rng.choice(deliveries),
             "retry_every = %d" % rng.choice([1, 2])] + durable(rng, restarts) + [""]
    stages = []
    for i in range(n_stages):
        name = "p%d" % (i + 1)
        to = "p%d" % (i + 2) if i + 1 < n_stages else "out"
        nodes = sorted(rng.sample(["b", "c"], rng.choice([1, 1, 2])))
        conf += ["[stage %s]" % name, "kind = process",
                 "command = %s %s.py" % (sys.executable, name),
                 "nodes = %s" % ", ".join(nodes), "to = %s" % to,
                 "delivery = %s" % rng.choice(deliveries),
                 "retry_every = %d" % rng.choice([1, 2])] + durable(rng, restarts) + [""]
        stages.append(name)
    sink_nodes = sorted(rng.sample(NODES, rng.choice([1, 2])))
    conf += ["[sink out]", "nodes = %s" % ", ".join(sink_nodes),
             "dedup = %s" % rng.choice(["yes", "no", "no"] if restarts else ["yes", "no"])]
    conf += durable(rng, restarts) + [""]
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
            progs[tracked][name] = stage_source(rng, records + ["s:1.t"], reactive, tracked,
                                                restarts)
    return "\n".join(conf), progs


def explore(ldfi, d, strategy, mode):
    p = subprocess.run([ldfi, "explore", "pipeline.conf", "--strategy", strategy, "--out",
                        "out-" + mode, "--quiet"], cwd=d, capture_output=True, text=True,
                       timeout=900)
    return p.returncode, (p.stdout.strip().splitlines() or [""])[0], p.stderr.strip()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reactive = "--reactive" in sys.argv
    restarts = "--restarts" in sys.argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    ldfi = os.path.realpath(args[0])
    n = int(args[1])
    first = int(args[2]) if len(args) > 2 else 1
    here = os.path.dirname(os.path.realpath(__file__))
    mismatches = 0
    for seed in range(first, first + n):
        conf, progs = draw(seed, reactive, restarts)
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
                keep = os.path.join(tempfile.gettempdir(), "ldfi-pycross-%sseed%d"
                                    % ("restarts-" if restarts else "", seed))
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(d, keep)
                print("  kept in %s" % keep)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print("%d seeds, %d mismatches" % (n, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
