// aggregate_durable.py in JavaScript: the counts and dedup marks in
// this.durable, handed back after a restart of the node.
const ldfi = require('ldfi_stage');

class Aggregate extends ldfi.Stage {
  onMessage(msg) {
    const seen = 'seen:' + msg.record;
    if (this.durable.has(seen)) return;              // dedup: count once
    this.durable.set(seen, 1);
    const region = msg.record.slice(msg.record.lastIndexOf('.') + 1);
    const key = 'count:' + region;
    const n = this.durable.get(key, 0) + 1;
    this.durable.set(key, n);
    this.send(`total:${region}=${n}`);
  }

  onRecover(round, downFrom) {
    // Nothing to redo: the counts are back in this.durable.
    this.log(`recovered in round ${round} (down from ${downFrom})`);
  }
}

ldfi.run(Aggregate);
