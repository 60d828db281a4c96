"""A raw stage (no helper) that speaks protocol 1 only, as helpers written
before restarts do: it forwards every record."""
import json
import sys


def out(body, dest="ldfi"):
    print(json.dumps({"src": me, "dest": dest, "body": body}), flush=True)


me, to, pending = None, None, []
for line in sys.stdin:
    env = json.loads(line)
    b = env["body"]
    t = b["type"]
    if t == "init":
        me, to = b["node_id"], b["to"]
        out({"type": "init_ok", "protocol": 1, "ticks": "deliveries"})
    elif t == "reset":
        pending = []
        out({"type": "reset_ok", "execution": b["execution"]})
    elif t == "record":
        pending.append(b)
    elif t == "round":
        for i, m in enumerate(pending):
            out({"type": "send", "record": m["record"], "handled": i + 1}, dest=to)
        out({"type": "round_ok", "round": b["round"], "actions": len(pending)})
        pending = []
