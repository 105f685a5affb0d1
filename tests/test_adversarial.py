"""The hostile corpus (tests/adversarial.py) runs clean: every case handled, no store written."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_the_hostile_corpus_is_handled() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "adversarial.py")], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].endswith(" cases handled, 0 failed")
