#!/usr/bin/env python3
"""OUT/README.md (issue 17) against the files of an output folder: every file is described
in it and in the main README's output table (by name), every CSV header column and every
GeoJSON property key of every file appears in it as `name` with a description, and no text
file nor GeoTIFF metadata holds an absolute path of the checkout or of the tmp folder.
Usage: outreadme_check.py OUT MAIN_README ABS_PATH... ; prints what is wrong, exit 1."""
import csv, json, os, re, subprocess, sys

out, main_readme, absolutes = sys.argv[1], sys.argv[2], sys.argv[3:]
readme = open(os.path.join(out, "README.md"), encoding="utf-8").read()
main = open(main_readme, encoding="utf-8").read()
bad = []
files = []
for d, _, fs in os.walk(out):
    for f in fs:
        if not f.startswith("."):
            files.append(os.path.relpath(os.path.join(d, f), out))


def described(name, why):
    line = [l for l in readme.splitlines() if l.startswith("- `%s`:" % name)]
    if not line or "(not described)" in line[0]:
        bad.append("%s: `%s` is not described in OUT/README.md" % (why, name))


for rel in sorted(files):
    base = os.path.basename(rel)
    if "unknown file" in readme and ("`%s`: not written by isoreach" % rel) in readme:
        bad.append("%s: listed as an unknown file" % rel)
    pattern = re.sub(r"^(hubs|scenarios)/[^/]+/", r"\1/*/", rel)
    pattern = re.sub(r"^scenarios/\*/hubs/[^/]+/", "scenarios/*/hubs/*/", pattern)
    if "`%s`" % pattern not in readme and not base.endswith(
            (".qml", ".png", ".svg", ".pgw", ".pdf")) and not rel.startswith("webmap/"):
        bad.append("%s: not in OUT/README.md's files (as `%s`)" % (rel, pattern))
    if base.split(".")[0] not in main and base not in main:
        bad.append("%s: not in the main README" % rel)
    path = os.path.join(out, rel)
    if rel.endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            for col in next(csv.reader(f)):
                col = re.sub(r"^pref_\d+$", "pref_<code>", col)
                described(col, rel)
    if rel.endswith(".geojson"):
        keys = []
        for ft in json.load(open(path, encoding="utf-8"))["features"]:
            keys += [k for k in ft["properties"] if k not in keys]
        for k in keys:
            if rel.endswith("units.geojson"):
                k = re.sub(r"^share_.+", "share_<hub_id>", k)
            described(k, rel)
    if rel.endswith(".tif"):
        text = subprocess.run(["gdalinfo", rel], capture_output=True, text=True, cwd=out).stdout
    elif rel.endswith((".json", ".qgs", ".csv", ".geojson", ".qml", ".md", ".html", ".svg")):
        text = open(path, encoding="utf-8", errors="replace").read()
    else:
        continue
    for a in absolutes:  # an absolute path; "../../a/b" (relative to OUT) is fine
        for form in (a, a.replace("/", "\\/")):
            for m in re.finditer(re.escape(form), text):
                before = text[max(0, m.start() - 2):m.start()]
                if not before.endswith(".."):
                    bad.append("%s: holds the absolute path %s" % (rel, a))
                    break
print("\n".join(sorted(set(bad))) or "ok: %d files" % len(files))
sys.exit(1 if bad else 0)
