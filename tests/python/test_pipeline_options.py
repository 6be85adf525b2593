"""Options of the main job: invalid variables stop it with exit code 2 and a
message naming the value, and a failed run leaves no half-built file."""

from __future__ import annotations

import subprocess
import sys

from warehouse_builds import PIPELINE, REPO_ROOT

CASE_INPUT = REPO_ROOT / "tests" / "cases" / "weekly_plan" / "input"


def run_job(tmp_path, *options: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, str(PIPELINE),
        "--data", str(CASE_INPUT),
        "--warehouse", str(tmp_path / "warehouse.duckdb"),
        "--output-dir", str(tmp_path / "output"),
        "--as-of", "2026-12-31",
        "--skip", "validate", "--skip", "quotas", "--skip", "report",
        *options,
    ]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_unknown_variable_rejected(tmp_path):
    completed = run_job(tmp_path, "--var", "churn_recogniton=cancellation")
    assert completed.returncode == 2
    assert "unknown variable 'churn_recogniton'" in completed.stderr
    assert "churn_recognition" in completed.stderr


def test_invalid_variable_values_rejected(tmp_path):
    completed = run_job(
        tmp_path, "--var", "refund_handling=subtract", "--var", "past_due_churn_days=abc"
    )
    assert completed.returncode == 2
    assert "refund_handling='subtract': use ignore or deduct" in completed.stderr
    assert "past_due_churn_days='abc'" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


def test_failed_run_leaves_no_building_file(tmp_path):
    completed = run_job(tmp_path, "--var", "base_currency=usd")
    assert completed.returncode == 2
    assert "base_currency='usd'" in completed.stderr
    assert sorted(path.name for path in tmp_path.glob("warehouse.duckdb*")) == []


def test_all_lines_rejected_still_reports_quarantine(tmp_path):
    completed = run_job(tmp_path, "--var", "base_currency=EUR")
    assert completed.returncode == 0, completed.stderr
    assert "No paying customer in any complete month" in completed.stdout
    assert "missing_exchange_rate" in completed.stdout
