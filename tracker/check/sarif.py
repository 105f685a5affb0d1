"""A check's findings as SARIF 2.1.0, the format GitHub code scanning (and most CI tools) ingest.

One run, one result per finding. Locations are repository-relative URIs under `%SRCROOT%` (the
checkout root, where code scanning resolves them); `partialFingerprints` carry the finding's
line-independent fingerprint, so a result keeps its identity when later pushes move its code.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

from qroi.check.compare import CheckReport
from qroi.check.findings import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "qroiFingerprint/v1"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": rule.level},
    }


def sarif(report: CheckReport) -> dict[str, Any]:
    """The SARIF log of one check."""
    order = list(RULES)
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": order.index(f.rule),
            "level": RULES[f.rule].level,
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "endLine": max(f.end_line, f.line)},
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {"qroiLevel": f.level},
        }
        for f in report.findings
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "qroi",
                        "version": version("qroi"),
                        "rules": [_rule(r) for r in order],
                    }
                },
                "automationDetails": {"id": "qroi/check/"},
                "properties": {"base": report.base_sha, "head": report.head_sha},
                "results": results,
            }
        ],
    }


def sarif_text(report: CheckReport) -> str:
    return json.dumps(sarif(report), indent=2) + "\n"
