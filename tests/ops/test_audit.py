"""Summaries of pip-audit and npm audit reports (scripts/audit), on reports in their formats."""

from __future__ import annotations

import json

from sig.ops.audit import CLEAN, NOT_AUDITED, VULNERABLE, summarize

PIP_AUDIT = {"dependencies": [
    {"name": "django", "version": "4.2.0", "vulns": [
        {"id": "PYSEC-2023-100", "fix_versions": ["4.2.2"], "aliases": [], "description": ""}]},
    {"name": "pyyaml", "version": "6.0.3", "vulns": []},
], "fixes": []}

NPM = {"auditReportVersion": 2, "vulnerabilities": {
    "ol": {"name": "ol", "severity": "high", "range": "<9.1.0", "via": [], "fixAvailable": True}},
    "metadata": {"vulnerabilities": {"info": 0, "low": 0, "moderate": 0, "high": 1,
                                     "critical": 0, "total": 1}}}


def _write(tmp_path, data) -> object:
    path = tmp_path / "relatorio.json"
    path.write_text(json.dumps(data))
    return path


def test_vulnerable_python_package_is_named_with_its_fix(tmp_path):
    lines, outcome = summarize("pip-audit", _write(tmp_path, PIP_AUDIT))
    assert outcome == VULNERABLE
    assert "VULNERÁVEL django 4.2.0: PYSEC-2023-100 (corrigido em 4.2.2)" in lines
    assert "2 pacotes, 1 vulneráveis, 0 não auditados" in lines


def test_packages_that_could_not_be_checked_are_not_a_pass(tmp_path):
    report = {"dependencies": [{"name": "django", "version": "5.2.19",
                                "skip_reason": "Dependency not found on PyPI"}]}
    lines, outcome = summarize("pip-audit", _write(tmp_path, report))
    assert outcome == NOT_AUDITED and "não auditados: django" in lines[-1]


def test_npm_reports(tmp_path):
    lines, outcome = summarize("npm", _write(tmp_path, NPM))
    assert outcome == VULNERABLE and "VULNERÁVEL ol (high): <9.1.0" in lines
    clean = {"vulnerabilities": {}, "metadata": {"vulnerabilities": {"total": 0}}}
    assert summarize("npm", _write(tmp_path, clean))[1] == CLEAN
    refused = {"message": "405 Method Not Allowed", "statusCode": 405}
    lines, outcome = summarize("npm", _write(tmp_path, refused))
    assert outcome == NOT_AUDITED and "405" in lines[0]


def test_missing_report_is_not_audited(tmp_path):
    assert summarize("npm", tmp_path / "nada.json")[1] == NOT_AUDITED


