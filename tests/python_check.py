"""The Python binding (python/isoreach) against the built shared library, on the sample:
one model, asked several times, checked against the rasters the same model writes."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import isoreach  # noqa: E402
from osgeo import gdal  # noqa: E402

gdal.UseExceptions()
HUB = "shanghai_hongqiao"


def fail(msg):
    print("python_check: " + msg, file=sys.stderr)
    sys.exit(1)


assert isoreach.version() == "0.1.0", isoreach.version()

# a bad flag is the parser's error, raised
try:
    isoreach.Model(["--bogus", "1"])
    fail("a bad flag was accepted")
except isoreach.Error as e:
    if "unknown option '--bogus'" not in str(e):
        fail("bad flag: " + str(e))

with tempfile.TemporaryDirectory() as tmp, isoreach.Model(["--resolution", "4000"], no_maps=True) as m:
    g60 = m.run_hub(HUB)
    reached = [v for v in g60.minutes if v is not None]
    if min(reached) != 0.0 or max(reached) > 60.0 or len(reached) < 100:
        fail("60-minute grid: %d cells, min %s, max %s" % (len(reached), min(reached), max(reached)))
    # the same model writes the hub's raster: the in-memory grid is that raster, cell for cell
    m.run_hubs(HUB, tmp)
    # publication (libisoreach_publish, loaded beside libisoreach): the styles and the web map
    qml = open(os.path.join(tmp, "hubs", HUB, "travel_time.qml"), encoding="utf-8").read()
    if "<rastershader>" not in qml:
        fail("travel_time.qml is not a raster style: %.200s" % qml)
    for f in ("isoreach.qgs", "index.html"):
        if os.path.getsize(os.path.join(tmp, f)) < 1000:
            fail("run_hubs published no %s" % f)
    if os.path.exists(os.path.join(tmp, "hubs", HUB, "map.png")):
        fail("run_hubs drew maps")
    ds = gdal.Open(os.path.join(tmp, "hubs", HUB, "travel_time.tif"))
    band = ds.GetRasterBand(1)
    if (ds.RasterXSize, ds.RasterYSize) != (g60.width, g60.height):
        fail("size %dx%d vs %dx%d" % (ds.RasterXSize, ds.RasterYSize, g60.width, g60.height))
    if tuple(ds.GetGeoTransform()) != g60.geotransform:
        fail("geotransform %s vs %s" % (ds.GetGeoTransform(), g60.geotransform))
    raster = band.ReadRaster(buf_type=gdal.GDT_Float32)
    import struct
    vals = struct.unpack("%df" % (g60.width * g60.height), raster)
    nodata = band.GetNoDataValue()
    for i, v in enumerate(vals):
        mem = g60.minutes[i]
        if (v == nodata) != (mem is None) or (mem is not None and v != mem):
            fail("cell %d: raster %s, memory %s" % (i, v, mem))
    # another budget, same model: exactly the cells within 30 minutes, at the same times
    g30 = m.run_hub(HUB, 30)
    dc = round((g30.geotransform[0] - g60.geotransform[0]) / 4000.0)
    dr = round((g60.geotransform[3] - g30.geotransform[3]) / 4000.0)
    n30 = 0
    for r in range(g30.height):
        for c in range(g30.width):
            v = g30.at(c, r)
            w = g60.at(c + dc, r + dr)
            if v is not None:
                n30 += 1
                if v != w or v > 30.0:
                    fail("30-minute cell (%d,%d): %s vs %s" % (c, r, v, w))
            elif w is not None and w <= 30.0:
                fail("cell (%d,%d) within 30 min missing from the 30-minute grid" % (c, r))
    if n30 != sum(1 for v in reached if v <= 30.0):
        fail("30-minute grid has %d cells" % n30)
    # an unknown hub: the engine's message
    try:
        m.run_hub("nowhere")
        fail("an unknown hub was accepted")
    except isoreach.Error as e:
        if "no station has id 'nowhere'" not in str(e):
            fail("unknown hub: " + str(e))
    # a budget beyond --budget's 1440 minutes is refused as --budget is (1e6 was "not finite",
    # 100000 was accepted)
    try:
        m.run_hub(HUB, 100000)
        fail("a budget of 100000 minutes was accepted")
    except isoreach.Error as e:
        if "at most 1440 (24 h), as --budget" not in str(e):
            fail("budget: " + str(e))

    # a cell off the grid: a column past the width was the next row's cell, -1 the row's last
    for c, r in ((-1, 0), (g60.width, 0), (0, g60.height), (0, -1)):
        try:
            g60.at(c, r)
            fail("cell (%d, %d) off the grid was read" % (c, r))
        except IndexError:
            pass
    try:  # True is 1 to float(): a 1-minute grid
        m.run_hub(HUB, True)
        fail("a budget of True was accepted")
    except isoreach.Error as e:
        if "budget_min: True is not a number" not in str(e):
            fail("budget True: " + str(e))
    # threads on one model: each error is its own (they read each other's messages), and a
    # close() while another thread runs a hub waits for it (it freed the context under the
    # call: a crash or a hang)
    import threading
    errs = {}

    def ask(i):
        for k in range(5):
            try:
                m.run_hub("nope_%d_%d" % (i, k))
            except isoreach.Error as e:
                errs[(i, k)] = str(e)
    ts = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for (i, k), e in errs.items():
        if "'nope_%d_%d'" % (i, k) not in e:
            fail("thread %d got another's error: %s" % (i, e))
    if len(errs) != 20:
        fail("%d of 20 errors raised" % len(errs))

# a close() while another thread runs a hub: the thread's call finishes (or is refused as
# closed) and close() waits for it
m4 = isoreach.Model(["--resolution", "8000"], no_maps=True)
outcome = []


def busy():
    try:
        for _ in range(3):
            outcome.append(m4.run_hub(HUB).width > 0)
    except isoreach.Error as e:
        outcome.append(str(e))


t4 = threading.Thread(target=busy)
t4.start()
m4.close()
t4.join()
if any(o is not True and "the model is closed" not in str(o) for o in outcome):
    fail("run_hub beside close(): %s" % outcome)

# a model used after its `with` block raises, not a crash of the interpreter (it was
# SIGSEGV: the library was handed freed memory); a switch set to False is left off
try:
    m.run_hub(HUB)
    fail("a closed model ran a hub")
except isoreach.Error as e:
    if "the model is closed" not in str(e):
        fail("closed model: " + str(e))
with isoreach.Model(["--resolution", "8000"], no_maps=True, overwrite=False) as m2:
    if m2.run_hub(HUB).width < 1:  # it was refused: "unexpected argument 'False'"
        fail("a model with overwrite=False ran no grid")

# values as Python holds them: a list of hubs, None refused where a value is needed, "" no
# list (it ran every flagged hub), None for the model's own hubs, a folder named in bytes
# that are not UTF-8 (os.fsencode, not .encode(): a UnicodeEncodeError)
with tempfile.TemporaryDirectory() as tmp, \
        isoreach.Model(["--resolution", "8000"], hubs=[HUB, "hangzhou_east"],
                       bands=[30, 60]) as m3:
    # a negative budget was the model's (-5: 60 minutes), a NUL cut a value short ("6\x000"
    # ran 6 minutes), a string of args was read a character at a time, a budget that is no
    # number raised Python's ValueError
    for bad, what in ((lambda: m3.run_hubs(HUB, None), "out_dir: None is not a value"),
                      (lambda: m3.run_hubs("", tmp), "hubs: the list is empty"),
                      (lambda: m3.run_hub(None), "hub_id: None is not a value"),
                      (lambda: m3.run_hub(HUB, -5), "give more than 0 and at most 1440"),
                      (lambda: m3.run_hub(HUB, "x"), "budget_min: 'x' is not a number"),
                      (lambda: m3.run_hub("a\0b"), "holds a NUL character"),
                      (lambda: isoreach.Model(["--budget", "6\x000"]), "holds a NUL character"),
                      (lambda: isoreach.Model("--resolution 8000"), "give a list of strings")):
        try:
            bad()
            fail("accepted: " + what)
        except isoreach.Error as e:
            if what not in str(e):
                fail("%s: %s" % (what, e))
    odd = os.path.join(tmp, os.fsdecode(b"latin1-\xe9"))
    m3.run_hubs(None, odd)
    if sorted(os.listdir(os.path.join(odd, "hubs"))) != ["hangzhou_east", HUB]:
        fail("run_hubs(None) ran %s, not the model's hubs" % os.listdir(os.path.join(odd, "hubs")))
    if os.path.exists(os.path.join(os.getcwd(), "None")):
        fail("a folder named None was written")

# run() and merge(): two shards then a merge give the bytes of one run (issue 16)
HUBS = "shanghai_hongqiao,hangzhou_east,nanjing_south"
with tempfile.TemporaryDirectory() as tmp:
    one, sh = os.path.join(tmp, "one"), os.path.join(tmp, "sh")
    isoreach.run(["--resolution", "4000"], hubs=HUBS, out=one)
    for k in (1, 2):
        isoreach.run(["--resolution", "4000"], hubs=HUBS, out=sh, shard="%d/2" % k)
    if os.path.exists(os.path.join(sh, "run.json")):
        fail("a shard wrote run.json")
    try:  # a merge with shard 2 gone names it
        os.rename(os.path.join(sh, "shards", "2-of-2.json"), os.path.join(tmp, "2.json"))
        isoreach.merge(out=sh)
        fail("a merge without shard 2 was accepted")
    except isoreach.Error as e:
        if "shard 2 of 2 is missing" not in str(e):
            fail("missing shard: " + str(e))
    os.rename(os.path.join(tmp, "2.json"), os.path.join(sh, "shards", "2-of-2.json"))
    isoreach.merge(out=sh)
    same = 0
    for sub in ("region", "hubs"):
        for root, _, files in os.walk(os.path.join(one, sub)):
            for f in files:
                a = os.path.join(root, f)
                b = os.path.join(sh, os.path.relpath(a, one))
                if open(a, "rb").read() != open(b, "rb").read():
                    fail("merged %s differs from one run's" % os.path.relpath(a, one))
                same += 1
    if same < 20:
        fail("only %d files compared" % same)

# warnings reach Python: issued as isoreach.Warning and returned (a run into a folder that
# holds another hub's folder warns about it); they were only in run.json
import warnings  # noqa: E402
with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    # switches left off (False, None) are not given, as Model() takes them: run() refused
    # them ("unexpected argument 'False'")
    isoreach.run(["--resolution", "8000"], hubs="hangzhou_east", out=tmp, overwrite=False,
                 shard=None)
    said = isoreach.run(["--resolution", "8000"], hubs=HUB, out=tmp)
    if not any("1 folder of no hub of this run" in w for w in said):
        fail("run() returned no warning of the other hub's folder: %s" % said)
    if not any(issubclass(c.category, isoreach.Warning) and "no hub of this run" in str(c.message)
               for c in caught):
        fail("no isoreach.Warning issued: %s" % [str(c.message) for c in caught])

# Ctrl-C during a call stops it (isr_ctx_cancel) and is raised as KeyboardInterrupt: it ran
# on to the end of the call, however long, and was raised only then. The run of every hub at
# 250 m takes seconds; interrupted after 0.3 s it writes no run.json (the last thing a whole
# run writes) and leaves no temporary file; the next call on a model still runs.
import signal  # noqa: E402
import time  # noqa: E402
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "all")
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    try:
        isoreach.run(["--resolution", "250"], out=out, no_maps=True)
        fail("a run of every hub at 250 m ended within 0.3 s, or Ctrl-C was lost")
    except KeyboardInterrupt:
        pass
    took = time.monotonic() - t0
    timer.join()
    if os.path.exists(os.path.join(out, "run.json")):
        fail("the interrupted run ran to its end (run.json written, %.1f s)" % took)
    left = [os.path.join(r, f) for r, _, fs in os.walk(out) for f in fs if ".part-" in f]
    if left:
        fail("the interrupted run left temporary files: %s" % left[:3])
    with isoreach.Model(["--resolution", "8000"], no_maps=True) as m5:
        timer = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            while True:  # hubs until the Ctrl-C comes
                m5.run_hub(HUB)
        except KeyboardInterrupt:
            pass
        timer.join()
        if m5.run_hub(HUB).width < 1:
            fail("the model ran no grid after an interrupted call")

# cancelled() stops a call from any thread (QGIS's feedback.isCanceled; it was not asked:
# a cancelled QGIS run went on to its end and returned OK), raising Error; progress is told
# (QGIS showed none); Model.cancel() from another thread stops the running call
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "all")
    t0 = time.monotonic()
    steps = []
    try:
        isoreach.run(["--resolution", "250"], out=out, no_maps=True,
                     cancelled=lambda: time.monotonic() > t0 + 0.3,
                     on_progress=lambda stage, done, total: steps.append((stage, done, total)))
        fail("cancelled() did not stop a run of every hub at 250 m")
    except isoreach.Error as e:
        if "interrupted" not in str(e):
            fail("cancelled run: " + str(e))
    if os.path.exists(os.path.join(out, "run.json")):
        fail("the cancelled run ran to its end")
    done_steps = []
    with isoreach.Model(["--resolution", "8000"], no_maps=True,
                        on_progress=lambda *a: done_steps.append(a)) as m6:
        m6.run_hubs(HUB, out)
        m6.cancel()  # no call runs: the next one is stopped, and the one after runs
        try:
            m6.run_hub(HUB)
            fail("a cancel between calls did not stop the next")
        except isoreach.Error as e:
            if "interrupted" not in str(e):
                fail("cancel between calls: " + str(e))
        if m6.run_hub(HUB).width < 1:
            fail("the model ran no grid after a cancelled call")
    if ("hubs", 1, 1) not in done_steps:
        fail("no progress of the hubs told: %s" % done_steps[:10])

# a repeatable flag given a list is given once per item, as on the command line (joined,
# "a=…,b=…" was one path, refused as not there)
with tempfile.TemporaryDirectory() as tmp:
    scen = os.path.join(os.path.dirname(__file__), "..", "shapefiles", "scenarios")
    isoreach.run(["--resolution", "8000"], hubs=HUB, out=tmp, no_maps=True,
                 scenario=["a=" + os.path.join(scen, "ningbo_zhoushan.gpkg"),
                           "b=" + os.path.join(scen, "shanghai_suzhou_jiaxing.gpkg")])
    if sorted(os.listdir(os.path.join(tmp, "scenarios"))) != ["a", "b"]:
        fail("scenario=[a, b] ran %s" % os.listdir(os.path.join(tmp, "scenarios")))

# a model cache inside the folder run_hubs writes to is refused as the command line refuses
# it (it said "holds files that are not an isoreach output ('cache')", and so did every later
# run into the folder)
with tempfile.TemporaryDirectory() as tmp:
    with isoreach.Model(["--resolution", "8000"], no_maps=True,
                        model_cache=os.path.join(tmp, "o", "cache")) as m7:
        try:
            m7.run_hubs(HUB, os.path.join(tmp, "o"))
            fail("run_hubs into the folder holding the model cache was accepted")
        except isoreach.Error as e:
            if "is the output folder '%s' (--out) or lies inside it" % os.path.join(tmp, "o") \
                    not in str(e):
                fail("model cache inside out: " + str(e))

# a warning made an error (warnings.simplefilter("error")) is raised: it was "Exception
# ignored on calling ctypes callback" and the call returned as if nothing had been said
with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
    warnings.simplefilter("error", isoreach.Warning)
    try:
        isoreach.run(["--resolution", "8000"], hubs=HUB, out=tmp)
        fail("a warning made an error was not raised")
    except isoreach.Warning as w:
        if "narrower than half a 8000 m cell" not in str(w):
            fail("the warning raised: %s" % w)

# the publication library of a build tree is found without $ISOREACH_PUBLISH_LIB (publish/
# beside engine/): `import isoreach` failed from the build tree, as the README shows it
import subprocess  # noqa: E402
env = {k: v for k, v in os.environ.items() if k != "ISOREACH_PUBLISH_LIB"}
probe = subprocess.run([sys.executable, "-c", "import isoreach; print(isoreach._pub._name)"],
                       env=dict(env, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..",
                                                             "python")),
                       capture_output=True, text=True)
if probe.returncode != 0 or not probe.stdout.strip().endswith(
        os.path.join("publish", "libisoreach_publish.so.0")):
    fail("the build tree's publication library was not found: %s %s" % (probe.stdout,
                                                                        probe.stderr[-500:]))
print("python_check: %d cells within 60 min, %d within 30; raster equal; 2 shards + merge: "
      "%d files as one run" % (len(reached), n30, same))
