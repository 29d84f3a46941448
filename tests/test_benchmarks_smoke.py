"""The benchmark still runs end to end (a smoke pass; its figures are printed, never asserted)."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_benchmark_smoke_run_completes_every_section(browser, tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["smoke"] is True
    assert results["cold"]["app_median_s"] > 0 and results["cold"]["reference_median_s"] > 0
    assert results["rerun"]["app_median_ms"] > 0
    for table in ("figure", "large"):
        per_page = results["pages"][table]
        assert set(per_page) == {"Overview", "Model profiles", "Findings", "Your data",
                                 "reference"}
        assert all(t > 0 for paths in per_page.values() for t in paths.values())
    assert {"long 10,000 rows", "per_item 10,000 rows"} <= set(results["ingest"])
    assert results["chart"]["300x40"]["points"] == 12_000
    assert results["sessions"]["bundled"]["per_session_mb"] is not None
    assert "×" in done.stdout  # ratios are printed


def test_harness_benchmark_runs_and_prints_its_ratios():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_harness.py"),
                           "--docs", "20", "--runs", "1"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "× floor" in done.stdout and "target < 2×" in done.stdout
