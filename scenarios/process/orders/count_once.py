"""A process check: at every live replica of the sink, the last total of
each region equals the number of orders of that region the source emitted
(each order counted exactly once)."""
import ldfi_stage

REGION = {"1": "eu", "2": "us", "3": "eu"}


class CountOnce(ldfi_stage.Check):
    def check(self, run, fault_free):
        want = {}
        for name in run.emitted("orders"):
            r = REGION.get(name.split(":", 1)[1], "other")
            want[r] = want.get(r, 0) + 1
        for at, held in run.held("totals").items():
            last = {}
            for rec in held:                            # total:eu=2
                region, n = rec.split(":", 1)[1].split("=")
                last[region] = max(last.get(region, 0), int(n))
            for region in sorted(set(want) | set(last)):
                if last.get(region, 0) != want.get(region, 0):
                    self.offend("total:%s=%d" % (region, want.get(region, 0)), at,
                                "unexpected-count" if region in last else "missing",
                                last.get(region, 0), want.get(region, 0))


if __name__ == "__main__":
    ldfi_stage.run_check(CountOnce)
