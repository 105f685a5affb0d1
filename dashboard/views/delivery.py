"""Delivery: releases, lead time for changes, issue time-to-close and change failure, as far as the data goes."""

from __future__ import annotations

import streamlit as st

from qroi.core.calendar import month_starts
from qroi.dashboard import charts, components, data, filters
from qroi.dashboard.components import Card, fmt_int, fmt_share
from qroi.read import queries

f = filters.current()
components.header("Delivery", "How fast and how safely do changes reach a release?", f)
d = data.delivery(f.scope)
repos = list(f.scope.repos)
if not d.signals:
    st.warning(
        "This store was written before qroi computed delivery signals (releases, lead times, SZZ, imported "
        "issues). Run `qroi ingest` on each repository again: it adds them without re-mining the history.",
        icon=":material/update:",
    )
failed_releases = int(d.releases["change_failure"].sum()) if len(d.releases) else 0
outcome = d.outcomes
spans = d.spans[d.spans["days"] > 0] if len(d.spans) else d.spans  # mentioned before the closing commit
issue_days = d.issues["days"] if len(d.issues) else spans["days"] if len(spans) else None

components.cards(
    [
        Card(
            "Releases",
            fmt_int(len(d.releases)),
            help="Tags matching the release pattern of `qroi ingest` "
            "(version numbers by default, pre-releases left out), made in the period.",
        ),
        Card(
            "Median lead time",
            f"{outcome.median_lead_days:,.1f} days" if outcome.median_lead_days is not None else "—",
            help="From a change's author time to the first release that contains it, over the "
            f"{outcome.released:,} changes (non-merge commits) released in the period, as `qroi summary` prints it.",
        ),
        Card(
            "Time to close",
            f"{issue_days.median():,.1f} days" if issue_days is not None else "—",
            f"median of {len(issue_days):,} of {len(d.issues) if len(d.issues) else len(d.spans):,} issues"
            if issue_days is not None
            else None,
            "off",
            help="Imported issues: closed minus created. Without an import: first commit that mentions the issue to "
            "the commit that closes it, over the issues an earlier commit mentioned (the base count below).",
            arrow=False,
        ),
        Card(
            "Change failure",
            fmt_share(failed_releases / len(d.releases)) if len(d.releases) else "—",
            help="Releases followed within the failure window by a patch release of their line or by a revert of a "
            "change they shipped.",
        ),
        Card(
            "Changes reverted",
            fmt_share(outcome.reverted_share),
            f"{outcome.reverted:,} of {outcome.changes:,}",
            "off",
            help="Non-merge commits of the period that a later commit reverted, among all non-merge commits.",
            arrow=False,
        ),
        Card(
            "Bug-inducing",
            fmt_share(outcome.bug_inducing_share) if d.signals else "—",
            f"{outcome.bug_inducing:,} of {outcome.changes:,}" if d.signals else None,
            "off",
            help="Non-merge commits of the period that SZZ blames for a later bug fix, among all non-merge "
            "commits. Recent commits look better than they are: their bugs are not fixed yet.",
            arrow=False,
        ),
    ]
)

st.subheader("Releases")
if d.releases.empty:
    components.nothing(
        "No release in this period.",
        "qroi takes releases from tags that look like versions "
        "(v1.2.3, 1.2); tag releases in git, or pass `--release-pattern` to `qroi ingest`.",
    )
else:
    left, right = st.columns([3, 2])
    with left:
        components.plot(charts.release_cadence(d.releases, repos), key="release_cadence")
    with right:
        shown = ["repo", "tag", "released_at", "commits", "change_failure", "patched_by", "reverted_commits"]
        table = d.releases.assign(patched_by=d.releases["patched_by"].fillna(""))
        st.dataframe(
            table[shown[0 if len(repos) > 1 else 1 :]].iloc[::-1],
            hide_index=True,
            placeholder=components.MISSING,
            column_config={
                "repo": "Repository",
                "tag": "Release",
                "released_at": st.column_config.DatetimeColumn("Released (UTC)", format="YYYY-MM-DD"),
                "commits": st.column_config.NumberColumn("Changes shipped", format="%d"),
                "change_failure": st.column_config.CheckboxColumn("Failed"),
                "patched_by": "Patched by",
                "reverted_commits": st.column_config.NumberColumn("Reverted", format="%d"),
            },
        )

st.subheader("Lead time for changes")
if d.lead.empty:
    components.nothing(
        "No change was released in this period, so there is no lead time to show.",
        "Lead time needs releases; changes after the last release are not shipped yet.",
    )
else:
    components.plot(
        charts.distribution(
            d.lead["lead_days"],
            "Lead time: commit → first release that contains it",
            "Days from commit (author time) to release",
        ),
        key="lead_hist",
    )

st.subheader("Issue time-to-close")
if len(d.issues):
    components.plot(
        charts.distribution(
            d.issues["days"],
            "Time to close: created → closed (imported issues)",
            "Days to close",
            charts.ISSUES,
        ),
        key="issue_hist",
    )
    kinds = d.issues.groupby("kind")["days"].agg(["size", "median"])
    st.caption(
        f"{len(d.issues):,} imported issues closed in the period ({', '.join(d.tracker_repos)}); median days "
        "by kind: " + ", ".join(f"{k} {m:,.1f} (n={n})" for k, (n, m) in kinds.iterrows()) + "."
    )
elif len(spans):
    components.plot(
        charts.distribution(
            spans["days"],
            "Issue span: first referencing commit → closing commit",
            "Days from first mention to close",
            charts.ISSUES,
        ),
        key="issue_hist",
    )
    st.caption(
        f"{len(spans):,} of the {len(d.spans):,} issues closed by commit messages in this period were mentioned "
        "by an earlier commit; the others were closed by the first commit that named them."
    )
else:
    components.nothing("No issue was closed in this period, by the tracker or by a commit message.")
missing = [r for r in repos if r not in d.tracker_repos]
if missing:
    st.info(
        f"No issue-tracker export is imported for {', '.join(missing)}, so time-to-close comes from commit "
        "messages: it starts at the first commit that mentions an issue, not when it was reported. Import the "
        "tracker's issues (GitHub JSON, a Jira CSV export, or any CSV) to measure it properly:",
        icon=":material/info:",
    )
    st.code(
        f"qroi issues import issues.json --repo {missing[0]} --db {components.db_arg(f.scope.url)}",
        language="bash",
    )

st.subheader("Change failure")
if len(d.timeline):
    bad = d.failed.assign(month=month_starts(d.failed["committed_ts"])) if len(d.failed) else d.failed
    monthly = d.timeline.groupby("month", sort=True)["commits"].sum().to_frame()
    monthly["failed"] = bad.groupby("month")["sha"].nunique() if len(bad) else 0
    monthly = monthly.fillna({"failed": 0}).reset_index()
    components.plot(
        charts.monthly_rate(
            monthly,
            "failed",
            "commits",
            "Failed changes per commit, by commit month",
            "Failed (% of commits)",
            charts.INDUCING,
        ),
        key="failure_rate",
    )
    st.caption(
        "A failed change is one a later commit reverted or a later bug fix was blamed on (SZZ). The last "
        "months look healthier than they are: their bugs have not been found and fixed yet."
    )
if len(d.failed):
    table = d.failed.assign(sha=d.failed["sha"].str[:10], committed_at=queries.utc(d.failed["committed_ts"]))
    st.dataframe(
        table[
            ["repo", "committed_at", "sha", "subject", "reverted_later", "days_to_revert", "fixes_induced"]
        ],
        hide_index=True,
        placeholder=components.MISSING,
        column_config={
            "repo": "Repository",
            "committed_at": st.column_config.DatetimeColumn("Committed (UTC)", format="YYYY-MM-DD"),
            "sha": "Commit",
            "subject": st.column_config.TextColumn("Subject", width="large"),
            "reverted_later": st.column_config.CheckboxColumn("Reverted"),
            "days_to_revert": st.column_config.NumberColumn("Days until revert", format="%.1f"),
            "fixes_induced": st.column_config.NumberColumn("Bug fixes blamed on it", format="%d"),
        },
    )
