"""Turn what the user typed (a path or a clone URL) into a local git directory.

A URL is cloned (bare) into a cache directory and fetched on later runs. Credentials in the URL
(`https://user:token@host/...`) are needed for the transfer but must never be stored, printed or
logged, so they travel only in an `http.extraHeader` that git reads from its environment
(`GIT_CONFIG_COUNT`/`KEY`/`VALUE`): a process's environment is readable by its own user only,
while its command line is shown by `ps` to everyone. The URL git sees, records in its config and
prints in its errors is the stripped one. Secrets in a query (`?private_token=...`) are dropped:
git cannot send them (it appends its own path and query to the URL), and they must not be shown.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from qroi.core.errors import QroiError
from qroi.git.run import run_git

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)")
_SECRET_PARAM = re.compile(r"token|secret|password|passwd|pass|pwd|key|auth|sig|signature|credential", re.I)
"""Query parameters that carry a credential (GitLab's private_token, access_token, signed URLs)."""


@dataclass(frozen=True)
class Source:
    """Where a repository's history is read from, and how it is named and shown."""

    git_path: Path
    display: str
    default_name: str


def is_url(text: str) -> bool:
    return bool(_URL.match(text) or _SCP.match(text))


def _secret_params(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if _SECRET_PARAM.search(k)]


def strip_credentials(url: str) -> str:
    """Drop a password or token from a URL: any user part of http(s) URLs (where tokens live), a
    password in any other scheme's, and query parameters named like credentials."""
    if not _URL.match(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        keep_user = parts.scheme not in ("http", "https") and ":" not in userinfo
        netloc = f"{userinfo}@{host}" if keep_user else host
    query = parts.query
    params = parse_qsl(query, keep_blank_values=True)
    if any(_SECRET_PARAM.search(k) for k, _ in params):
        query = urlencode([(k, v) for k, v in params if not _SECRET_PARAM.search(k)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact(text: str, url: str) -> str:
    """Remove any trace of the URL's secrets from a message (git may echo them)."""
    parts = urlsplit(url) if _URL.match(url) else None
    if parts is None:
        return text
    secrets = {v for _, v in _secret_params(parts.query)}
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        secrets |= {userinfo, unquote(userinfo), *userinfo.split(":"), *unquote(userinfo).split(":")}
    for secret in sorted(filter(None, secrets), key=len, reverse=True):  # whole user:token first
        text = text.replace(secret, "***")
    return text


def _auth_env(url: str) -> dict[str, str]:
    """The Basic-auth header as git configuration in the environment, after any the user set."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return {}
    userinfo = unquote(parts.netloc.rsplit("@", 1)[0])
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    index = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": "http.extraHeader",
        f"GIT_CONFIG_VALUE_{index}": f"Authorization: Basic {token}",
    }


def name_from(text: str) -> str:
    """A short repository name: the last path component without `.git`."""
    tail = re.split(r"[/:]", text.rstrip("/"))[-1]
    tail = tail.removesuffix(".git")
    return tail or "repo"


def default_cache_dir() -> Path:
    return Path(os.environ.get("QROI_CACHE", Path.home() / ".cache" / "qroi")) / "clones"


def _git(args: list[str], url: str) -> None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", **_auth_env(url)}
    try:
        run_git(args, env=env, timeout=3600, what=f"could not fetch {strip_credentials(url)}",
                clean=lambda line: redact(line, url))  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise QroiError(f"git timed out on {strip_credentials(url)}") from exc


def clone_or_fetch(url: str, cache_dir: Path | None = None) -> Source:
    """Bring a remote repository into the cache: a bare clone the first time, a fetch afterwards."""
    safe = strip_credentials(url)
    cache = cache_dir or default_cache_dir()
    name = name_from(safe)
    dest = cache / f"{name}-{hashlib.sha256(safe.encode()).hexdigest()[:12]}.git"
    if (dest / "HEAD").exists():
        _git(
            [
                "--git-dir",
                str(dest),
                "fetch",
                "--quiet",
                "--prune",
                "--force",
                safe,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ],
            url,
        )
    else:
        cache.mkdir(parents=True, exist_ok=True)
        partial = dest.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        _git(["clone", "--bare", "--quiet", safe, str(partial)], url)
        partial.rename(dest)
    return Source(git_path=dest, display=safe, default_name=name)


def resolve(text: str, cache_dir: Path | None = None) -> Source:
    """A local path or a clone URL -> a local git directory to mine."""
    if is_url(text):
        if text.startswith("file://"):
            local = Path(unquote(urlsplit(text).path))
            if not local.exists():
                raise QroiError(
                    f"could not fetch {strip_credentials(text)}: no such path {redact(str(local), text)}"
                )
        return clone_or_fetch(text, cache_dir)
    path = Path(text).expanduser()
    if not path.exists():
        raise QroiError(f"no such path: {text}")
    if not path.is_dir():
        raise QroiError(f"not a directory: {text}")
    resolved = path.resolve()
    shown = resolved.parent if resolved.name == ".git" else resolved
    return Source(git_path=resolved, display=str(shown), default_name=name_from(str(shown)))
