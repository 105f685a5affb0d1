"""The claim test's headline: "does quality pay here?" in one plain sentence, computed once and cached.

The full claim test with bootstrap intervals takes half a minute on a real history; a manager
landing on the dashboard should not wait for it. The headline runs the default hypotheses on bug
fixes with the quick (cluster-robust Wald) intervals, at the end of `qroi ingest`, and stores the
result with the date and the store content it rests on. A cached headline is used only while the
repository has the same commits and HEAD; otherwise it is stale and computed again when asked.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, delete
from sqlmodel import col

from qroi.analysis import claim as claims
from qroi.core import roles
from qroi.core.errors import QroiError
from qroi.read import headline_cache
from qroi.store import models
from qroi.store.database import repo_id, transaction

OUTCOME = "defects"
WINDOW = "6M"
SESOI = 1.1
PLAIN = {
    "yes": "Yes: here, files of worse quality get more bug fixes, even compared with files of the same "
    "size that change as often.",
    "opposite": "No, the opposite: here, files of worse quality get fewer bug fixes than files of the same "
    "size that change as often.",
    "no": "No difference that matters: files of worse quality get about as many bug fixes as files of "
    "the same size that change as often.",
    "unclear": "Not proven: this history cannot tell whether files of worse quality get more bug fixes "
    "than files of the same size that change as often.",
    "cannot": "Not testable yet: this history is too short or too small for the test.",
}


@dataclass(frozen=True)
class Finding:
    """One hypothesis (a quality metric against bug fixes), with the statistics behind its verdict."""

    name: str
    label: str
    verdict: str
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_holm: float | None
    n_rows: int
    n_units: int
    explanation: str

    @property
    def plain(self) -> str:
        """The finding in words a manager reads: a percentage, and the range it plausibly lies in."""
        if self.ratio is None or self.ci_low is None or self.ci_high is None:
            return f"{self.label}: could not be estimated."

        def pct(r: float) -> str:
            change = (r - 1) * 100
            return f"{abs(change):.0f}% {'more' if change >= 0 else 'fewer'}"

        return (
            f"a file one typical step worse in {self.label} had {pct(self.ratio)} bug fixes "
            f"(plausibly anywhere from {pct(self.ci_low)} to {pct(self.ci_high)})"
        )


@dataclass(frozen=True)
class Headline:
    """The verdict in one word (`yes`, `opposite`, `no`, `unclear`, `cannot`), its sentence and findings."""

    repo: str
    answer: str
    computed_ts: int
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None
    window: str = WINDOW
    method: str = "negative binomial or Poisson rate model, cluster-robust Wald intervals (quick)"

    @property
    def sentence(self) -> str:
        return PLAIN[self.answer]

    @property
    def computed(self) -> str:
        return f"{datetime.fromtimestamp(self.computed_ts, UTC):%d %b %Y %H:%M} UTC"

    @property
    def clearest(self) -> Finding | None:
        """The finding with the strongest evidence (smallest corrected p-value)."""
        known = [f for f in self.findings if f.ratio is not None and f.p_holm is not None]
        return min(known, key=lambda f: (f.p_holm, f.name)) if known else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Headline:
        raw = json.loads(text)
        raw["findings"] = [Finding(**f) for f in raw.get("findings", [])]
        return cls(**raw)


def _answer(verdicts: list[str]) -> str:
    """One answer for the family: any support wins; contradiction only without support; all equivalent is no."""
    if "Supported" in verdicts:
        return "yes"
    if "Contradicted" in verdicts:
        return "opposite"
    if verdicts and all(v == "No effect (equivalent)" for v in verdicts):
        return "no"
    return "unclear"


def compute(engine: Engine, repo: str) -> Headline:
    """Run the default hypotheses on bug fixes (product files, 6-month windows, quick intervals)."""
    now = int(time.time())
    try:
        result = claims.claim_test(
            engine, [repo], None, [OUTCOME], WINDOW, SESOI, 0, kept=frozenset({roles.PRODUCT})
        )
    except QroiError as exc:
        return Headline(repo, "cannot", now, problem=str(exc))
    findings = []
    for h in result.report.hypotheses:
        adj = h.adjusted if h.ok else None
        quality = h.spec.quality
        findings.append(
            Finding(
                name=h.name,
                label=claims.QUALITY[quality].label if quality in claims.QUALITY else quality,
                verdict=h.verdict or h.status,
                ratio=adj.ratio if adj else None,
                ci_low=adj.ci_low if adj else None,
                ci_high=adj.ci_high if adj else None,
                p_holm=h.p_holm if adj else None,
                n_rows=int(h.n_rows or 0),
                n_units=int(h.n_units or 0),
                explanation=h.explanation or h.reason or "",
            )
        )
    return Headline(repo, _answer([f.verdict for f in findings]), now, findings)


def save(engine: Engine, headline: Headline) -> None:
    """Store the headline with the content it was computed on (replacing the previous one)."""
    rid = repo_id(engine, headline.repo)
    with transaction(engine) as conn:
        commits, head = headline_cache.content(conn, rid)
        conn.execute(delete(models.Headline).where(col(models.Headline.repo_id) == rid))
        conn.execute(
            models.Headline.__table__.insert().values(  # type: ignore[attr-defined]
                repo_id=rid,
                computed_ts=headline.computed_ts,
                commits=commits,
                head_sha=head,
                result=headline.to_json(),
            )
        )


def load(engine: Engine, repo: str) -> Headline | None:
    """The cached headline, or None when there is none (or a store from before the cache) or it is stale."""
    stored = headline_cache.current(engine, repo)
    return None if stored is None else Headline.from_json(stored)


def refresh(engine: Engine, repo: str) -> Headline:
    """Compute the headline and cache it (what `qroi ingest` does at its end)."""
    headline = compute(engine, repo)
    save(engine, headline)
    return headline
