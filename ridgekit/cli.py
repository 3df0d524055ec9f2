"""The ``ridgekit`` command line.

Commands
--------
``ridgekit demo [--out DIR] [--quick] [--only NAME,...]``
    Run the report's sections and write ``DIR/index.html`` (default ``ridgekit-report``)
    with PNG figures beside it; exit code 1 if a check fails.  Progress (the section, what
    it is doing, each check's verdict) goes to stderr.
``ridgekit radon IMAGE -o SINO.npy [--theta-step DEG | --n-angles N] [--no-circle]``
    Sinogram (n_detectors, n_angles) of a 2-D image (.npy, or an image file read with
    Pillow or matplotlib; colour is converted to grey with the Rec. 709 luma weights
    0.2125, 0.7154, 0.0721 as scikit-image's ``rgb2gray``; 8- and 16-bit integers are
    scaled to [0, 1]).  Angles are evenly spaced in [0°, 180°), 180 by default.
``ridgekit iradon SINO.npy -o IMAGE.png|IMAGE.npy [--filter NAME] [--output-size N] [--no-circle]``
    Filtered backprojection of such a sinogram, angles evenly spaced in [0°, 180°).  A
    PNG is written as 8-bit grey scaled from [min, max] of the reconstruction; ``.npy``
    keeps the float64 values.
``ridgekit verify``
    Run the symbolic checks of every package and print a table; exit code 1 if a check fails.
``ridgekit reproduce PAPER``, ``ridgekit fit DATA.csv``, ``ridgekit norm MODEL``
    See ``ridgekit COMMAND --help``.

Bad input gives a one-line error on stderr and exit code 2, before any work: output paths
whose directory is missing or is a file, unreadable or malformed input files, sizes whose
memory would exceed what the machine has.  Every command that writes files prints their
paths.  Large inputs are processed
in chunks of angles with a progress bar on stderr (``--quiet`` turns it off); every
projection is independent, so a chunked ``radon`` equals the one-call result exactly, and
a chunked ``iradon`` equals it to rounding (the backprojection sum is split).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import warnings
from pathlib import Path

__all__ = ["main", "build_parser"]

#: Image file suffixes read through Pillow (or matplotlib when Pillow is missing).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif")
#: Above this many pixel·angle products a transform runs in chunks with a progress bar.
CHUNK_WORK = 2 ** 23
#: Most projection angles accepted (a step of 1.8e-4 degrees; more is refused up front).
MAX_ANGLES = 10 ** 6
_LUMA = (0.2125, 0.7154, 0.0721)


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CLIError(f"{self.prog}: error: {message}")


# ------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ridgekit`` (subcommands demo, radon, iradon, verify)."""
    from .gallery import GALLERY

    p = _Parser(prog="ridgekit", description="ridgekit: Radon-domain theory of neural networks.")
    p.add_argument("--version", action="version", version=f"ridgekit {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("demo", help="write the HTML report of checks (ridgekit-report/index.html)")
    d.add_argument("--out", default="ridgekit-report", metavar="DIR", help="output directory")
    d.add_argument("--quick", action="store_true", help="smaller sizes (seconds)")
    d.add_argument("--quiet", action="store_true", help="no progress output")
    d.add_argument("--only", default=None, metavar="NAME,...",
                   help="run only these sections (transforms, random-relu, nla, splines, ...)")

    r = sub.add_parser("radon", help="sinogram of a 2-D image")
    r.add_argument("image", metavar="IMAGE", help=".npy array or image file (.png, .jpg, ...)")
    r.add_argument("-o", "--output", required=True, metavar="SINO.npy", help="output sinogram (.npy)")
    ang = r.add_mutually_exclusive_group()
    ang.add_argument("--theta-step", type=float, metavar="DEG",
                     help="angle step in degrees (must divide 180); default 1")
    ang.add_argument("--n-angles", type=int, metavar="N", help="number of angles in [0, 180)")
    r.add_argument("--no-circle", action="store_true",
                   help="do not assume the image is zero outside the inscribed circle")
    r.add_argument("--quiet", action="store_true", help="no progress bar")

    i = sub.add_parser("iradon", help="filtered backprojection of a sinogram")
    i.add_argument("sinogram", metavar="SINO.npy", help="sinogram (n_detectors, n_angles), .npy")
    i.add_argument("-o", "--output", required=True, metavar="IMAGE", help="output .png or .npy")
    i.add_argument("--filter", default="ramp", metavar="NAME",
                   help="ramp (default), shepp-logan, cosine, hamming, hann or none")
    i.add_argument("--output-size", type=int, metavar="N", help="side of the reconstruction")
    i.add_argument("--no-circle", action="store_true",
                   help="the sinogram is not of an image supported in the inscribed circle")
    i.add_argument("--quiet", action="store_true", help="no progress bar")

    rp = sub.add_parser("reproduce", help="rerun a paper's experiments (figures + checks)")
    rp.add_argument("paper", metavar="PAPER",
                    help=", ".join(GALLERY) + " (or the arXiv id)")
    rp.add_argument("--quick", action="store_true", help="small sizes (minutes on a laptop)")
    rp.add_argument("--out", default=None, metavar="DIR", help="output directory (default reproduce-PAPER)")
    rp.add_argument("--device", default="cpu", help="torch device for trained-network experiments")
    rp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="Dask scheduler address for parameter sweeps (default: joblib, local)")
    rp.add_argument("--n-jobs", type=int, default=1, metavar="N",
                    help="local workers for parameter sweeps without --scheduler (default 1; -1: all cores)")
    rp.add_argument("--data", default=None, choices=["cifar10"],
                    help="lottery only: run the paper's CIFAR-10 / ResNet-18 set-up instead of local tasks")
    rp.add_argument("--data-dir", default=None, metavar="DIR",
                    help="with --data cifar10: the folder holding CIFAR-10's python batches")
    rp.add_argument("--quiet", action="store_true", help="no progress bars")

    ft = sub.add_parser("fit", help="representer-theorem fit of a CSV file (columns x1..xd, y)")
    ft.add_argument("data", metavar="DATA.csv")
    ft.add_argument("--lam", type=float, default=1e-3, help="λ of ½Σ(f(x)−y)² + λ·RTV²(f) (default 1e-3)")
    ft.add_argument("-o", "--output", default="model.npz", metavar="MODEL", help="output model (.npz or .json)")
    ft.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    ft.add_argument("--quiet", action="store_true", help="no progress output")

    nm = sub.add_parser("norm", help="print the norms of a saved network (.npz or .json)")
    nm.add_argument("model", metavar="MODEL", help="a ShallowNetwork saved with .save()")
    nm.add_argument("--ball", type=float, default=None, metavar="R",
                    help="also the norms on the ball of radius R (neurons missing it fold into the skip)")

    v = sub.add_parser("verify", help="run every symbolic check and print a table")
    v.add_argument("--quiet", action="store_true", help="print failures and the summary only")
    return p


def _version():
    from .report import ridgekit_version

    return ridgekit_version()


# ------------------------------------------------------------------------ helpers
def _read_image(path: Path):
    import numpy as np

    suffix = path.suffix.lower()
    if not path.is_file():
        raise CLIError(f"cannot read {str(path)!r}: no such file")
    if suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if path.stat().st_size == 0:
                why = "the file is empty"
            raise CLIError(f"cannot read {str(path)!r} as a .npy array: {why}") from None
        if not isinstance(arr, np.ndarray):
            raise CLIError(f"{str(path)!r} does not hold a single array")
    elif suffix in IMAGE_SUFFIXES:
        arr = _read_picture(path)
    else:
        raise CLIError(f"unsupported input {str(path)!r}: expected .npy or one of {', '.join(IMAGE_SUFFIXES)}")
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise CLIError(f"{str(path)!r} holds {arr.dtype} data; a real numeric image is needed")
    if np.issubdtype(arr.dtype, np.integer) and suffix != ".npy" and arr.dtype.itemsize <= 2:
        arr = arr / np.iinfo(arr.dtype).max
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        arr = arr[..., :3].astype(np.float64) @ np.array(_LUMA)
    elif arr.ndim == 3 and arr.shape[-1] == 2:  # grey + alpha
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise CLIError(f"{str(path)!r} must hold a 2-D image (or RGB/RGBA), got shape {arr.shape}")
    return np.asarray(arr, dtype=np.float64)


def _read_picture(path: Path):
    import numpy as np

    try:
        from PIL import Image
    except ImportError:
        Image = None
    try:
        if Image is not None:
            with Image.open(path) as im:
                if im.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16", "F"):
                    im = im.convert("RGBA")
                return np.asarray(im)
        import matplotlib.image

        return np.asarray(matplotlib.image.imread(path))
    except (OSError, ValueError, SyntaxError) as exc:  # PIL's UnidentifiedImageError is an OSError
        raise CLIError(f"cannot read {str(path)!r} as an image: {exc}") from None


def _angles(args, default=180):
    import numpy as np

    if args.theta_step is not None:
        step = args.theta_step
        if not math.isfinite(step) or step <= 0 or step > 180:
            raise CLIError(f"--theta-step must be in (0, 180] degrees, got {step:g}")
        n = round(180.0 / step)
        if abs(n * step - 180.0) > 1e-9 * 180:
            raise CLIError(f"--theta-step {step:g} does not divide 180 degrees; use --n-angles instead")
    elif args.n_angles is not None:
        n = args.n_angles
        if n < 1 or n > MAX_ANGLES:
            raise CLIError(f"--n-angles must be an integer from 1 to {MAX_ANGLES:,}, got {n:,}")
    else:
        n = default
    return np.linspace(0.0, 180.0, n, endpoint=False)


def _chunks(n_angles, work, quiet, desc):
    """Index chunks of the angles, wrapped in a progress bar when the work is large."""
    import numpy as np

    n_chunks = min(n_angles, max(1, math.ceil(work / CHUNK_WORK)))
    parts = np.array_split(np.arange(n_angles), n_chunks)
    if n_chunks == 1 or quiet:
        return parts
    from .progress import progress

    return progress(parts, desc=desc, total=len(parts))


def _check_output(path: Path, allowed):
    """An output file: known suffix, its directory exists (and is a directory), the path
    itself is not a directory."""
    if path.suffix.lower() not in allowed:
        raise CLIError(f"output {str(path)!r} must end in {' or '.join(allowed)}")
    parent = path.parent
    if not parent.exists():
        raise CLIError(f"output directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise CLIError(f"output {str(path)!r}: {str(parent)!r} is a file, not a directory")
    if path.is_dir():
        raise CLIError(f"output {str(path)!r} is a directory; give a file name")


def _check_out_dir(path: Path):
    """An output directory: created if missing, but its parent must exist and it must not
    be a file."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"output directory {str(path)!r} is a file")
    parent = path.parent
    if not path.exists():
        if not parent.exists():
            raise CLIError(f"cannot create {str(path)!r}: directory {str(parent)!r} does not exist")
        if not parent.is_dir():
            raise CLIError(f"cannot create {str(path)!r}: {str(parent)!r} is a file")


def _available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable, else physical memory)."""
    import os

    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 2 ** 63


def _gb(n: float) -> str:
    return f"{n / 1e9:.3g} GB" if n >= 1e8 else f"{n / 1e6:.3g} MB"


def _check_memory(need: float, what: str):
    avail = _available_memory()
    if need > avail:
        raise CLIError(f"{what} needs about {_gb(need)} of memory, more than the {_gb(avail)} available")


def _report_warnings(caught, cmd):
    seen = set()
    for w in caught:
        msg = str(w.message)
        if msg not in seen:
            seen.add(msg)
            print(f"ridgekit {cmd}: warning: {msg}", file=sys.stderr)


# ------------------------------------------------------------------------ commands
def _cmd_radon(args):
    import numpy as np

    out = Path(args.output)
    _check_output(out, (".npy",))
    theta = _angles(args)
    img = _read_image(Path(args.image))
    circle = not args.no_circle
    side = max(img.shape)
    n_det = side if circle else math.ceil(math.sqrt(2) * side) + 1
    _check_memory(8.0 * (2 * n_det * theta.size + 3 * img.size),
                  f"a sinogram of {n_det:,} detectors x {theta.size:,} angles")
    from ridgekit.radon import radon

    cols = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for idx in _chunks(theta.size, img.size * theta.size, args.quiet, "radon"):
            cols.append(radon(img, theta[idx], circle=circle))
    _report_warnings(caught, "radon")
    sino = np.concatenate(cols, axis=1)
    np.save(out, sino)
    print(f"wrote {out}: sinogram {sino.shape[0]} detectors x {sino.shape[1]} angles in [0, 180) degrees")
    return 0


def _cmd_iradon(args):
    import numpy as np

    from ridgekit.kplane.filters import FILTERS

    out = Path(args.output)
    _check_output(out, (".png", ".npy"))
    filt = None if args.filter.lower() == "none" else args.filter
    if filt is not None and filt not in FILTERS:
        raise CLIError(f"unknown --filter {args.filter!r}; choose one of {', '.join(FILTERS)} or none")
    if args.output_size is not None and args.output_size < 1:
        raise CLIError(f"--output-size must be a positive integer, got {args.output_size}")
    if args.output_size is not None:
        _check_memory(8.0 * 3 * args.output_size ** 2,
                      f"--output-size {args.output_size:,} (a {args.output_size:,}² float64 image)")
    path = Path(args.sinogram)
    if path.suffix.lower() != ".npy":
        raise CLIError(f"the sinogram must be a .npy file, got {str(path)!r}")
    sino = _read_image(path)
    n_det, n_ang = sino.shape
    pad = max(64, 2 ** math.ceil(math.log2(2 * n_det)))
    _check_memory(8.0 * (3 * (args.output_size or n_det) ** 2 + 3 * pad * n_ang),
                  f"the reconstruction of a {n_det:,} x {n_ang:,} sinogram")
    from ridgekit.radon import iradon

    theta = np.linspace(0.0, 180.0, n_ang, endpoint=False)
    size = args.output_size
    circle = not args.no_circle
    side = size if size is not None else (n_det if circle else int(np.floor(np.sqrt(n_det ** 2 / 2.0))))
    rec = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for idx in _chunks(n_ang, side * side * n_ang, args.quiet, "iradon"):
            # iradon averages over its angles: weight each chunk by its share of them
            part = iradon(sino[:, idx], theta[idx], output_size=size, filter_name=filt, circle=circle)
            part = part if len(idx) == n_ang else part * (len(idx) / n_ang)
            rec = part if rec is None else rec + part
    _report_warnings(caught, "iradon")
    if out.suffix.lower() == ".npy":
        np.save(out, rec)
        print(f"wrote {out}: image {rec.shape[0]} x {rec.shape[1]} (float64)")
    else:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.image

        lo, hi = float(rec.min()), float(rec.max())
        matplotlib.image.imsave(out, rec, cmap="gray", vmin=lo, vmax=hi)
        print(f"wrote {out}: image {rec.shape[0]} x {rec.shape[1]}, 8-bit grey scaled from [{lo:.4g}, {hi:.4g}]")
    return 0


def _cmd_demo(args):
    from .report import build_report
    from .sections import all_sections

    out = Path(args.out)
    _check_out_dir(out)
    only = None
    if args.only is not None:
        only = [n.strip() for n in args.only.split(",") if n.strip()]
    try:
        sections = all_sections(only)
    except ValueError as exc:
        raise CLIError(f"--only: {exc}") from None
    report = build_report(out, quick=args.quick, sections=sections, show_progress=not args.quiet)
    return _summarise(report)


def _summarise(report):
    from .checks import _statement
    from .report import summary_line

    figures = [Path(p) for s in report.sections for p, _ in s.figures]
    print(f"wrote {report.path}")
    for p in figures:
        print(f"wrote {p}")
    print(f"{summary_line(report)} ({report.total_time:.1f} s)")
    for s in report.skipped:
        print(f"SKIPPED: {s.title}: {s.skipped.reason}; to run it: {s.skipped.install}")
    failed = [c for c in report.checks if not c.passed]
    for c in failed:
        print(f"FAILED: {c.name}: {_statement(c)}")
    return 1 if failed else 0


def _cmd_reproduce(args):
    from .gallery import resolve
    from .report import build_report
    from .sections.gallery import gallery_section

    try:
        name = resolve(args.paper)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    out = Path(args.out or f"reproduce-{name}")
    _check_out_dir(out)
    if args.n_jobs == 0 or args.n_jobs < -1:
        raise CLIError(f"ridgekit reproduce: --n-jobs must be a positive number of workers or -1 (all cores), "
                       f"got {args.n_jobs}")
    options = {"device": args.device, "scheduler": args.scheduler, "n_jobs": args.n_jobs}
    if args.data is not None or args.data_dir is not None:
        if args.data is None or args.data_dir is None:
            raise CLIError("ridgekit reproduce: --data and --data-dir go together (e.g. --data cifar10 --data-dir DIR)")
        options.update(data=args.data, data_dir=args.data_dir)
    client = None
    if args.scheduler is not None:  # connect once, before any work: a bad address fails in seconds
        from ._dask import get_client

        try:
            client, _ = get_client(args.scheduler, "--scheduler")
        except (ConnectionError, TypeError, ValueError, ImportError) as exc:
            raise CLIError(str(exc)) from None
        options["scheduler"] = client
    try:
        report = build_report(out, quick=args.quick, sections=[gallery_section(name, **options)],
                              show_progress=not args.quiet)
    finally:
        if client is not None:
            client.close()
    return _summarise(report)


def _cmd_fit(args):
    from ridgekit.splines.cli_support import CSVError, fit_csv, read_csv

    path = Path(args.data)
    if not path.is_file():
        raise CLIError(f"ridgekit fit: error: no such file: {path}")
    if not math.isfinite(args.lam) or args.lam < 0:
        raise CLIError(f"ridgekit fit: error: --lam must be finite and >= 0, got {args.lam}")
    out = Path(args.output)
    _check_output(out, (".npz", ".json"))
    if not args.no_plot and importlib.util.find_spec("matplotlib") is None:
        raise CLIError('ridgekit fit: error: the plot needs matplotlib (pip install "ridgekit[report]"), '
                       "or pass --no-plot")
    try:
        read_csv(path)           # every format error before the fit
        res = fit_csv(str(path), args.lam, str(out), plot=not args.no_plot)
    except CSVError as exc:
        raise CLIError(f"ridgekit fit: error: {exc}") from None
    except NotImplementedError as exc:
        raise CLIError(f"ridgekit fit: error: {exc}") from None
    print(f"wrote {out} (the fitted network; ridgekit norm {out} prints its norms)")
    if res.get("plot"):
        print(f"wrote {res['plot']} (plot of the fit)")
    return 0


def _cmd_norm(args):
    from ridgekit.nets import ShallowNetwork
    from ridgekit.radon.norms import Ball

    path = Path(args.model)
    if not path.is_file():
        raise CLIError(f"ridgekit norm: error: no such file: {path}")
    if path.suffix not in (".npz", ".json"):
        raise CLIError(f"ridgekit norm: error: MODEL must be a .npz or .json file, got {path.name}")
    import zipfile

    if path.stat().st_size == 0:
        raise CLIError(f"ridgekit norm: error: {path} is empty, not a saved network")
    if path.suffix == ".npz":   # check the archive here: numpy leaves a truncated one open
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise CLIError(f"ridgekit norm: error: {path} is not a saved ShallowNetwork "
                           f"(not a readable .npz archive: {exc})") from None
        if bad is not None:
            raise CLIError(f"ridgekit norm: error: {path} is not a saved ShallowNetwork (corrupt member {bad})")
    try:
        net = ShallowNetwork.load(path)
    except (OSError, KeyError, ValueError, TypeError, EOFError, AttributeError, IndexError,
            zipfile.BadZipFile) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CLIError(f"ridgekit norm: error: {path} is not a saved ShallowNetwork "
                       f"({type(exc).__name__}: {why[:120]})") from None
    act = type(net.activation).__name__
    rows = [("neurons", net.n_neurons), ("activation", act)]
    candidates = [("path norm  Σ|v|‖w‖", net.path_norm),
                  ("weight decay  ½Σ(‖v‖² + ‖w‖²)", net.weight_decay),
                  ("min over rescalings of weight decay", lambda: net.rebalance()[1]),
                  ("Radon-domain TV (R-norm)", net.rtv_seminorm),
                  ("vector-valued variation  Σ‖v‖₂‖(w, b)‖", net.vv_norm),
                  ("k-plane norm  Σ|v| (distinct planes)", net.kplane_norm)]
    if args.ball is not None:
        ball = Ball(args.ball)
        candidates += [(f"R-norm on the ball of radius {args.ball:g}", lambda: net.rtv_seminorm(domain=ball)),
                       (f"weighted variation, g = (1−|t|)₊^(d+2), ball {args.ball:g}",
                        lambda: net.weighted_variation("stable", domain=ball))]
    for name, func in candidates:
        try:
            rows.append((name, func()))
        except (ValueError, TypeError, NotImplementedError) as exc:
            rows.append((name, f"n/a ({str(exc).splitlines()[0][:60]})"))
    w = max(len(r[0]) for r in rows)
    print(f"{path.name}: d = {net.input_dim}, outputs D = {net.output_dim}")
    for name, val in rows:
        print(f"  {name:<{w}}  {val:.10g}" if isinstance(val, float) else f"  {name:<{w}}  {val}")
    return 0


#: modules with a ``checks()`` function returning rows (name, result, description, passed)
VERIFY_MODULES = ("ridgekit.kplane.symbolic", "ridgekit.radon.symbolic_norms",
                  "ridgekit.nets.random_symbolic", "ridgekit.nets.random_relu", "ridgekit.splines.rates_symbolic")


def _cmd_verify(args):
    import importlib

    from .progress import status

    w = 44
    n_rows = n_fail = 0
    header = False
    for mod_name in VERIFY_MODULES:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError as exc:
            if getattr(exc, "name", None) == mod_name:
                continue  # not part of this installation
            raise
        if not hasattr(mod, "checks"):
            continue
        status(f"verify: running the symbolic checks of {mod_name}")
        for r in mod.checks():
            if not header:
                print(f"{'module':<30}  {'name':<{w}}  {'passed':<6}  {'result':<12}  description", flush=True)
                header = True
            ok = bool(r.passed)
            n_rows += 1
            n_fail += not ok
            if args.quiet and ok:
                continue
            res = str(r.result)
            res = res if len(res) <= 12 else res[:11] + "…"
            name = str(r.name)
            name = name if len(name) <= w else name[:w - 1] + "…"
            print(f"{mod_name:<30}  {name:<{w}}  {'yes' if ok else 'NO':<6}  {res:<12}  {r.description}",
                  flush=True)
    if not n_rows:
        print("ridgekit verify: no symbolic checks are available in this installation", file=sys.stderr)
        return 2
    print(f"{n_rows - n_fail} of {n_rows} symbolic checks passed")
    return 1 if n_fail else 0


_COMMANDS = {"demo": _cmd_demo, "radon": _cmd_radon, "iradon": _cmd_iradon, "reproduce": _cmd_reproduce,
             "fit": _cmd_fit, "norm": _cmd_norm, "verify": _cmd_verify}


def main(argv=None) -> int:
    """Run ``ridgekit`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> main(["radon"])
    2
    """
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            raise CLIError("ridgekit: error: choose a command: demo, reproduce, radon, iradon, fit, norm or verify "
                           "(ridgekit --help)")
        from .progress import activate

        with activate(not getattr(args, "quiet", False)):
            return _COMMANDS[args.command](args)
    except CLIError as exc:
        msg = str(exc)
        if not msg.startswith("ridgekit"):
            msg = f"ridgekit {getattr(args, 'command', '')}: error: {msg}"
        print(msg.replace("\n", " "), file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:  # invalid data rejected by the library
        print(f"ridgekit {args.command}: error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except MemoryError:
        print(f"ridgekit {args.command}: error: out of memory (try smaller sizes)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ridgekit {getattr(args, 'command', '')}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
