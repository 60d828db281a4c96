"""A raw stage (no helper) that only speaks protocol 99."""
import json
import sys

for line in sys.stdin:
    body = json.loads(line)["body"]
    if body["type"] == "init":
        print(json.dumps({"src": body["node_id"], "dest": "ldfi",
                          "body": {"type": "error", "code": 2,
                                   "text": "this stage speaks protocol 99"}}), flush=True)
        sys.exit(2)
