"""aggregate: a running count of orders per region, as a changelog.

Each order counts once: the first copy of an enriched record increments its
region's count and sends the new total downstream (total:eu=2). Copies that
arrive again - a retransmission after a lost ack, the same order through two
paths - are recognised by their record name and ignored.
"""
import ldfi_stage


class Aggregate(ldfi_stage.Stage):
    def __init__(self):
        self.seen = set()      # orders counted so far
        self.count = {}        # region -> orders counted

    def on_message(self, msg):
        if msg.record in self.seen:                     # dedup: count once
            return
        self.seen.add(msg.record)
        region = msg.record.rsplit(".", 1)[1]           # "orders:1.eu" -> "eu"
        self.count[region] = self.count.get(region, 0) + 1
        self.send("total:%s=%d" % (region, self.count[region]))


if __name__ == "__main__":
    ldfi_stage.run(Aggregate)
