'use strict';
/*
 * ldfi_stage.js - write an ldfi process stage or check in JavaScript
 * (Node, no dependencies; protocols 1 and 2, docs/process-stages.md).
 *
 *   const ldfi = require('./ldfi_stage');
 *   class Enrich extends ldfi.Stage {
 *     onMessage(msg) { this.send(msg.record + '.eu'); }
 *   }
 *   if (require.main === module) ldfi.run(Enrich);
 *
 * The same rules as the Python helper (ldfi_stage.py): a stage is a function
 * of what it receives; a new instance per execution and after a restart
 * (onRecover(round, downFrom), with this.durable and this.saved back);
 * durable state in this.durable; provenance "conservative" by default,
 * "tracked" (static provenance = 'tracked') to declare the handled message
 * and the state entries read; derivesFrom: [...] on any action to name
 * sources yourself. stdout belongs to the protocol: use this.log().
 */

const PROTOCOLS = [1, 2]; // 2: recover (restarts), save, init's "durable"
const HELPER = 'ldfi_stage.js/2';
const E_BAD_REQUEST = 1;
const E_PROTOCOL = 2;
const E_STAGE = 10;

const DEFAULT = Symbol('default');

function validName(s) {
  return typeof s === 'string' && s.length > 0 && s.length <= 255 && /^[!-~]+$/.test(s);
}

// JSON with sorted keys, so that equal values give equal text.
function canon(v) {
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  }
  const s = JSON.stringify(v);
  if (s === undefined) throw new LdfiError('value is not JSON: ' + String(v));
  return s;
}

function line(src, dest, body) {
  return canon({ src, dest, body });
}

class LdfiError extends Error {}

class Message {
  constructor(id, record, src, round) {
    this.id = id;
    this.record = record;
    this.src = src;
    const at = src.indexOf('@');
    this.srcStage = at < 0 ? src : src.slice(0, at);
    this.srcNode = at < 0 ? '' : src.slice(at + 1);
    this.round = round;
  }
}

// A map of this replica's state whose reads and writes ldfi sees.
class State {
  constructor(owner, durable) {
    this._owner = owner;
    this._durable = durable;
    this._d = new Map();
  }

  _read(key) {
    const has = this._d.has(key);
    this._owner._noteRead(has ? 'state' : 'absent', key);
    return has;
  }

  has(key) { return this._read(key); }

  get(key, dflt) { return this._read(key) ? this._d.get(key) : dflt; }

  keys() {
    const ks = [...this._d.keys()].sort();
    for (const k of ks) this._owner._noteRead('state', k);
    this._owner._noteRead('absent', '*');
    return ks;
  }

  set(key, value) {
    if (!this._owner._ready) {
      throw new LdfiError('state writes belong in handlers, not in the constructor');
    }
    if (!validName(key)) throw new LdfiError('state key ' + JSON.stringify(key) + ': 1..255 printable ASCII, no space');
    const text = canon(value);
    this._d.set(key, JSON.parse(text));
    this._owner._write(key, text, this._durable);
    return this;
  }

  _load(obj) { this._d = new Map(Object.entries(obj || {})); }
}

class Stage {
  // The helper sets the context before your constructor runs (after super()).
  constructor() {
    Object.assign(this, Stage._ctx || {});
    this.state = new State(this, false);
    this.durable = new State(this, true);
  }

  // Override: onMessage(msg), onRound(round), onRecover(round, downFrom).
  onMessage(msg) {}

  onRound(round) {}

  // The node is up again in `round` after a restart that took it down in
  // `downFrom`: a new instance, with this.durable and this.saved back.
  onRecover(round, downFrom) {}

  // this.durable.set(key, value) when durable, else this.state.set.
  put(key, value, durable = false) {
    (durable ? this.durable : this.state).set(key, value);
    return this;
  }

  // Keep `value` across restarts as this.saved: a cache, never facts
  // derived from messages (ldfi cannot see them there).
  save(value) {
    if (!this._ready) throw new LdfiError('save belongs in handlers, not in the constructor');
    const text = canon(value);
    this.saved = JSON.parse(text);
    this._out.push(line(this.address, 'ldfi', { type: 'save', value: JSON.parse(text) }));
  }

  send(record, opts = {}) {
    let to = opts.to;
    if (to === undefined || to === null) {
      if (!this.to) throw new LdfiError(`send: stage '${this.stage}' has no \`to\` in the conf; name a replica`);
      to = this.to;
    }
    if (!to.includes('@') && !(to in this.hops)) {
      throw new LdfiError(`send: '${to}' is not a hop of stage '${this.stage}'`);
    }
    this._act(to, 'send', record, opts.derivesFrom === undefined ? DEFAULT : opts.derivesFrom);
  }

  reply(msg, record, opts = {}) {
    this._act(msg.src, 'send', record, opts.derivesFrom === undefined ? DEFAULT : opts.derivesFrom);
  }

  output(record, opts = {}) {
    this._act('ldfi', 'output', record, opts.derivesFrom === undefined ? DEFAULT : opts.derivesFrom);
  }

  forgetReads() { this._reads = new Map(); }

  log(...args) { process.stderr.write(`[${this.address} r${this.round}] ${args.join(' ')}\n`); }

  _noteRead(kind, key) {
    if (this._tracked) this._reads.set(kind + '\0' + key, { [kind]: key });
  }

  _cause(d) {
    if (d === DEFAULT) {
      if (!this._tracked) return null;
      const out = this._msg === null ? [] : [this._msg];
      for (const v of this._reads.values()) out.push(v);
      return out;
    }
    if (d === 'held') return 'held';
    return d.map((x) => {
      if (x instanceof Message) return x.id;
      if (Number.isInteger(x)) return x;
      if (Array.isArray(x) && x.length === 2 && (x[0] === 'state' || x[0] === 'absent')) return { [x[0]]: x[1] };
      throw new LdfiError('derivesFrom: ' + JSON.stringify(x) + " is neither a message, an id, ['state', key] nor ['absent', key]");
    });
  }

  _act(dest, type, record, d) {
    if (!validName(record)) throw new LdfiError(`${type}: record ${JSON.stringify(record)}: 1..255 printable ASCII, no space`);
    const body = { type, record };
    const c = this._cause(d);
    if (c !== null) body.derives_from = c;
    else if (this._handled !== null) body.handled = this._handled;
    this._out.push(line(this.address, dest, body));
  }

  _write(key, text, durable) {
    if (!durable && !this._tracked && !this.confDurable) return;
    const c = this._cause(DEFAULT);
    const body = { type: 'write', key, durable, value: JSON.parse(text) };
    if (c !== null) body.derives_from = c;
    else if (this._handled !== null) body.handled = this._handled;
    this._out.push(line(this.address, 'ldfi', body));
  }
}
Stage.provenance = 'conservative';

class Check {
  constructor() { Object.assign(this, Stage._ctx || {}); }

  check(run, faultFree) {}

  offend(record, at, problem = 'missing', count = 0, expected = 1) {
    if (!['missing', 'duplicated', 'out-of-order', 'unexpected-count'].includes(problem)) {
      throw new LdfiError('offend: unknown problem ' + problem);
    }
    this._out.push(line(this.address, 'ldfi', { type: 'offence', record, at, problem, count, expected }));
  }
}
Check.wants = [];

class Run {
  constructor(d) {
    this.records = d.records || [];
    this.replicas = d.replicas || {};
    this.messages = d.messages;
  }

  emitted(source) {
    return this.records.filter((r) => r.emitted && (source === undefined || r.source === source)).map((r) => r.name);
  }

  held(relation, liveOnly = true) {
    const out = {};
    for (const addr of Object.keys(this.replicas).sort()) {
      const rep = this.replicas[addr];
      if (addr.split('@')[0] === relation && (rep.alive || !liveOnly)) out[addr] = rep.held || [];
    }
    return out;
  }
}

function where(e) {
  const frame = (e && e.stack ? e.stack.split('\n').slice(1) : [])
    .find((l) => !l.includes('ldfi_stage.js')) || '';
  const m = frame.match(/\(?([^()\s]+):(\d+):\d+\)?$/);
  return `${e && e.name ? e.name : 'Error'}: ${e && e.message !== undefined ? e.message : String(e)}` +
    (m ? ` (${m[1].split('/').pop()}:${m[2]})` : '');
}

function serve(cls, role) {
  let conf = null;
  let address = '?';
  let inst = null;
  let pending = [];
  const fs = require('fs');

  function reply(lines) {
    fs.writeSync(1, lines.join('\n') + '\n');
  }
  function error(code, text) {
    reply([line(address, 'ldfi', { type: 'error', code, text })]);
  }
  function fatal(text) {
    error(E_BAD_REQUEST, text);
    process.stderr.write('ldfi_stage.js: ' + text + '\n');
    process.exit(2);
  }
  function newInstance() {
    // Context first, so that the constructor can use it: a prototype object
    // with the fields, then the class's constructor run on a fresh object.
    const ctx = {};
    if (role === 'check') {
      Object.assign(ctx, { address, checkName: conf.check, relation: conf.relation, dir: conf.dir, _out: [] });
    } else {
      Object.assign(ctx, {
        node: conf.node, stage: conf.stage, address,
        replicas: conf.replicas || [], peers: (conf.replicas || []).filter((r) => r !== address),
        hops: conf.hops || {}, to: conf.to || null, eot: conf.eot, dir: conf.dir, round: 0,
        saved: null, confDurable: conf.durable === true,
        _tracked: cls.provenance === 'tracked', _msg: null, _handled: null, _reads: new Map(),
        _out: [], _ready: false,
      });
    }
    Stage._ctx = ctx;
    let obj;
    try {
      obj = new cls();
    } finally {
      Stage._ctx = null;
    }
    if (role !== 'check') obj._ready = true;
    return obj;
  }
  function needInit() { if (conf === null) fatal('a request before init'); }

  const handlers = {
    init(env, body) {
      const theirs = body.protocols || [body.protocol];
      const common = PROTOCOLS.filter((v) => theirs.includes(v));
      address = body.node_id || env.dest || '?';
      if (!common.length) {
        error(E_PROTOCOL, `ldfi speaks protocol ${JSON.stringify(theirs)}; this helper (${HELPER}) speaks ${JSON.stringify(PROTOCOLS)}`);
        process.exit(2);
      }
      conf = body;
      const ok = { type: 'init_ok', protocol: Math.max(...common), helper: HELPER };
      if (role === 'stage') {
        ok.ticks = cls.prototype.onRound !== Stage.prototype.onRound ? 'every-round' : 'deliveries';
        ok.provenance = cls.provenance || 'conservative';
      } else {
        ok.wants = cls.wants || [];
      }
      reply([line(address, 'ldfi', ok)]);
    },
    reset(env, body) {
      needInit();
      pending = [];
      inst = null;
      inst = newInstance();
      reply([line(address, 'ldfi', { type: 'reset_ok', execution: body.execution })]);
    },
    record(env, body) {
      pending.push(new Message(body.msg_id, body.record, env.src, 0));
    },
    round(env, body) {
      needInit();
      if (inst === null) fatal('a round before reset (or after an error, without a reset)');
      const r = body.round;
      if (body.deliveries !== undefined && body.deliveries !== pending.length) {
        fatal(`round ${r} announces ${body.deliveries} deliveries, ${pending.length} arrived`);
      }
      const msgs = pending;
      pending = [];
      inst.round = r;
      inst._out = [];
      msgs.forEach((m, i) => {
        m.round = r;
        inst._msg = m.id;
        inst._handled = i + 1;
        inst._reads = new Map();
        inst.onMessage(m);
      });
      inst._msg = null;
      inst._handled = null;
      inst._reads = new Map();
      inst.onRound(r);
      const out = inst._out;
      inst._out = [];
      out.push(line(address, 'ldfi', { type: 'round_ok', round: r, actions: out.length }));
      reply(out);
    },
    recover(env, body) {
      needInit();
      inst = null;
      pending = [];
      const obj = newInstance(); // its volatile state gone, as a fresh process's
      obj.durable._load(body.durable);
      obj.state._load(body.state); // a durable = yes stage's
      obj.saved = body.saved === undefined ? null : body.saved;
      obj.round = body.round;
      obj._handled = 0;
      inst = obj;
      obj.onRecover(body.round, body.down_from === undefined ? body.round - 1 : body.down_from);
      const out = obj._out;
      obj._out = [];
      out.push(line(address, 'ldfi', { type: 'recover_ok', round: body.round, actions: out.length }));
      reply(out);
    },
    check(env, body) {
      needInit();
      const obj = newInstance();
      const run = new Run(body.run);
      obj.check(run, body.fault_free ? new Run(body.fault_free) : run);
      const out = obj._out;
      out.push(line(address, 'ldfi', {
        type: 'check_ok', execution: body.execution, passed: out.length === 0, offences: out.length,
      }));
      reply(out);
    },
    shutdown() { process.exit(0); },
  };

  // Lines are handled strictly one after another, synchronously.
  let buf = '';
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') n = 0;
      else throw e;
    }
    if (n === 0) process.exit(0); // ldfi closed our stdin
    buf += chunk.toString('latin1', 0, n);
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const raw = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let env;
      let t;
      try {
        env = JSON.parse(raw);
        t = env.body.type;
      } catch (e) {
        fatal('cannot parse a line from ldfi: ' + JSON.stringify(raw.slice(0, 200)));
      }
      const h = Object.prototype.hasOwnProperty.call(handlers, t) ? handlers[t] : null;
      if (h === null) fatal('unknown request type ' + JSON.stringify(t));
      try {
        h(env, env.body);
      } catch (e) {
        process.stderr.write((e && e.stack ? e.stack : String(e)) + '\n');
        inst = null;
        pending = [];
        error(E_STAGE, where(e));
      }
    }
  }
}

function run(cls) {
  if (!(cls.prototype instanceof Stage)) throw new TypeError('ldfi_stage.run needs a subclass of Stage');
  serve(cls, 'stage');
}

function runCheck(cls) {
  if (!(cls.prototype instanceof Check)) throw new TypeError('ldfi_stage.runCheck needs a subclass of Check');
  serve(cls, 'check');
}

module.exports = { Stage, Check, Run, Message, State, LdfiError, run, runCheck, PROTOCOLS };

// A tiny example: `node ldfi_stage.js` runs it as a stage (the Python Echo).
class Echo extends Stage {
  onMessage(msg) {
    const key = 'seen:' + msg.record;
    if (this.state.has(key)) return;
    this.state.set(key, true);
    this.output(msg.record);
    if (this.to) this.send(msg.record);
  }
}
Echo.provenance = 'tracked';

if (require.main === module) run(Echo);
