"""Prints 'mean ms ± stddev' from a hyperfine --export-json file given on stdin."""
import json
import sys

r = json.load(sys.stdin)["results"][0]
print("%.1f ms ± %.1f" % (r["mean"] * 1000, r["stddev"] * 1000))
