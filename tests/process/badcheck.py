"""A process check that misbehaves on purpose, for the protocol tests.

    python3 badcheck.py MODE

  ok         every record held at out@c: offences for the missing ones
  garbage    writes a line that is not JSON
  exception  raises KeyError
  badat      names a replica that does not exist
"""
import sys

import ldfi_stage

MODE = sys.argv[1]


class Bad(ldfi_stage.Check):
    def check(self, run, fault_free):
        if MODE == "garbage":
            sys.stdout.write("not json\n")
            sys.stdout.flush()
        elif MODE == "exception":
            {}["nope"]
        elif MODE == "badat":
            self.offend("s:1", "out@nosuch")
        held = run.held("out").get("out@c", [])
        for name in run.emitted():
            if name not in held:
                self.offend(name, "out@c")


if __name__ == "__main__":
    ldfi_stage.run_check(Bad)
