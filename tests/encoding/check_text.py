#!/usr/bin/python3
"""Checks that every text output of a run is well-formed: valid UTF-8 (.csv .json .geojson
.qgs .qml .svg .html), XML that parses (.qgs .qml .svg), JSON that parses (.json .geojson).
Prints one line per problem and exits 1 if any; prints the number of files checked."""
import json
import os
import sys
import xml.etree.ElementTree as ET

bad, n = [], 0
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        path = os.path.join(root, name)
        ext = os.path.splitext(name)[1]
        if ext not in (".csv", ".json", ".geojson", ".qgs", ".qml", ".svg", ".html"):
            continue
        n += 1
        try:
            text = open(path, "rb").read().decode("utf-8")
        except UnicodeDecodeError as e:
            bad.append(f"{path}: not UTF-8 ({e})")
            continue
        try:
            if ext in (".qgs", ".qml", ".svg"):
                ET.fromstring(text.encode("utf-8"))
            elif ext in (".json", ".geojson"):
                json.loads(text)
        except Exception as e:  # noqa: BLE001 - any parse error is a failure
            bad.append(f"{path}: does not parse ({e})")
print("\n".join(bad + [f"{n} files checked"]))
sys.exit(1 if bad else 0)
