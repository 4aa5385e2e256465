"""isoreach — a thin Python binding of libisoreach (the shared library, through ctypes).

Only the public C API (include/isoreach.h) is used. Load a region once, ask it many times:

    import isoreach
    with isoreach.Model(["--resolution", "1000"]) as m:          # the flags of `isoreach run`
        grid = m.run_hub("shanghai_hongqiao")                    # minutes, in memory
        print(grid.width, grid.height, grid.geotransform, grid.minutes[0])
        m.run_hubs("shanghai_hongqiao,hangzhou_east", "out")     # rasters and tables on disk

Errors raise isoreach.Error with the engine's message (naming the file, layer, feature or
field). Ctrl-C (KeyboardInterrupt) during a call stops it, leaving no partial output, and is
raised as usual; the model stays usable. Warnings (a field left empty, a unit without people, a hub outside every unit…) are
issued as Python warnings of the category isoreach.Warning, as they are logged, and kept in
Model.warnings (and returned by run() and merge()): they are what the command line prints,
and a result they qualify may be wrong for the data given. The library is found through
$ISOREACH_LIB (a path to libisoreach.so.0), else by the system's loader (an installed
libisoreach.so.0). Publication (the QGIS styles and the web map of run_hubs) is
libisoreach_publish.so.0: $ISOREACH_PUBLISH_LIB, else the one beside libisoreach, else the
build tree's (publish/ beside engine/), else the system's.
"""
import ctypes
import ctypes.util
import os
import signal as _signal
import threading
import warnings as _warnings

__all__ = ["Error", "Grid", "Model", "Warning", "merge", "run", "version"]

_NODATA = -9999.0


def _load():
    path = os.environ.get("ISOREACH_LIB") or ctypes.util.find_library("isoreach") or "libisoreach.so.0"
    lib = ctypes.CDLL(path)
    c_char_pp = ctypes.POINTER(ctypes.c_char_p)
    sig = {
        "isr_version": (ctypes.c_char_p, []),
        "isr_ctx_new": (ctypes.c_void_p, []),
        "isr_ctx_free": (None, [ctypes.c_void_p]),
        "isr_ctx_errmsg": (ctypes.c_char_p, [ctypes.c_void_p]),
        "isr_ctx_cancel": (None, [ctypes.c_void_p]),
        "isr_options_new": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, c_char_pp]),
        "isr_options_set": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                           ctypes.c_char_p]),
        "isr_options_free": (None, [ctypes.c_void_p]),
        "isr_model_open": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.POINTER(ctypes.c_void_p)]),
        "isr_model_run_hubs": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
        "isr_model_run_hub": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double,
                                             ctypes.POINTER(ctypes.POINTER(ctypes.c_float)),
                                             ctypes.POINTER(ctypes.c_int),
                                             ctypes.POINTER(ctypes.c_int),
                                             ctypes.POINTER(ctypes.c_double)]),
        "isr_model_close": (None, [ctypes.c_void_p]),
        "isr_run": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
        "isr_merge": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
        "isr_free": (None, [ctypes.c_void_p]),
        "isr_ctx_set_logger": (None, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                      ctypes.c_int]),
        "isr_ctx_set_progress": (None, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib, path


def _load_publish(core_path):
    path = os.environ.get("ISOREACH_PUBLISH_LIB")
    if not path and os.sep in core_path:
        here = os.path.dirname(core_path)
        for cand in (os.path.join(here, "libisoreach_publish.so.0"),  # installed together
                     os.path.join(os.path.dirname(here), "publish",   # a build tree
                                  "libisoreach_publish.so.0")):
            if os.path.exists(cand):
                path = cand
                break
    path = path or ctypes.util.find_library("isoreach_publish") or "libisoreach_publish.so.0"
    pub = ctypes.CDLL(path)  # its libisoreach.so.0 is the one loaded above (same soname)
    pub.isr_publish.restype = ctypes.c_int
    pub.isr_publish.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint]
    return pub


_lib, _lib_path = _load()
_pub = _load_publish(_lib_path)
_PUBLISH_STYLES, _PUBLISH_WEBMAP = 0x1, 0x2  # include/isoreach_publish.h


class Error(Exception):
    """A failed call: the engine's message (file, layer, feature, field; what to do)."""


class Warning(UserWarning):  # noqa: A001 (isoreach.Warning, as isoreach.Error)
    """A warning of the engine: the result is made, but something in the data qualifies it."""


_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                ctypes.c_size_t)
_LOG_WARN = 2  # ISR_LOG_WARN


class _Hooks:
    """What a context calls back into Python (keep the object as long as the context):
    each warning appended to the list `into` and issued as an isoreach.Warning, and the
    steps' progress to on_progress(stage, done, total). An exception raised there (a
    warning made an error by warnings.simplefilter("error"), a failing on_progress) cannot
    cross the C library, which went on: it is kept, and raise_kept() raises it once the call
    is over."""

    def __init__(self, ctx, into, on_progress=None):
        self.kept = None

        def log(_user, level, msg):
            if level >= _LOG_WARN:
                text = msg.decode("utf-8", "replace")
                into.append(text)
                self._guard(_warnings.warn, text, Warning, stacklevel=2)

        def progress(_user, stage, done, total):
            self._guard(on_progress, stage.decode("utf-8", "replace"), done, total)

        self._log = _LOG_FN(log)
        _lib.isr_ctx_set_logger(ctx, ctypes.cast(self._log, ctypes.c_void_p), None, _LOG_WARN)
        self._progress = _PROGRESS_FN(progress) if on_progress else None
        if self._progress:
            _lib.isr_ctx_set_progress(ctx, ctypes.cast(self._progress, ctypes.c_void_p), None)

    def _guard(self, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except BaseException as e:  # noqa: B036 (raised again by raise_kept)
            if self.kept is None:
                self.kept = e

    def raise_kept(self):
        e, self.kept = self.kept, None
        if e is not None:
            raise e


def version():
    """The library's version, e.g. "0.1.0"."""
    return _lib.isr_version().decode()


def _text(value, what="value"):
    """A flag's value as the C library takes it: a path (str or os.PathLike) in the file
    system's encoding (a name that is not UTF-8 stays the same bytes), a list or tuple as
    "a,b" (--hubs, --bands), a number as its text."""
    if value is None:
        raise Error("%s: None is not a value (give a string, a number or a path)" % what)
    if isinstance(value, (list, tuple)):
        return b",".join(_text(v, what) for v in value)
    if isinstance(value, (str, os.PathLike)):
        text = os.fsencode(value)
    elif isinstance(value, bytes):
        text = value
    else:
        text = str(value).encode()
    if b"\0" in text:  # C would read only up to it: "6\x000" was a budget of 6
        raise Error("%s: %r holds a NUL character, which no flag or path can hold"
                    % (what, value))
    return text


def _args(args):
    """Model's and run's args: a list or tuple of strings (a single string would be read one
    character at a time)."""
    if isinstance(args, (str, bytes, os.PathLike)):
        raise Error("args: give a list of strings, as the command line splits them "
                    "(['--resolution', '1000']), not %r" % (args,))
    return [_text(a, "argument") for a in args]


_REPEATABLE = ("gtfs", "scenario")  # flags given once per value, as on the command line


def _set_options(ctx, opt, options):
    """Sets options (flag=value) on opt; False or None leaves a flag off; a list for a
    repeatable flag (gtfs=[a, b], scenario=["s1=x", "s2=y"]) gives it once per item, as
    the command line does (joined, "s1=x,s2=y" was one path). 0 or the failure."""
    for name, value in options.items():
        if value is False or value is None:  # a switch left off: as if not given
            continue
        if name in _REPEATABLE and isinstance(value, (list, tuple)):
            for v in value:
                if _set_options(ctx, opt, {name: v}) != 0:
                    return -1
            continue
        flag = name.replace("_", "-").encode()
        val = None if value is True else _text(value, "--" + name.replace("_", "-"))
        if _lib.isr_options_set(ctx, opt, flag, val) != 0:
            return -1
    return 0


def _interruptible(ctx, hooks, cancelled, fn, *args):
    """fn(*args), a call of the C library on context ctx, so that it can be stopped: by
    Ctrl-C on the main thread, and whenever cancelled() (if given; QGIS's
    feedback.isCanceled) turns true. The call runs on a thread of its own while this one
    waits; either stop cancels the context (isr_ctx_cancel: the call returns
    ISR_ERR_INTERRUPTED, leaving no partial output) and waits for the call to end; a
    KeyboardInterrupt is then raised again. Python takes signals on its main thread only,
    between bytecodes: while a ctypes call ran there, Ctrl-C waited for the call to end,
    however long. Without cancelled() and off the main thread, a plain call. Last, an
    exception the hooks kept (a warning made an error) is raised."""
    if cancelled is None and threading.current_thread() is not threading.main_thread():
        status = fn(*args)
        hooks.raise_kept()
        return status
    box, done = [], threading.Event()

    def body():
        try:
            box.append(fn(*args))
        finally:
            done.set()

    worker = threading.Thread(target=body, daemon=True)
    # SIGINT held back while the thread starts (and in it, which inherits the mask): a
    # KeyboardInterrupt raised inside start() could not tell whether the call had begun. One
    # that was pending comes at the unblocking, and is handled below as any other.
    mask = getattr(_signal, "pthread_sigmask", None)
    main = threading.current_thread() is threading.main_thread()
    try:
        if mask and main:
            mask(_signal.SIG_BLOCK, {_signal.SIGINT})
        try:
            worker.start()
        finally:
            if mask and main:
                mask(_signal.SIG_UNBLOCK, {_signal.SIGINT})
        asked = False
        while not done.wait(0.05):
            if not asked and cancelled is not None and cancelled():
                asked = True
                _lib.isr_ctx_cancel(ctx)
    except KeyboardInterrupt:
        if worker.is_alive() and not done.is_set():  # else over: a cancel would stop the next
            _lib.isr_ctx_cancel(ctx)
        while worker.is_alive() and not done.is_set():  # a second Ctrl-C cannot leave it
            try:
                done.wait()
            except KeyboardInterrupt:
                pass
        raise
    hooks.raise_kept()
    return box[0]


def _call(fn, args, cancelled, on_progress, options):
    """fn(ctx, options) on the flags of `isoreach run` (args, then options as flag=value);
    raises Error with the engine's message when it fails."""
    ctx = _lib.isr_ctx_new()
    if not ctx:
        raise MemoryError("isoreach: no memory for a context")
    opt = None
    said = []
    hooks = _Hooks(ctx, said, on_progress)
    try:
        argv = [b"run"] + _args(args)
        arr = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
        opt = _lib.isr_options_new(ctx, len(argv), arr)
        ok = bool(opt) and _set_options(ctx, opt, options) == 0
        if not ok or _interruptible(ctx, hooks, cancelled, fn, ctx, opt) != 0:
            raise Error(_lib.isr_ctx_errmsg(ctx).decode("utf-8", "replace"))
        return said
    finally:
        if opt:
            _lib.isr_options_free(opt)
        _lib.isr_ctx_free(ctx)


_HOOKS_DOC = """cancelled: a function without arguments, asked while a call runs (about 20
    times a second); once it returns true the call is cancelled and raises isoreach.Error
    ("interrupted…"), leaving no partial output. on_progress(stage, done, total): told as
    the long steps progress ("loading", "hubs", "products"). Ctrl-C stops a call too."""


def run(args=(), cancelled=None, on_progress=None, **options):
    """`isoreach run` without publication: the hubs' outputs, the region products and
    run.json in --out (with shard="K/N", only that share of the hubs and
    OUT/shards/K-of-N.json: merge() writes the rest once every shard has run). Returns the
    run's warnings (also issued as isoreach.Warning). """
    return _call(_lib.isr_run, args, cancelled, on_progress, options)


def merge(args=(), cancelled=None, on_progress=None, **options):
    """`isoreach merge`: the region products and run.json of a run made as shards
    (run(..., shard="K/N") for K = 1..N into one out=), byte for byte those of one run.
    Returns its warnings (also issued as isoreach.Warning). """
    return _call(_lib.isr_merge, args, cancelled, on_progress, options)


run.__doc__ += _HOOKS_DOC
merge.__doc__ += _HOOKS_DOC


class Grid:
    """One hub's travel times: `minutes` is a row-major list (north row first) of width ×
    height values, None past the budget; `geotransform` is GDAL's, in the model's CRS."""

    def __init__(self, minutes, width, height, geotransform):
        self.minutes, self.width, self.height = minutes, width, height
        self.geotransform = geotransform

    def at(self, col, row):
        """The minutes of cell (col, row) of this grid, or None past the budget; IndexError
        for a cell off the grid (a column past the width was the next row's cell)."""
        if not (0 <= col < self.width and 0 <= row < self.height):
            raise IndexError("cell (%r, %r) is off the %d x %d grid" %
                             (col, row, self.width, self.height))
        return self.minutes[row * self.width + col]


class Model:
    """A region loaded once (inputs, CRS, grid, zones, friction, rail network) from the
    flags of `isoreach run` (a list of strings); close() or a `with` block frees it. """

    def __init__(self, args=(), cancelled=None, on_progress=None, **options):
        # one call at a time: the model's context is one host thread's at a time
        # (isoreach.h), and ctypes lets go of the GIL during a call; without the lock a
        # close() while another thread ran a hub freed the context under it (a crash or a
        # hang), and threads read each other's error messages
        self._lock = threading.RLock()
        self._ctx = _lib.isr_ctx_new()
        if not self._ctx:
            raise MemoryError("isoreach: no memory for a context")
        self.warnings = []  # every warning of the loading and of the calls since, in order
        self._hooks = _Hooks(self._ctx, self.warnings, on_progress)
        self._cancelled = cancelled
        self._opt = self._model = None
        argv = [b"run"] + _args(args)
        arr = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
        self._opt = _lib.isr_options_new(self._ctx, len(argv), arr)
        if not self._opt:
            self._fail()
        # Model(budget=45, hubs="a,b" or ["a", "b"])
        if _set_options(self._ctx, self._opt, options) != 0:
            self._fail()
        model = ctypes.c_void_p()
        try:
            status = self._call(_lib.isr_model_open, self._ctx, self._opt, ctypes.byref(model))
        finally:  # opened, though Ctrl-C or a warning made an error is raised: close() frees it
            if model.value:
                self._model = model
        if status != 0:
            self._fail()

    def _call(self, fn, *args):
        return _interruptible(self._ctx, self._hooks, self._cancelled, fn, *args)

    def cancel(self):
        """Stops the call running on this model, from another thread (it raises
        isoreach.Error "interrupted…", leaving no partial output); when none runs, the next
        call is the one stopped."""
        ctx = getattr(self, "_ctx", None)
        if ctx:
            _lib.isr_ctx_cancel(ctx)

    def _fail(self):
        msg = _lib.isr_ctx_errmsg(self._ctx).decode("utf-8", "replace")
        self.close()
        raise Error(msg)

    def _open(self):
        """The model, or Error once it is closed (the library would be handed freed memory)."""
        if not getattr(self, "_model", None):
            raise Error("the model is closed: open another isoreach.Model")
        return self._model

    def _check(self, status):
        if status != 0:
            raise Error(_lib.isr_ctx_errmsg(self._ctx).decode("utf-8", "replace"))

    def run_hubs(self, hubs, out_dir):
        """Runs hubs ("a,b" or a list of ids; None: the model's hubs, its --hubs, else every
        flagged station) into out_dir: rasters, isochrones, reach tables, region products and
        run.json, then publishes them (QGIS styles and project, the web map; no maps)."""
        out = _text(out_dir, "out_dir")
        ids = None if hubs is None else _text(hubs, "hubs")
        with self._lock:
            self._check(self._call(_lib.isr_model_run_hubs, self._open(), ids, out))
            self._check(self._call(_pub.isr_publish, self._ctx, self._opt, out,
                                   _PUBLISH_STYLES | _PUBLISH_WEBMAP))

    def run_hub(self, hub_id, budget_min=0):
        """One hub's travel-time Grid in memory (budget_min 0: the model's budget)."""
        ptr = ctypes.POINTER(ctypes.c_float)()
        w, h = ctypes.c_int(), ctypes.c_int()
        gt = (ctypes.c_double * 6)()
        try:
            if isinstance(budget_min, bool):  # True is 1 to float()
                raise TypeError
            budget = float(budget_min)
        except (TypeError, ValueError):
            raise Error("budget_min: %r is not a number of minutes" % (budget_min,)) from None
        hub = _text(hub_id, "hub_id")
        with self._lock:
            try:
                status = self._call(_lib.isr_model_run_hub, self._open(), hub, budget,
                                    ctypes.byref(ptr), ctypes.byref(w), ctypes.byref(h), gt)
            except BaseException:  # Ctrl-C, a warning made an error: after a grid was made
                if ptr:
                    _lib.isr_free(ptr)
                raise
            self._check(status)
        try:
            n = w.value * h.value
            minutes = [None if v == _NODATA else v for v in ptr[:n]]
        finally:
            _lib.isr_free(ptr)
        return Grid(minutes, w.value, h.value, tuple(gt))

    def close(self):
        """Frees the model, its options and context (also at the end of a `with` block);
        waits for a call another thread is making on it."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the lock: nothing was made
            return
        with lock:
            self._free()

    def _free(self):
        if getattr(self, "_model", None):
            _lib.isr_model_close(self._model)
            self._model = None
        if getattr(self, "_opt", None):
            _lib.isr_options_free(self._opt)
            self._opt = None
        if getattr(self, "_ctx", None):
            _lib.isr_ctx_free(self._ctx)
            self._ctx = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


Model.__doc__ += _HOOKS_DOC
