// aggregate.py in JavaScript: a running count per region, each order once.
const ldfi = require('ldfi_stage');

class Aggregate extends ldfi.Stage {
  constructor() {
    super();
    this.seen = new Set();   // orders counted so far
    this.count = new Map();  // region -> orders counted
  }

  onMessage(msg) {
    if (this.seen.has(msg.record)) return;           // dedup: count once
    this.seen.add(msg.record);
    const region = msg.record.slice(msg.record.lastIndexOf('.') + 1);
    const n = (this.count.get(region) || 0) + 1;
    this.count.set(region, n);
    this.send(`total:${region}=${n}`);
  }
}

ldfi.run(Aggregate);
