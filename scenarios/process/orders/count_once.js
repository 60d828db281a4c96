// count_once.py in JavaScript: each region's last total equals its number of orders.
const ldfi = require('ldfi_stage');

const REGION = { 1: 'eu', 2: 'us', 3: 'eu' };

class CountOnce extends ldfi.Check {
  check(run, faultFree) {
    const want = {};
    for (const name of run.emitted('orders')) {
      const r = REGION[name.split(':')[1]] || 'other';
      want[r] = (want[r] || 0) + 1;
    }
    for (const [at, held] of Object.entries(run.held('totals'))) {
      const last = {};
      for (const rec of held) {
        const [region, n] = rec.split(':')[1].split('=');
        last[region] = Math.max(last[region] || 0, Number(n));
      }
      for (const region of [...new Set([...Object.keys(want), ...Object.keys(last)])].sort()) {
        if ((last[region] || 0) !== (want[region] || 0)) {
          this.offend(`total:${region}=${want[region] || 0}`, at,
            region in last ? 'unexpected-count' : 'missing', last[region] || 0, want[region] || 0);
        }
      }
    }
  }
}

ldfi.runCheck(CountOnce);
