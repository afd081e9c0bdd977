"""Summaries of `pip-audit --format json` and `npm audit --json` reports (used by scripts/audit).

    python -m sig.ops.audit pip-audit|npm REPORT.json

prints one line per vulnerable package and a count, and exits 0 (clean), 1 (vulnerable) or
2 (not audited: the advisory service did not answer, or packages could not be checked).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CLEAN, VULNERABLE, NOT_AUDITED = 0, 1, 2


def summarize_pip_audit(report: dict) -> tuple[list[str], int]:
    deps = report.get("dependencies", [])
    bad = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    lines = []
    for dep in bad:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "sem correção"
            lines.append(f"VULNERÁVEL {dep['name']} {dep['version']}: {vuln['id']} "
                         f"(corrigido em {fixes})")
    lines.append(f"{len(deps)} pacotes, {len(bad)} vulneráveis, {len(skipped)} não auditados")
    if skipped:
        names = ", ".join(d["name"] for d in skipped[:8]) + (" …" if len(skipped) > 8 else "")
        lines.append(f"não auditados: {names} ({skipped[0]['skip_reason']})")
    return lines, VULNERABLE if bad else NOT_AUDITED if skipped else CLEAN


def summarize_npm(report: dict) -> tuple[list[str], int]:
    if "error" in report or "statusCode" in report:
        error = report.get("error") or {}
        reason = error.get("summary") if isinstance(error, dict) else error
        return [f"não auditado: {reason or report.get('message', 'erro do serviço')}"], \
            NOT_AUDITED
    lines = [f"VULNERÁVEL {name} ({v.get('severity')}): {v.get('range')}"
             for name, v in sorted(report.get("vulnerabilities", {}).items())]
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    detail = ", ".join(f"{k} {n}" for k, n in counts.items() if k != "total" and n)
    lines.append(f"{counts.get('total', 0)} vulnerabilidades" + (f" ({detail})" if detail else ""))
    return lines, VULNERABLE if counts.get("total") else CLEAN


def summarize(kind: str, path: Path) -> tuple[list[str], int]:
    """Lines to print and the outcome of one report file."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["não auditado: o serviço de avisos não respondeu"], NOT_AUDITED
    return (summarize_pip_audit if kind == "pip-audit" else summarize_npm)(report)


def main(argv: list[str]) -> int:
    lines, outcome = summarize(argv[0], Path(argv[1]))
    print("\n".join(f"  {line}" for line in lines))
    return outcome


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
