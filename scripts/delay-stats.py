"""Prints a Markdown table row 'interval | mean | min | max' from seconds on stdin."""
import sys

d = [float(x) for x in sys.stdin.read().split()]
print("| %s s | %.0f ms | %.0f ms | %.0f ms |" % (sys.argv[1], sum(d) / len(d) * 1000, min(d) * 1000, max(d) * 1000))
