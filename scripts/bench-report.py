#!/usr/bin/env python3
"""The two steps of scripts/bench-report after the benches have run.

collect RAW --load-start S --load-end S --wall SECONDS
    Reads the benches' JSON lines (RAW, written through BENCH_RESULTS), adds what the
    machine is (CPU, flags, our kernel, the baselines' versions and kernels, load) and
    writes docs/perf/results-<cpu>.json; prints its path.
render RESULTS [--compare OTHER]
    From one results file: docs/perf/ratios.svg (ours / baseline by config),
    docs/perf/mbs.svg (both sides' MB/s) and the block of docs/performance.md between
    its results markers (the tables). With --compare, the tables also give each
    row's ratio in OTHER (another run's results file) and, per baseline, the largest
    difference between the two runs' ratios; the figures and plots stay RESULTS'.
    Nothing else of the page is touched, and the SVGs carry no date and a fixed hash
    salt, so a re-render of the same files changes nothing.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERF = os.path.join(ROOT, "docs", "perf")
PAGE = os.path.join(ROOT, "docs", "performance.md")
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

# What each config is (docs/BENCH.md); rows outside BENCH.md say so.
CONFIGS = {
    "A": "GF(2^8) 10+4, 1 MiB blocks, encode all 4 checks, cold",
    "A-hot": "GF(2^8) 10+4, 1 MiB, encode all 4 checks, hot",
    "B": "GF(2^8) 10+4, 64 KiB, encode all 4 checks, hot",
    "C": "GF(2^8) 32+8, 64 KiB, encode all 8 checks, hot",
    "D": "GF(2^8) 200+55, 16 KiB, encode all 55 checks, hot",
    "D-dec": "D, decode 55 lost data blocks (0–54) *",
    "E": "GF(2^8) 10+4, 1 MiB, decode data 1, 3, 5, 7 from checks 10–13, cold",
    "F": "GF(2^16) 1000+500, 64 KiB, encode all 500 checks, hot",
    "F-dec": "F, decode 500 lost data blocks (0–499)",
    "F-dec-scattered": "F, decode 500 lost data blocks, scattered (seeded draw) *",
    "G": "GF(2^16) 32768+32767, 2 B blocks, encode all checks",
    "G-dec": "G, `Code::new` + setup + decode of 16384 lost (0–16383)",
    "G-dec-scattered": "G-dec, 16384 lost scattered (seeded draw) *",
    "H": "GF(2^8) 32+32, 64 KiB, encode all 32 checks, hot",
    "H-dec": "H, decode 32 lost data blocks *",
    "P-idx": "GF(2^8) 10+4, 1 MiB, one encode call per check, cold",
}
# Rows of each baseline's table and plot panel, in order.
PANELS = [
    ("ISA-L", "isal", ["A", "A-hot", "B", "C", "D", "E", "P-idx"]),
    ("reed-solomon-simd", "large",
     ["D", "D-dec", "F", "F-dec", "F-dec-scattered", "H", "H-dec", "G", "G-dec",
      "G-dec-scattered"]),
    ("zfec", "python", ["A", "A-hot", "B", "C", "D", "E"]),
]
ZEN = {(23, 1): "Zen 1", (25, 17): "Zen 4"}  # the project's machines


def sh(*cmd):
    """A command's stdout, stripped, or None if it cannot run."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpuinfo():
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    family, model = int(fields.get("cpu family", 0)), int(fields.get("model", 0))
    return {
        "model_name": fields.get("model name", "unknown"),
        "vendor": fields.get("vendor_id"),
        "family": family,
        "model": model,
        "microarchitecture": ZEN.get((family, model)) if "AMD" in fields.get("vendor_id", "")
        else None,
        "flags": sorted(flags & {"ssse3", "avx2", "avx512f", "avx512bw", "avx512vl",
                                 "avx512vbmi", "gfni", "vaes", "vpclmulqdq"}),
        "cpus": os.cpu_count(),
    }


def isal_info(dispatch):
    lib = None
    for line in (sh("ldconfig", "-p") or "").splitlines():
        if "libisal.so.2 " in line and "x86-64" in line:
            lib = line.split("=>")[-1].strip()
    gfni = None
    if lib and shutil.which("objdump"):
        asm = sh("objdump", "-d", lib) or ""
        gfni = len(re.findall(r"\bgf2p8affine", asm))
    return {
        "package": "libisal2 " + (sh("dpkg-query", "-W", "-f=${Version}", "libisal2") or "?"),
        "library": lib,
        "gfni_instructions": gfni,
        "dispatch": dispatch or None,
    }


def crate_version(name):
    with open(os.path.join(ROOT, "Cargo.lock")) as f:
        m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), f.read())
    return m and m.group(1)


def pypi_version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def collect(args):
    with open(args.raw) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    cpu = cpuinfo()
    ours = next((r["ours_kernel"] for r in rows if r["bench"] == "isal" and r["config"] == "A"),
                None)
    results = {
        "command": "bash scripts/bench-report",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "commit": sh("git", "-C", ROOT, "describe", "--always", "--dirty"),
        "wall_seconds": args.wall,
        "load": {"start": args.load_start, "end": args.load_end},
        "machine": dict(cpu, linux=platform.release()),
        "ours": {"kernel": ours, "kernel_env": os.environ.get("ALGORITHM_FEC_KERNEL"),
                 "rustc": sh("rustc", "--version")},
        "isal": isal_info(args.isal_dispatch),
        "reed_solomon_simd": {
            "version": crate_version("reed-solomon-simd"),
            "engine": next((r["base_kernel"] for r in rows if r["bench"] == "large"), None)},
        "python": {"version": platform.python_version(), "zfec": pypi_version("zfec"),
                   "reedsolo": pypi_version("reedsolo")},
        "rows": rows,
    }
    slug = re.sub(r"[^a-z0-9]+", "-", cpu["model_name"].lower()).strip("-")
    path = os.path.join(PERF, "results-%s-%d-%d.json" % (slug, cpu["family"], cpu["model"]))
    os.makedirs(PERF, exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print(os.path.relpath(path, ROOT))


def find(rows, bench, config, baseline=None, variant="default"):
    for r in rows:
        if (r["bench"] == bench and r["config"] == config
                and (baseline is None or r["baseline"].startswith(baseline))
                and r.get("variant", "default") == variant):
            return r
    return None


def same_row(rows, r):
    """The row of another run that is `r` (same bench, row, baseline and variant)."""
    for o in rows:
        if all(o.get(f) == r.get(f) for f in ("bench", "row", "baseline", "variant")):
            return o
    return None


def spread(r, other):
    """How far another run's ratio is from `r`'s, as a fraction of `r`'s."""
    o = other and same_row(other["rows"], r)
    return abs(o["ratio"] / r["ratio"] - 1) if o and o.get("ratio") else None


# Rows whose ratio in another run is further than this (a fraction) are named.
FAR = 0.15


def timings(rows):
    """What the rows' `timing` fields say: one sentence per way of timing, naming the
    benches timed that way."""
    ways = {}
    for bench, what in (("isal", "against ISA-L"),
                        ("large", "against reed-solomon-simd"),
                        ("python", "Python")):
        ts = [r["timing"] for r in rows if r["bench"] == bench and "timing" in r]
        if not ts:
            continue
        walls = any(t["clock"] == "wall time" for t in ts)
        # The 2-thread rows' wall time is said apart.
        clocks = sorted({t["clock"] for t in ts} - {"wall time"}) or ["wall time"]
        turn = all(t["alternating"] for t in ts)
        ts = [t for t in ts if t["alternating"]] or ts
        if ts[0]["statistic"] == "best batch":
            how = ("each side's best of %d batches of about 30 ms (%d for calls over "
                   "0.3 s)" % (ts[0]["rounds"], ts[0]["rounds_over_0_3_s"]))
        else:
            how = ("batches of calls of about 30 ms, %d rounds, the median of each "
                   "side's calls" % ts[0]["rounds"])
        way = "the sides taken in turn, %s, on %s" % (how, " or ".join(clocks))
        if walls and clocks != ["wall time"]:
            what += " (its 2-thread rows on wall time)"
        if not turn:
            what += " (its RS rows one side after the other)"
        ways.setdefault(way, []).append(what)
    return ["%s: %s" % (", ".join(whats), way) for way, whats in ways.items()]


def panels(res):
    """(baseline, [(config, row)]) for each panel, rows that ran only."""
    out = []
    for name, bench, configs in PANELS:
        rows = [(c, find(res["rows"], bench, c, name)) for c in configs]
        out.append((name, [(c, r) for c, r in rows if r and r.get("base_mbs")]))
    return out


def mbs(x):
    """MB/s with as many digits as it needs."""
    return "%.0f" % x if x >= 100 else "%.3g" % x


def speed(r, config):
    """A side's figure as the table shows it: ms for G's 2-byte blocks, else MB/s."""
    if config.startswith("G"):
        return lambda side: "%.1f ms" % (r[side + "_s"] * 1e3)
    return lambda side: mbs(r[side + "_mbs"])


def plot(res):
    import matplotlib
    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"svg.hashsalt": "algorithm-fec", "svg.fonttype": "none",
                         "font.size": 9})
    groups = panels(res)
    m = res["machine"]
    title = "%s (family %d, model %d), one thread, one run" % (
        m["model_name"], m["family"], m["model"])
    made = []

    def bars(ax, rows, label):
        for i, (c, r) in enumerate(rows):
            dec = "dec" in c or c == "E"
            # From the 1.0 line, up where ours is faster, down where it is slower.
            ax.bar(i, r["ratio"] - 1, bottom=1, color="#c0504d" if dec else "#4f81bd",
                   hatch="//" if CONFIGS.get(c, "").endswith("*") else None,
                   edgecolor="white")
            up = r["ratio"] >= 1
            ax.annotate("%.2f" % r["ratio"] if r["ratio"] < 10 else "%.0f" % r["ratio"],
                        (i, r["ratio"]), ha="center", va="bottom" if up else "top",
                        fontsize=7, xytext=(0, 1 if up else -1), textcoords="offset points")
        ax.set_xticks(range(len(rows)), [c for c, _ in rows], rotation=60, ha="right")
        ax.set_title("against " + label)
        ax.axhline(1.0, color="black", linewidth=0.8)

    widths = [max(len(rows), 1) for _, rows in groups]
    fig, axes = plt.subplots(1, len(groups), figsize=(11, 4.2), sharey=True,
                             gridspec_kw={"width_ratios": widths})
    for ax, (name, rows) in zip(axes, groups):
        bars(ax, rows, name)
    axes[0].set_yscale("log")
    axes[0].set_ylim(0.2, 200)
    axes[0].set_yticks([0.25, 0.5, 1, 2, 5, 10, 20, 50, 100],
                       ["0.25×", "0.5×", "1×", "2×", "5×", "10×", "20×", "50×", "100×"])
    axes[0].set_ylabel("ours / baseline (speed; > 1: ours faster)")
    fig.suptitle("algorithm-fec against each baseline by config — " + title)
    fig.text(0.99, 0.01, "blue: encode, red: decode, hatched: not a BENCH.md row",
             ha="right", fontsize=7)
    fig.tight_layout()
    made.append(save(fig, "ratios.svg"))
    plt.close(fig)

    fig, axes = plt.subplots(1, len(groups), figsize=(11, 4.2), sharey=True,
                             gridspec_kw={"width_ratios": widths})
    for ax, (name, rows) in zip(axes, groups):
        xs = range(len(rows))
        ax.bar([x - 0.2 for x in xs], [r["ours_mbs"] for _, r in rows], 0.4,
               label="algorithm-fec", color="#4f81bd")
        ax.bar([x + 0.2 for x in xs], [r["base_mbs"] for _, r in rows], 0.4,
               label=name, color="#9bbb59")
        ax.set_xticks(list(xs), [c for c, _ in rows], rotation=60, ha="right")
        ax.set_title("against " + name)
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("MB/s of input data (10^6 B/s)")
    fig.suptitle("Throughput of both sides — " + title + " (absolute figures move with load)")
    fig.tight_layout()
    made.append(save(fig, "mbs.svg"))
    plt.close(fig)
    return made


def save(fig, name):
    path = os.path.join(PERF, name)
    fig.savefig(path, format="svg", metadata={"Date": None})
    return os.path.relpath(path, ROOT)


def table(res, other=None):
    m, isal, rss, py = res["machine"], res["isal"], res["reed_solomon_simd"], res["python"]
    rows = res["rows"]
    arch = " (%s)" % m["microarchitecture"] if m.get("microarchitecture") else ""
    rel = os.path.relpath(res["_path"], os.path.dirname(PAGE))
    lines = [
        "<!-- Made by scripts/bench-report.py from %s; edit that script, not this block. -->"
        % rel,
        "",
        "- From one run of `%s`; its rows, machine and load: [%s](%s)." % (
            res["command"], rel, rel),
        "- CPU: %s, family %d model %d%s, %d logical CPUs; flags %s; Linux %s." % (
            m["model_name"], m["family"], m["model"], arch, m["cpus"],
            ", ".join(m["flags"]), m["linux"]),
        "- Load average (1, 5, 15 min) at the start %s, at the end %s; the benches took "
        "%d s." % (" / ".join(res["load"]["start"].split()[:3]),
                   " / ".join(res["load"]["end"].split()[:3]), res["wall_seconds"]),
        "- Ours: kernel `%s` (its run-time choice; the Python package's core chooses the "
        "same way), %s." % (res["ours"]["kernel"],
                            " ".join((res["ours"]["rustc"] or "rustc ?").split()[:2])),
    ]
    note = ""
    if isal.get("dispatch"):
        note += " Here it runs `%s` (the version gdb stopped in at its first call)." % (
            isal["dispatch"])
    if isal.get("gfni_instructions") == 0:
        note += " This build of the library holds no GFNI instruction."
    lines.append("- ISA-L: Debian's %s, `ec_encode_data` (it picks its code for the CPU)."
                 "%s" % (isal["package"], note))
    lines.append("- reed-solomon-simd %s, engine `%s` (its `DefaultEngine`'s documented "
                 "order: AVX2, SSSE3, none)." % (rss["version"], rss["engine"]))
    lines.append("- Python %s, zfec %s (PyPI wheel, portable C), reedsolo %s (pure "
                 "Python)." % (py["version"], py["zfec"], py["reedsolo"]))
    t = timings(rows)
    if t:
        lines.append("- Timing, " + "; ".join(t) + ".")
    if other:
        orel = os.path.relpath(other["_path"], os.path.dirname(PAGE))
        worst, far = [], []
        for name, prs in panels(res):
            d = [(spread(r, other), c) for c, r in prs]
            d = [(x, c) for x, c in d if x is not None]
            if d:
                worst.append("%s within %.0f %%" % (name, 100 * max(d)[0]))
                far += ["%s against %s (%.0f %%)" % (c, name, 100 * x) for x, c in d
                        if x > FAR]
        lines.append(
            "- Another run of the same command (%s, load %s at the start; its file: "
            "[%s](%s)) gave ratios, row by row, %s of these (its ratio is the last "
            "column)%s." % (
                other["date"], " / ".join(other["load"]["start"].split()[:3]), orel, orel,
                ", ".join(worst), "; more than %.0f %% apart: %s" % (100 * FAR, ", ".join(far))
                if far else ""))
    lines.append("")
    for name, prs in panels(res):
        lines.append("#### Against %s" % name)
        lines.append("")
        extra = name == "zfec"
        head = "| config | what | ours | %s | ours / %s |" % (name, name)
        rule = "|---|---|---:|---:|---:|"
        if extra:
            head += " same, malloc not trimmed |"
            rule += "---:|"
        if other:
            head += " other run |"
            rule += "---:|"
        lines += [head, rule]
        for c, r in prs:
            show = speed(r, c)
            line = "| %s | %s | %s | %s | **%.2f×** |" % (
                c, CONFIGS[c].rstrip(" *") + (" — not a BENCH.md row" if
                                              CONFIGS[c].endswith("*") else ""),
                show("ours"), show("base"), r["ratio"])
            if extra:
                nt = find(rows, "python", c, "zfec", "no-trim")
                line += " %.2f× |" % nt["ratio"] if nt else " – |"
            if other:
                line += other_ratio(r, other)
            lines.append(line)
        lines.append("")
    lines.append("#### Other rows of the same run")
    lines.append("")
    lines += ["| bench | row | ours MB/s | other side | its MB/s | ratio |"
              + (" other run |" if other else ""),
              "|---|---|---:|---|---:|---:|" + ("---:|" if other else "")]
    shown = {id(r) for _, prs in panels(res) for _, r in prs}
    for r in rows:
        if id(r) in shown or r.get("variant") == "no-trim":
            continue
        if not r.get("base_mbs"):
            continue
        side = r["baseline"]
        if r.get("base_kernel") not in (None, r.get("ours_kernel")) \
                and r["base_kernel"] not in r["baseline"]:
            side += " (`%s`)" % r["base_kernel"]
        lines.append("| %s | %s | %s | %s | %s | %.2f× |" % (
            r["bench"], r["row"], mbs(r["ours_mbs"]), side, mbs(r["base_mbs"]), r["ratio"])
            + (other_ratio(r, other) if other else ""))
    lines += ["", "![ours / baseline by config](perf/ratios.svg)", "",
              "![MB/s of both sides by config](perf/mbs.svg)"]
    return "\n".join(lines)


def other_ratio(r, other):
    """The table cell of another run's ratio for row `r`."""
    o = same_row(other["rows"], r)
    return " %.2f× |" % o["ratio"] if o and o.get("ratio") else " – |"


def load(path):
    with open(path) as f:
        res = json.load(f)
    res["_path"] = os.path.abspath(path)
    return res


def render(args):
    res = load(args.results)
    other = load(args.compare) if args.compare else None
    made = plot(res)
    with open(PAGE) as f:
        page = f.read()
    if page.count(BEGIN) != 1 or page.count(END) != 1:
        sys.exit("bench-report.py: %s needs one %s and one %s" % (PAGE, BEGIN, END))
    head, rest = page.split(BEGIN)
    _, tail = rest.split(END)
    with open(PAGE, "w") as f:
        f.write(head + BEGIN + "\n" + table(res, other) + "\n" + END + tail)
    print("wrote %s, %s" % (os.path.relpath(PAGE, ROOT), ", ".join(made)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("raw")
    c.add_argument("--load-start", required=True)
    c.add_argument("--load-end", required=True)
    c.add_argument("--wall", type=int, required=True)
    c.add_argument("--isal-dispatch", default="",
                   help="the version ec_encode_data ran (scripts/bench-report asks gdb)")
    r = sub.add_parser("render")
    r.add_argument("results")
    r.add_argument("--compare", help="another run's results file, for its ratios")
    args = p.parse_args()
    collect(args) if args.cmd == "collect" else render(args)


if __name__ == "__main__":
    main()
