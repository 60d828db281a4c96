"""aggregate, for restarts: the correct aggregate with its facts durable.

The same logic as aggregate.py (count each order once, send each new total),
but what it has counted lives in self.durable, which ldfi logs before it
takes effect and hands back after a restart of the node: the `seen:` marks
and the running counts. A plain attribute (aggregate.py) is gone after a
restart: the recovered replica starts counting from zero.
"""
import ldfi_stage


class Aggregate(ldfi_stage.Stage):
    def on_message(self, msg):
        seen = "seen:" + msg.record
        if seen in self.durable:                        # dedup: count once
            return
        self.durable[seen] = 1
        region = msg.record.rsplit(".", 1)[1]           # "orders:1.eu" -> "eu"
        key = "count:" + region
        n = self.durable.get(key, 0) + 1
        self.durable[key] = n
        self.send("total:%s=%d" % (region, n))

    def on_recover(self, round, down_from):
        # Nothing to redo: the counts are back in self.durable. (A stage
        # with pending work of its own would resume it here.)
        self.log("recovered in round %d (down from %d) with %d entries"
                 % (round, down_from, len(self.durable)))


if __name__ == "__main__":
    ldfi_stage.run(Aggregate)
