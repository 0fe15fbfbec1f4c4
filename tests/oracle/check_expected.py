#!/usr/bin/env python3
"""Fail (exit 1, with a unified diff) when fixtures/oracle/expected.json is
stale, i.e. differs from what the oracle computes now.

    python tests/oracle/check_expected.py            # from the repository root

Equivalent to:
    python tests/oracle/harness.py fixtures/oracle --check fixtures/oracle/expected.json
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

if __name__ == "__main__":
    root = REPO / "fixtures" / "oracle"
    sys.exit(harness.main([str(root), "--check", str(root / "expected.json")] + sys.argv[1:]))
