"""ldfi_stage - write an ldfi process stage or check in Python (protocols 1, 2).

Standard library only. A stage is a class; ldfi runs one long-lived process
per replica and talks to it over stdin/stdout in JSON lines
(docs/process-stages.md). This module speaks that protocol for you:

    import ldfi_stage

    class Enrich(ldfi_stage.Stage):
        def on_message(self, msg):          # each delivery, in canonical order
            self.send(msg.record + ".eu")   # to the `to` hop of the conf

    if __name__ == "__main__":
        ldfi_stage.run(Enrich)

Rules (docs/process-stages.md, "Rules"):

* A stage is a function of what it receives. No clock, no unseeded
  randomness, no files or sockets, no iteration over sets of strings whose
  order depends on the hash seed. ldfi runs the fault-free execution twice
  and stops (exit 2) at the first difference.
* A new instance of your class is made for every execution (reset) and
  after every restart of its node (recover): keep state on `self`, never in
  module globals.
* Durable state (what survives a restart) lives in `self.durable`
  (`self.durable[key] = value`, or `self.put(key, value, durable=True)`);
  plain attributes and `self.state` are volatile (with `durable = yes` on
  the stage in the conf, `self.state` survives too). After a restart the
  new instance has its durable entries back, and `self.saved`, before
  `on_recover(round, down_from)` is called.
* Provenance: by default (`provenance = "conservative"`) nothing is
  declared and ldfi assumes every send, output and durable write derives
  from everything this replica was given so far: always sound. With
  `provenance = "tracked"` the helper declares, like a C plugin, the
  message being handled plus the entries of `self.state`/`self.durable`
  read since the handler started; facts kept in plain attributes are then
  invisible to ldfi and may make a certificate wrong. Any send, output or
  write may also name its sources itself: `derives_from=[msg, ...]`.

Stdout belongs to the protocol: `print()` to stdout breaks it (use
`self.log()`, which writes to stderr; ldfi keeps stderr in a log).
"""

import json
import sys


PROTOCOL = 2
PROTOCOLS = (1, 2)  # 2: recover (restarts), save, init's "durable"
HELPER = "ldfi_stage.py/2"

# error codes (body.code of an "error" line)
E_BAD_REQUEST = 1  # ldfi sent something this helper does not understand
E_PROTOCOL = 2  # no protocol version in common
E_STAGE = 10  # the stage's code raised: this run fails, with the text

_DEFAULT = object()
_dumps = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=True).encode


def _valid_name(s):
    """Record names and state keys: 1..255 bytes of printable ASCII, no space."""
    return (
        isinstance(s, str)
        and 0 < len(s) <= 255
        and all("!" <= c <= "~" for c in s)
    )


class LdfiError(Exception):
    """Misuse of the helper by a stage (bad record name, unknown hop, ...)."""


class Message:
    """A delivery: `record` (its name), `id` (ldfi's message id in this
    execution, what provenance names), `src` ("stage@node" of the sender),
    `src_stage`, `src_node`, `round` (the delivery round)."""

    __slots__ = ("id", "record", "src", "src_stage", "src_node", "round")

    def __init__(self, id, record, src, round):
        self.id = id
        self.record = record
        self.src = src
        self.src_stage, _, self.src_node = src.partition("@")
        self.round = round

    def __repr__(self):
        return "Message(%d, %r from %s in round %d)" % (self.id, self.record, self.src, self.round)


class State:
    """A dict-like map of this replica's state whose reads and writes ldfi
    sees. Keys: names (1..255 printable ASCII, no space); values: anything
    JSON can carry. `self.state` is volatile, `self.durable` survives a
    restart (every write is logged by ldfi before it takes effect)."""

    def __init__(self, owner, durable):
        self._owner = owner
        self._durable = durable
        self._d = {}

    # -- reads (tracked: each becomes a source of what follows) --
    def _read(self, key):
        if key in self._d:
            self._owner._note_read(("state", key))
            return True
        self._owner._note_read(("absent", key))
        return False

    def __contains__(self, key):
        return self._read(key)

    def get(self, key, default=None):
        return self._d[key] if self._read(key) else default

    def __getitem__(self, key):
        if self._read(key):
            return self._d[key]
        raise KeyError(key)

    def keys(self):
        """Every key, sorted (a read of every entry, and of the absence of
        any other: what follows is conditional)."""
        ks = sorted(self._d)
        for k in ks:
            self._owner._note_read(("state", k))
        self._owner._note_read(("absent", "*"))
        return ks

    def items(self):
        return [(k, self._d[k]) for k in self.keys()]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    # -- writes --
    def __setitem__(self, key, value):
        if not self._owner._ready:
            raise LdfiError("state writes belong in handlers (on_message, on_round, on_recover), "
                            "not in __init__: a new instance is made for every execution")
        if not _valid_name(key):
            raise LdfiError("state key %r: 1..255 printable ASCII characters, no space" % (key,))
        text = _dumps(value)  # fails here, in the stage's code, if not JSON
        self._d[key] = json.loads(text)  # what a restarted replica would get back
        self._owner._write(key, text, self._durable)

    def setdefault(self, key, value):
        if self._read(key):
            return self._d[key]
        self[key] = value
        return self._d[key]

    def _load(self, d):
        self._d = dict(d)


class Stage:
    """Base class of a process stage. Override `on_message(msg)`,
    `on_round(round)` (only if the stage acts without deliveries: timers,
    emissions, retries of its own) and `on_recover(round, down_from)`.

    Set by the helper before __init__ runs: `node`, `stage`, `address`
    ("stage@node"), `replicas` (addresses of this stage's replicas),
    `peers` (the others), `to` (the downstream stage or sink, or None),
    `hops` ({stage: {"replicas": [...], "delivery": ..}}), `eot`, `dir`
    (the conf's folder), `round` (the current round; 0 before round 1),
    `state`, `durable`, `saved` (the last value given to `save`, or None),
    `conf_durable` (`durable = yes` on the stage in the conf)."""

    provenance = "conservative"  # or "tracked"

    def on_message(self, msg):
        pass

    def on_round(self, round):
        pass

    def on_recover(self, round, down_from):
        """The node is up again in `round` after a restart that took it down
        in `down_from` (rounds down_from..round-1 were lost). This is a new
        instance: __init__ ran, `self.durable` and `self.saved` are back (and
        `self.state` with `durable = yes`), nothing else is. Called before
        this round's deliveries; what it
        sends, outputs or writes exists only because of the restart."""
        pass

    # -- state --
    def put(self, key, value, durable=False):
        """`self.durable[key] = value` when durable, else `self.state[key] = value`."""
        (self.durable if durable else self.state)[key] = value

    def save(self, value):
        """Keep `value` (anything JSON can carry) across restarts, as
        `self.saved`: a cache for rebuilding what on_recover needs (an order
        of keys), never facts derived from messages, which ldfi cannot see
        there (keep those in self.durable). Replaces what was saved."""
        if not self._ready:
            raise LdfiError("save belongs in handlers (on_message, on_round, on_recover), "
                            "not in __init__")
        text = _dumps(value)
        self.saved = json.loads(text)
        self._out.append('{"body":{"type":"save","value":%s},"dest":"ldfi","src":%s}'
                         % (text, _dumps(self.address)))

    # -- actions --
    def send(self, record, to=None, derives_from=_DEFAULT):
        """Send `record` on the hop to stage `to` (default: the conf's `to`),
        to each of its replicas under the hop's delivery policy; or, with
        to="stage@node", once to that one replica."""
        if to is None:
            if self.to is None:
                raise LdfiError("send: stage '%s' has no `to` in the conf; name a replica" % self.stage)
            to = self.to
        if "@" not in to and to not in self.hops:
            raise LdfiError("send: '%s' is not a hop of stage '%s' (hops: %s)"
                            % (to, self.stage, ", ".join(sorted(self.hops)) or "none"))
        self._act(to, "send", record, derives_from)

    def reply(self, msg, record, derives_from=_DEFAULT):
        """Send `record` once to the replica that sent `msg`."""
        self._act(msg.src, "send", record, derives_from)

    def output(self, record, derives_from=_DEFAULT):
        """Add `record` to this replica's outputs (the relation named after
        the stage, which checks with `sink = STAGE` read)."""
        self._act("ldfi", "output", record, derives_from)

    def forget_reads(self):
        """Tracked provenance: drop what this handler read so far (the
        handled message stays), before handling an independent item."""
        self._reads = {}

    def log(self, *args):
        print("[%s r%d]" % (self.address, self.round), *args, file=sys.stderr, flush=True)

    # -- internals --
    def _note_read(self, item):
        if self._tracked:
            self._reads[item] = True

    def _cause(self, derives_from):
        if derives_from is _DEFAULT:
            if not self._tracked:
                return None  # conservative: everything received so far
            out = [] if self._msg is None else [self._msg]
            for kind, key in self._reads:
                out.append({kind: key})
            return out
        if derives_from == "held":
            return "held"
        out = []
        for x in derives_from:
            if isinstance(x, Message):
                out.append(x.id)
            elif isinstance(x, int) and not isinstance(x, bool):
                out.append(x)
            elif isinstance(x, tuple) and len(x) == 2 and x[0] in ("state", "absent"):
                out.append({x[0]: x[1]})
            else:
                raise LdfiError("derives_from: %r is neither a message, a message id, "
                                "('state', key) nor ('absent', key)" % (x,))
        return out

    def _act(self, dest, kind, record, derives_from):
        if not _valid_name(record):
            raise LdfiError("%s: record %r: 1..255 printable ASCII characters, no space" % (kind, record))
        body = {"type": kind, "record": record}
        c = self._cause(derives_from)
        if c is not None:
            body["derives_from"] = c
        elif self._handled is not None:
            body["handled"] = self._handled
        self._out.append(_line(self.address, dest, body))

    def _write(self, key, text, durable):
        # Volatile writes matter to ldfi only when provenance is declared,
        # or when the stage is durable (ldfi hands them back after a restart).
        if not (durable or self._tracked or self.conf_durable):
            return
        c = self._cause(_DEFAULT)
        line = ('{"body":{%s"durable":%s,"key":%s,"type":"write","value":%s},"dest":"ldfi","src":%s}'
                % ('"derives_from":%s,' % _dumps(c) if c is not None else
                   '"handled":%d,' % self._handled if self._handled is not None else "",
                   "true" if durable else "false", _dumps(key), text, _dumps(self.address)))
        self._out.append(line)


class Check:
    """Base class of a process check. Override `check(run, fault_free)`;
    name each offence with `self.offend(...)`. `run` and `fault_free` are
    Run objects (fault_free is run itself for the fault-free execution)."""

    def check(self, run, fault_free):
        pass

    def offend(self, record, at, problem="missing", count=0, expected=1):
        """`record` (a name), `at` ("relation@node"), `problem`: missing,
        duplicated, out-of-order or unexpected-count."""
        if problem not in ("missing", "duplicated", "out-of-order", "unexpected-count"):
            raise LdfiError("offend: unknown problem %r" % (problem,))
        self._out.append(_line(self.address, "ldfi", {
            "type": "offence", "record": record, "at": at, "problem": problem,
            "count": count, "expected": expected}))


class Run:
    """What a check sees of one execution: `records` ([{"name", "source",
    "emitted"}]), `replicas` ({"rel@node": {"alive": bool, "held": [names in
    order]}}) and, if the check asked for them, `messages`."""

    def __init__(self, d):
        self.records = d.get("records", [])
        self.replicas = d.get("replicas", {})
        self.messages = d.get("messages")

    def emitted(self, source=None):
        return [r["name"] for r in self.records
                if r.get("emitted") and (source is None or r.get("source") == source)]

    def held(self, relation, live_only=True):
        """{address: [records held, in order]} for the replicas of `relation`."""
        out = {}
        for addr, rep in sorted(self.replicas.items()):
            if addr.partition("@")[0] == relation and (rep.get("alive") or not live_only):
                out[addr] = rep.get("held", [])
        return out


def _line(src, dest, body):
    return _dumps({"src": src, "dest": dest, "body": body})


def _where(exc):
    """'ZeroDivisionError: division by zero (enrich.py:12 in on_message)'."""
    import traceback  # only when something went wrong: keeps start-up short

    tb = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in tb if not f.filename.endswith("ldfi_stage.py")] or tb
    s = "%s: %s" % (type(exc).__name__, exc)
    if mine:
        f = mine[-1]
        s += " (%s:%d in %s)" % (f.filename.rsplit("/", 1)[-1], f.lineno, f.name)
    return s


class _Loop:
    def __init__(self, cls, role):
        self.cls = cls
        self.role = role
        self.rd = sys.stdin.buffer
        self.wr = sys.stdout.buffer
        self.conf = None
        self.address = "?"
        self.inst = None
        self.pending = []

    def reply(self, lines):
        self.wr.write(("\n".join(lines) + "\n").encode("ascii"))
        self.wr.flush()

    def error(self, code, text):
        self.reply([_line(self.address, "ldfi", {"type": "error", "code": code, "text": text})])

    def fatal(self, text):
        self.error(E_BAD_REQUEST, text)
        sys.stderr.write("ldfi_stage: %s\n" % text)
        sys.exit(2)

    def new_instance(self):
        c = self.conf
        inst = self.cls.__new__(self.cls)
        if self.role == "check":
            inst.address = self.address
            inst.check_name = c.get("check")
            inst.relation = c.get("relation")
            inst.dir = c.get("dir")
            inst._out = []
        else:
            inst.node = c["node"]
            inst.stage = c["stage"]
            inst.address = self.address
            inst.replicas = list(c.get("replicas", []))
            inst.peers = [r for r in inst.replicas if r != self.address]
            inst.hops = dict(c.get("hops", {}))
            inst.to = c.get("to")
            inst.eot = c.get("eot")
            inst.dir = c.get("dir")
            inst.round = 0
            inst.saved = None
            inst.conf_durable = bool(c.get("durable"))
            inst._tracked = getattr(self.cls, "provenance", "conservative") == "tracked"
            inst._msg = None
            inst._handled = None
            inst._reads = {}
            inst._out = []
            inst.state = State(inst, False)
            inst.durable = State(inst, True)
            inst._ready = False
        inst.__init__()
        inst._ready = True
        return inst

    def main(self):
        while True:
            raw = self.rd.readline()
            if not raw:
                return 0  # ldfi closed our stdin: we are done
            try:
                env = json.loads(raw)
                body = env["body"]
                t = body["type"]
            except (ValueError, KeyError, TypeError):
                self.fatal("cannot parse a line from ldfi: %r" % raw[:200])
            h = getattr(self, "on_" + t, None) if isinstance(t, str) else None
            if h is None:
                self.fatal("unknown request type %r" % (t,))
            try:
                h(env, body)
            except SystemExit:
                raise
            except Exception as e:  # the stage's own code failed
                import traceback

                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                self.inst = None  # unusable until the next reset
                self.pending = []
                self.error(E_STAGE, _where(e))

    # -- requests --
    def on_init(self, env, body):
        theirs = body.get("protocols") or [body.get("protocol")]
        common = [v for v in PROTOCOLS if v in theirs]
        self.address = body.get("node_id", env.get("dest", "?"))
        if not common:
            self.error(E_PROTOCOL, "ldfi speaks protocol %s; this helper (%s) speaks %s"
                       % (theirs, HELPER, list(PROTOCOLS)))
            sys.exit(2)
        self.conf = body
        ok = {"type": "init_ok", "protocol": max(common), "helper": HELPER}
        if self.role == "stage":
            overridden = getattr(self.cls, "on_round") is not Stage.on_round
            ok["ticks"] = "every-round" if overridden else "deliveries"
            ok["provenance"] = getattr(self.cls, "provenance", "conservative")
        else:
            ok["wants"] = list(getattr(self.cls, "wants", []))
        self.reply([_line(self.address, "ldfi", ok)])

    def on_reset(self, env, body):
        self.need_init()
        self.pending = []
        self.inst = None
        self.inst = self.new_instance()
        self.reply([_line(self.address, "ldfi", {"type": "reset_ok", "execution": body.get("execution")})])

    def on_record(self, env, body):
        self.pending.append(Message(body["msg_id"], body["record"], env["src"], 0))

    def on_round(self, env, body):
        inst = self.need_instance()
        r = body["round"]
        if body.get("deliveries", len(self.pending)) != len(self.pending):
            self.fatal("round %d announces %s deliveries, %d arrived" % (r, body.get("deliveries"), len(self.pending)))
        pending, self.pending = self.pending, []
        inst.round = r
        inst._out = []
        for i, m in enumerate(pending):
            m.round = r
            inst._msg = m.id
            inst._handled = i + 1  # conservative: only what it was given so far
            inst._reads = {}
            inst.on_message(m)
        inst._msg = None
        inst._handled = None
        inst._reads = {}
        inst.on_round(r)
        out = inst._out
        inst._out = []
        out.append(_line(self.address, "ldfi", {"type": "round_ok", "round": r, "actions": len(out)}))
        self.reply(out)

    def on_recover(self, env, body):
        self.need_init()
        self.inst = None
        self.pending = []
        inst = self.new_instance()  # its volatile state gone, as a fresh process's
        inst.durable._load(body.get("durable", {}))
        inst.state._load(body.get("state", {}))  # a durable = yes stage's
        inst.saved = body.get("saved")
        r = body["round"]
        inst.round = r
        inst._msg = None
        inst._handled = 0
        inst._reads = {}
        inst._out = []
        self.inst = inst
        inst.on_recover(r, body.get("down_from", r - 1))
        out = inst._out
        inst._out = []
        out.append(_line(self.address, "ldfi", {"type": "recover_ok", "round": r, "actions": len(out)}))
        self.reply(out)

    def on_check(self, env, body):
        self.need_init()
        inst = self.new_instance()
        run = Run(body["run"])
        ff = Run(body["fault_free"]) if body.get("fault_free") is not None else run
        inst.check(run, ff)
        out = inst._out
        out.append(_line(self.address, "ldfi", {"type": "check_ok", "execution": body.get("execution"),
                                                 "passed": not out, "offences": len(out)}))
        self.reply(out)

    def on_shutdown(self, env, body):
        sys.exit(0)

    def need_init(self):
        if self.conf is None:
            self.fatal("a request before init")

    def need_instance(self):
        self.need_init()
        if self.inst is None:
            self.fatal("a round before reset (or after an error, without a reset)")
        return self.inst


def run(stage_class):
    """Serve ldfi as a process stage: `ldfi_stage.run(MyStage)`."""
    if not (isinstance(stage_class, type) and issubclass(stage_class, Stage)):
        raise TypeError("ldfi_stage.run needs a subclass of ldfi_stage.Stage")
    sys.exit(_Loop(stage_class, "stage").main())


def run_check(check_class):
    """Serve ldfi as a process check: `ldfi_stage.run_check(MyCheck)`."""
    if not (isinstance(check_class, type) and issubclass(check_class, Check)):
        raise TypeError("ldfi_stage.run_check needs a subclass of ldfi_stage.Check")
    sys.exit(_Loop(check_class, "check").main())


# --- a tiny example: python3 ldfi_stage.py runs it as a stage -------------

class Echo(Stage):
    """Forwards the first copy of each record downstream and keeps it as an
    output (the `echo` plugin of docs/plugins.md, as a process stage).
    Tracked provenance: the send derives from the message and the absence
    of the `seen:` mark; the mark lives in self.state so ldfi sees it."""

    provenance = "tracked"

    def on_message(self, msg):
        key = "seen:" + msg.record
        if key in self.state:
            return
        self.state[key] = True
        self.output(msg.record)
        if self.to:
            self.send(msg.record)


if __name__ == "__main__":
    run(Echo)
