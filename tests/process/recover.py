"""A conforming stage under restarts, for the protocol tests.

Forwards every record. Each delivery is written to self.durable (d:RECORD,
the count so far) and to self.state (v:RECORD), counted in a plain attribute
and saved (self.save). On a recovery it sends one record saying what came
back: back:rROUND:fromDOWN:d=KEYS:v=N:plain=N:saved=N, so that the test can
read that the durable entries and the saved value were handed back and the
volatile ones (self.state, unless the stage is durable = yes, and the plain
attribute) were not. Conservative provenance, or tracked with an argument
`tracked`: either way the recovery's send derives from the messages the
durable entries were written from.
"""
import sys

import ldfi_stage


class Recover(ldfi_stage.Stage):
    # `python3 recover.py tracked`: declared provenance, the same parents.
    provenance = "tracked" if sys.argv[1:] == ["tracked"] else "conservative"

    def __init__(self):
        self.plain = 0

    def on_message(self, msg):
        self.plain += 1
        self.durable["d:" + msg.record] = self.plain
        self.state["v:" + msg.record] = 1
        self.save({"plain": self.plain})
        self.send(msg.record)

    def on_recover(self, round, down_from):
        keys = [k for k in self.durable.keys()]
        self.send("back:r%d:from%d:d=%s:v=%d:plain=%d:saved=%s" % (
            round, down_from, "+".join(keys), len(self.state.keys()), self.plain,
            self.saved["plain"] if self.saved else "none"))


if __name__ == "__main__":
    ldfi_stage.run(Recover)
