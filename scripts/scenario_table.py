#!/usr/bin/python3
"""Prints what each scenario of a run does (OUT/scenarios/*/gains_by_hub.csv and
scenario.json) as Markdown: per scenario, the hubs it changes, people newly within the
budget of each (most first), the share of them outside the hub's own province and
prefecture, people losing, and the mean minutes saved by those reached in both (the
README's table).
Usage: scripts/scenario_table.py [OUT] [N]   (default: out, 5 hubs a scenario)"""
import csv
import glob
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "out"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
budget = json.load(open(f"{out}/run.json"))["parameters"]["budget_min"]
print(f"| scenario | hub | people newly within {budget:g} min | outside its province "
      "| outside its prefecture | people losing | mean minutes saved (reached in both) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for d in sorted(glob.glob(f"{out}/scenarios/*/")):
    name = os.path.basename(d.rstrip("/"))
    sj = json.load(open(f"{d}/scenario.json"))
    rows = [r for r in csv.DictReader(open(f"{d}/gains_by_hub.csv", encoding="utf-8"))
            if float(r["pop_newly_within"]) > 0 or float(r["pop_lost"]) > 0]
    rows.sort(key=lambda r: -float(r["pop_newly_within"]))
    if not rows:
        print(f"| `{name}` | none of the {sj['hubs']} hubs gains or loses | | | | | |")
        continue
    for k, r in enumerate(rows[:n]):
        new = float(r["pop_newly_within"])
        both = float(r["pop_reached_both"])
        saved = float(r["person_minutes_saved"]) / both if both > 0 else 0.0
        share = (lambda x: f"{100 * float(x) / new:.0f} %" if new > 0 else "—")
        label = f"`{name}` ({len(rows)} of {sj['hubs']} hubs)" if k == 0 else ""
        print(f"| {label} | {r['hub_name']} `{r['hub_id']}` | {new / 1e3:,.0f} k "
              f"| {share(r['pop_newly_other_provinces'])} "
              f"| {share(r['pop_newly_other_prefectures'])} "
              f"| {float(r['pop_lost']) / 1e3:,.0f} k | {saved:.1f} |")
