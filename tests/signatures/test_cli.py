"""``hsdt verify`` through a real subprocess: the JSON contract, order and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hsdt.signatures.cli import exit_status
from hsdt.signatures.verdict import FILE_KEYS, SIGNATURE_KEYS, FileVerdict, SignatureVerdict, contract_errors
from tests.signatures.conftest import Corpus

RUNNER = "from hsdt.signatures.cli import run_verify; import sys; sys.exit(run_verify(sys.argv[1:]))"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SIG = SignatureVerdict(
    field="ChuKy", signer="A", organization=None, uid=None, kind="personal", signing_time="2024-10-01T08:00:00+07:00",
    time_source="signer", intact=True, trusted=True, cert_valid_at_signing=True, covers_whole_file=True,
    modified_after_signing=False, in_period=True,
)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    # One worker: each run pays pyHanko's import once, not twice.
    return subprocess.run(
        [sys.executable, "-c", RUNNER, "--workers", "1", *map(str, args)],
        capture_output=True, text=True, timeout=120, env=env, cwd=PROJECT_ROOT,
    )


def test_json_array_in_given_order(corpus: Corpus) -> None:
    names = ["unsigned", "person_and_seal", "not_pdf", "modified", "valid", "empty", "untrusted_root"]
    result = run_cli("--json", "--trust-dir", corpus.pki.trust_dir, *(corpus[n] for n in names))
    assert result.returncode == 1, result.stderr  # some files are not valid
    verdicts = json.loads(result.stdout)
    assert isinstance(verdicts, list)
    assert [v["file"] for v in verdicts] == [str(corpus[n]) for n in names]
    assert [v["status"] for v in verdicts] == [
        "unsigned", "valid", "error", "invalid", "valid", "error", "indeterminate",
    ]
    for v in verdicts:
        assert contract_errors(v) == []
        assert list(v) == list(FILE_KEYS)
        for s in v["signatures"]:
            assert list(s) == list(SIGNATURE_KEYS)
    assert "Nguyễn Thị Hồng Nhung" in result.stdout  # ensure_ascii=False keeps the diacritics


def test_text_output_and_period_option(corpus: Corpus) -> None:
    result = run_cli("--trust-dir", corpus.pki.trust_dir, "--period", "2025-01-01:2025-12-31", corpus["valid"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("✅ Hợp lệ")
    assert "Ký ngoài thời điểm kiểm tra lưu hồ sơ (01/01/2025–31/12/2025)" in result.stdout


def test_exit_status_says_whether_every_file_is_valid(corpus: Corpus, tmp_path: Path) -> None:
    trust = ("--trust-dir", corpus.pki.trust_dir)
    assert run_cli(*trust, corpus["valid"], corpus["person_and_seal"]).returncode == 0
    not_valid = ("unsigned", "untrusted_root", "modified", "not_pdf")
    assert run_cli(*trust, corpus["valid"], *(corpus[n] for n in not_valid)).returncode == 1
    missing = run_cli(*trust, corpus["valid"], tmp_path / "khong-co.pdf")
    assert missing.returncode == 2 and "Không đọc được tệp" in missing.stdout
    assert "Exit status: 0 all files valid" in run_cli("--help").stdout
    # Each kind of "not valid" alone is enough (the exit status is computed from the verdicts).
    valid = FileVerdict(file="a.pdf", sha256="00", status="valid", signatures=(SIG,))
    for status in ("invalid", "indeterminate", "unsigned", "error"):
        other = FileVerdict(
            file="b.pdf", sha256="00", status=status,
            signatures=() if status in ("unsigned", "error") else (SIG,),
            error="corrupt" if status == "error" else None,
        )
        assert exit_status([valid]) == 0 and exit_status([valid, other]) == 1, status


def test_offline_mode_checks_no_status_and_says_so(corpus: Corpus, tmp_path: Path) -> None:
    hits = len(corpus.pki.revocation.hits)
    result = run_cli("--offline", "--trust-dir", corpus.pki.trust_dir, corpus["valid"])
    assert result.returncode == 1, result.stderr  # not "valid": the certificate's status is unknown
    assert result.stdout.startswith("⚠️ Chưa xác định")
    assert "chữ ký số đúng, văn bản không bị sửa sau khi ký; chưa kiểm tra được trạng thái tạm dừng" in result.stdout
    assert len(corpus.pki.revocation.hits) == hits
    # Online (the default), with answers kept on disk for the next run.
    cache = tmp_path / "revocation"
    online = run_cli("--trust-dir", corpus.pki.trust_dir, "--cache-dir", cache, corpus["valid"])
    assert online.returncode == 0 and list(cache.glob("ocsp-*.der"))


def test_usage_errors_exit_2(corpus: Corpus) -> None:
    assert run_cli("--json").returncode == 2
    assert run_cli("--period", "2024-13-01:2024-12-31", corpus["valid"]).returncode == 2
    assert run_cli("--no-such-flag", corpus["valid"]).returncode == 2
