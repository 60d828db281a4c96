"""aggregate, with declared (tracked) provenance.

The same logic as aggregate.py, but the facts it derives from messages live
in self.state, and `provenance = "tracked"` lets the helper tell ldfi what
each total derives from: the message handled, the absence of its `seen:`
mark, and the region's count (which derives from the earlier orders of that
region). ldfi then knows total:us=1 does not depend on the European orders
and prunes those hypotheses. Same verdicts as aggregate.py, fewer executions.
"""
import ldfi_stage


class Aggregate(ldfi_stage.Stage):
    provenance = "tracked"

    def on_message(self, msg):
        seen = "seen:" + msg.record
        if seen in self.state:                          # a read: present or absent
            return
        self.state[seen] = 1
        region = msg.record.rsplit(".", 1)[1]
        key = "count:" + region
        n = self.state.get(key, 0) + 1
        self.state[key] = n
        self.send("total:%s=%d" % (region, n))


if __name__ == "__main__":
    ldfi_stage.run(Aggregate)
