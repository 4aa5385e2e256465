#!/usr/bin/python3
"""Prints the hubs of OUT/region/summary.json as a Markdown table (the README's table).
Usage: scripts/summary_table.py [OUT] [N]   (default: out, 15 rows)"""
import json
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "out"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
s = json.load(open(f"{out}/region/summary.json"))
print(f"| rank | hub | province | people within {s['budget_min']:g} min | outside its province "
      "| cross-border share | provinces reached |")
print("| ---: | --- | --- | ---: | ---: | ---: | ---: |")
for h in s["hubs"][:n]:
    print(f"| {h['rank']} | {h['name']} `{h['id']}` | {h['province_name']} "
          f"| {h['population_reached'] / 1e6:.2f} M | {h['population_outside_province'] / 1e6:.2f} M "
          f"| {100 * h['cross_border_share']:.1f} % | {h['provinces_reached']} |")
