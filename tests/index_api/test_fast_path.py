"""The WSGI fast path answers exactly as Flask does (bench/check_identical.py, sampled)."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_fast_path_and_access_logger_answer_like_flask_and_gunicorn(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import check_identical

    monkeypatch.setattr(check_identical, "SAMPLE_PER_VARIANT", 250)
    assert check_identical.main() == 0
    sys.modules.pop("check_identical", None)
