"""Run every ``benchmarks/bench_*.py`` and write the results table (``make bench``).

Each benchmark module has ``run(repeat) -> list[dict]`` (rows made by ``timing.row``). Rows of
one benchmark case are compared with the torch row of the same case, measured in the same
process, so the ratio does not depend on how fast this machine happens to be.

Writes ``benchmarks/results/bench.json``, ``bench.md`` (a Markdown table) and ``bench.svg``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from file_module import load_module

HERE = Path(__file__).resolve().parent


def machine() -> dict:
    import numpy as np

    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = "not installed"
    return info


def with_ratios(rows: list[dict]) -> list[dict]:
    """Add ``vs_torch`` = seconds / torch seconds for the same benchmark and case."""
    torch_time = {(r["benchmark"], r["case"]): r["seconds"] for r in rows if r["impl"] == "torch"}
    for r in rows:
        ref = torch_time.get((r["benchmark"], r["case"]))
        r["vs_torch"] = r["seconds"] / ref if ref else None
    return rows


def markdown(rows: list[dict], info: dict) -> str:
    lines = [
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "",
        "| benchmark | case | implementation | time (ms) | × torch | note |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['vs_torch']:.2f}" if r.get("vs_torch") else ""
        note = r.get("note", "")
        lines.append(
            f"| {r['benchmark']} | {r['case']} | {r['impl']} | {1e3 * r['seconds']:.2f} "
            f"| {ratio} | {note} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [r for r in rows if r.get("vs_torch") and r["impl"] == "nnbook"]
    if not ratios:
        return
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(ratios) + 1.2))
    labels = [f"{r['benchmark']}: {r['case']}" for r in ratios]
    ax.barh(labels, [r["vs_torch"] for r in ratios], color="#4477aa")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xlabel("time relative to PyTorch CPU (lower is faster)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed runs per case at least; fast cases run until 0.2 s (the best is kept)",
    )
    parser.add_argument("--only", default="", help="run only bench_<ONLY>.py")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    rows: list[dict] = []
    for path in sorted(HERE.glob(f"bench_{args.only}*.py")):
        print(f"running {path.name} ...", flush=True)
        rows.extend(load_module(path).run(args.repeat))
    rows = with_ratios(rows)
    info = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    table = markdown(rows, info)
    (args.out / "bench.md").write_text(table)
    plot(rows, args.out / "bench.svg")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
