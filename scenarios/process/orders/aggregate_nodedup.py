"""aggregate, broken: counts every copy it receives.

Fine as long as every record arrives exactly once. Under `delivery = ack` a
lost ack makes enrich send the record again, and this version counts it
twice: total:eu=3 for two European orders.
"""
import ldfi_stage


class Aggregate(ldfi_stage.Stage):
    def __init__(self):
        self.count = {}

    def on_message(self, msg):
        region = msg.record.rsplit(".", 1)[1]
        self.count[region] = self.count.get(region, 0) + 1
        self.send("total:%s=%d" % (region, self.count[region]))


if __name__ == "__main__":
    ldfi_stage.run(Aggregate)
