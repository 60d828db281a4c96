"""enrich: look up each order's region and pass the order on, tagged with it.

orders:1 -> orders:1.eu. Stateless: every copy it receives is enriched and
sent on (duplicates are the aggregate's business). The region table is
configuration, not state: it is the same in every execution.
"""
import ldfi_stage

REGION = {"1": "eu", "2": "us", "3": "eu"}


class Enrich(ldfi_stage.Stage):
    def on_message(self, msg):
        order = msg.record.split(":", 1)[1]           # "orders:1" -> "1"
        self.send("%s.%s" % (msg.record, REGION.get(order, "other")))


if __name__ == "__main__":
    ldfi_stage.run(Enrich)
