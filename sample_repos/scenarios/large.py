"""`large`: volume for benchmarks and incremental-mining tests; thousands of ordinary commits.

No hostile files: this history measures throughput on normal code. It still has feature branches,
merges, occasional reverts and a release tag roughly every 250 commits (minor releases annotated,
patch releases lightweight), and the project grows to a few hundred files.
"""

from __future__ import annotations

from qroi.sample_repos.scenarios import Context, Scenario

RELEASE_EVERY = 250


def _versions(count: int) -> list[tuple[str, bool]]:
    """Semver sequence: mostly minor bumps, every third a patch, every tenth a major."""
    major, minor, patch = 0, 1, 0
    out = []
    for index in range(count):
        if index and index % 10 == 0:
            major, minor, patch = major + 1, 0, 0
        elif index and index % 3 == 0:
            patch += 1
        elif index:
            minor, patch = minor + 1, 0
        out.append((f"{major}.{minor}.{patch}", patch == 0))
    return out


def populate(ctx: Context) -> None:
    activity, history = ctx.activity, ctx.history
    activity.branch_rate = 0.08
    activity.revert_rate = 0.004
    activity.target_files = lambda count: min(400, 30 + count // 12)
    activity.scaffold(modules=6)
    activity.commit("Initial commit", author=history.maintainer)
    releases = _versions(max(0, (ctx.commits - 2) // RELEASE_EVERY))
    for index, (version, annotated) in enumerate(releases, start=1):
        activity.fill_until(ctx.at(index / (len(releases) + 1)))
        commit = activity.release(version)
        history.tag(f"v{version}", commit, message=f"widget {version}\n" if annotated else None)
    activity.fill_until(ctx.commits)


SCENARIO = Scenario(
    name="large",
    summary="thousands of ordinary commits with branches, merges, reverts and release tags",
    default_commits=3000,
    min_commits=20,
    populate=populate,
)
