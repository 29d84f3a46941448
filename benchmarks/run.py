"""Delta Explorer's benchmarks: every figure beside a reference measured in the same run.

    python3 dev.py bench            full run (about 10 minutes on 2 cores)
    python3 dev.py bench --smoke    one quick pass of every section (what CI runs)
    python3 dev.py bench --only cold,rerun,pages,ingest,chart,sessions

Prints a table per section and writes benchmarks/results/latest.json. Not a timed test: the
targets are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import sections  # noqa: E402
from benchmarks.harness import ROOT  # noqa: E402

SECTIONS = {
    "cold": sections.cold_start,
    "rerun": sections.rerun,
    "pages": sections.pages,
    "ingest": sections.ingest,
    "chart": sections.chart_scale,
    "sessions": sections.sessions,
}


def machine() -> dict[str, object]:
    import os

    return {"python": platform.python_version(), "cores": os.cpu_count(),
            "platform": platform.platform(), "when": time.strftime("%Y-%m-%d %H:%M")}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="one quick pass of every section")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--runs", type=int, default=5, help="repetitions per figure (median)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    runs = 1 if args.smoke else max(1, args.runs)
    results: dict[str, object] = {"machine": machine(), "smoke": args.smoke, "runs": runs}
    print(f"Delta Explorer benchmarks ({'smoke' if args.smoke else f'median of {runs}'}) on "
          f"{results['machine']['cores']} cores, Python {results['machine']['python']}")
    for name in chosen:
        print(f"\n== {name} ==", flush=True)
        results[name] = SECTIONS[name](runs=runs, smoke=args.smoke)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
