"""The environment state that the memoized export is fingerprinted with."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from python_udfs.export.provenance import environment_state, versions

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_environment_state_holds_the_manifest_s_versions_and_git_commit(tmp_path):
    state = json.loads(environment_state(PROJECT_ROOT))
    assert state["versions"] == versions()
    head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:  # a checkout; an unpacked archive has no commit
        assert state["git"]["commit"] == head.stdout.strip()
    # Outside any work tree the package's own checkout is asked, as the manifest does.
    assert json.loads(environment_state(tmp_path)) == state
