"""bin/screenshots exits with the screenshot command's status. Regression: its clean-up trap
waited for the killed server under `set -e`, so every run exited 143, even a clean one, and a
failing page could not be told from a passing run."""

import re
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bin" / "screenshots"


@pytest.mark.parametrize("status", [0, 1])
def test_the_cleanup_trap_keeps_the_commands_exit_status(status):
    [trap] = re.findall(r"^trap .*$", SCRIPT.read_text(), flags=re.MULTILINE)
    script = f"set -euo pipefail\nsleep 30 &\nserver=$!\n{trap}\nexit {status}\n"
    result = subprocess.run(["bash", "-c", script], timeout=20)
    assert result.returncode == status
