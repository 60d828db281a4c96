"""First copy only, its marks in volatile state (regressions/forgotten-dedup.conf)."""
import ldfi_stage


class FirstCopy(ldfi_stage.Stage):
    def on_message(self, msg):
        k = "seen:" + msg.record
        if k not in self.state:
            self.state[k] = 1
            self.send(msg.record)


if __name__ == "__main__":
    ldfi_stage.run(FirstCopy)
