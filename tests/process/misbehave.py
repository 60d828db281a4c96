"""A process stage that misbehaves on purpose, for the protocol tests.

    python3 misbehave.py MODE [NODE [ROUND]]

Forwards every record downstream; on node NODE (default b) in round ROUND
(default 2) it does MODE instead:
  ok          nothing (a conforming stage)
  exit        exits with status 3
  segv        dies by SIGSEGV
  hang        sleeps for an hour
  garbage     writes a line that is not JSON
  notobject   writes a JSON line that is not an envelope
  badtype     writes a line of an unknown type
  noend       writes its actions and then a second round_ok for another round
  print       print()s a message to stdout (the classic mistake)
  exception   raises ZeroDivisionError in on_message
  random      sends a record named after random.random() (nondeterministic)
  leak        counts executions in a module global and sends the count
  badrecord   sends a record whose name has a space
  badhop      sends to a stage that is not its hop
  badref      names a message it never received in derives_from
  grandchild  starts a grandchild that keeps stdout open and sleeps, then exits

and, with a restart of its node, in answer to `recover` (any node, any round):
  recover-raise     raises ZeroDivisionError in on_recover
  recover-wrongok   writes a round_ok line, as if it answered a round
  recover-badround  writes recover_ok for another round
  recover-hang      sleeps for an hour
"""
import os
import random
import signal
import subprocess
import sys
import time

import ldfi_stage

MODE = sys.argv[1]
NODE = sys.argv[2] if len(sys.argv) > 2 else "b"
ROUND = int(sys.argv[3]) if len(sys.argv) > 3 else 2
EXECUTIONS = 0


class Misbehave(ldfi_stage.Stage):
    def __init__(self):
        global EXECUTIONS
        EXECUTIONS += 1

    def on_message(self, msg):
        if self.node != NODE or self.round != ROUND or MODE == "ok" or MODE.startswith("recover-"):
            self.send(msg.record)
            return
        out = sys.stdout
        if MODE == "exit":
            os._exit(3)
        elif MODE == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif MODE == "hang":
            time.sleep(3600)
        elif MODE == "garbage":
            out.write("Traceback (most recent call last): \x01 not json\n")
            out.flush()
        elif MODE == "notobject":
            out.write("[1, 2, 3]\n")
            out.flush()
        elif MODE == "badtype":
            out.write('{"src":"%s","dest":"ldfi","body":{"type":"frobnicate"}}\n' % self.address)
            out.flush()
        elif MODE == "noend":
            out.write('{"src":"%s","dest":"ldfi","body":{"type":"round_ok","round":%d,"actions":0}}\n'
                      % (self.address, self.round + 5))
            out.flush()
        elif MODE == "print":
            print("got", msg.record)
        elif MODE == "exception":
            self.send(msg.record)
            1 / 0
        elif MODE == "random":
            self.send("r%d" % int(random.random() * 1e9))
        elif MODE == "leak":
            self.send("%s.x%d" % (msg.record, EXECUTIONS))
        elif MODE == "badrecord":
            self._out.append(ldfi_stage._line(self.address, self.to, {"type": "send", "record": "two words"}))
        elif MODE == "badhop":
            self._out.append(ldfi_stage._line(self.address, "nosuch", {"type": "send", "record": msg.record}))
        elif MODE == "badref":
            self.send(msg.record, derives_from=[msg.id + 1000])
        elif MODE == "grandchild":
            subprocess.Popen(["sleep", "3600"])   # inherits our stdout
            os._exit(4)


    def on_recover(self, round, down_from):
        out = sys.stdout
        if MODE == "recover-raise":
            1 / 0
        elif MODE == "recover-wrongok":
            out.write('{"src":"%s","dest":"ldfi","body":{"type":"round_ok","round":%d,"actions":0}}\n'
                      % (self.address, round))
            out.flush()
        elif MODE == "recover-badround":
            out.write('{"src":"%s","dest":"ldfi","body":{"type":"recover_ok","round":%d,"actions":0}}\n'
                      % (self.address, round + 5))
            out.flush()
        elif MODE == "recover-hang":
            time.sleep(3600)


if __name__ == "__main__":
    ldfi_stage.run(Misbehave)
