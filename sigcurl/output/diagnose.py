"""Why a request was refused: the signature-mismatch diff and its hints."""

from __future__ import annotations


def signature_diff(label: str, ours: str, theirs: str) -> str:
    """A line-by-line diff of what we signed against what the service computed."""
    import difflib

    diff = difflib.unified_diff(
        ours.split("\n"), theirs.split("\n"), fromfile=f"{label} (sigcurl signed)",
        tofile=f"{label} (service computed)", lineterm="",
    )
    return "\n".join(diff)


def mismatch_hints(
    ours_creq: str | None, theirs_creq: str | None, ours_sts: str | None, theirs_sts: str | None
) -> list[str]:
    """What probably made the service compute a different signature, from where the texts differ.

    Canonical request lines: method, path, query, headers..., blank,
    signed header list, payload hash.  String to sign lines: algorithm,
    date, scope, hash of the canonical request.
    """
    hints: list[str] = []
    if ours_creq is not None and theirs_creq is not None and ours_creq != theirs_creq:
        a, b = ours_creq.split("\n"), theirs_creq.split("\n")
        if a[:1] != b[:1]:
            hints.append("the method differs: something between you and the service changed it")
        if a[1:2] != b[1:2]:
            hints.append("the path differs: check its percent-encoding (S3 encodes once, other services twice) and any proxy rewriting it")
        if a[2:3] != b[2:3]:
            hints.append("the query differs: check its encoding (spaces as %20, not +) and parameters added after signing")

        def headers(lines: list[str]) -> dict[str, str]:
            out: dict[str, str] = {}
            for line in lines[3:]:
                if not line:
                    break
                name, _, value = line.partition(":")
                out[name] = value
            return out

        ha, hb = headers(a), headers(b)
        if ha.get("host") != hb.get("host"):
            hints.append(
                "the Host differs: a proxy, load balancer or tunnel rewrote it (use --sign-host HOST to sign for the service's host)"
            )
        changed = sorted(n for n in set(ha) | set(hb) if n != "host" and ha.get(n) != hb.get(n))
        if changed:
            hints.append(f"header(s) {', '.join(changed)} differ: a header was added or changed after signing")
        if a[-1:] != b[-1:]:
            hints.append("the payload hash differs: the body was changed on the way, or the service wants UNSIGNED-PAYLOAD")
    if ours_sts is not None and theirs_sts is not None and ours_sts != theirs_sts:
        a, b = ours_sts.split("\n"), theirs_sts.split("\n")
        if a[1:2] != b[1:2]:
            hints.append("the date differs: check the local clock, or --date")
        if a[2:3] != b[2:3]:
            hints.append("the credential scope differs: check --region and --service")
    if not hints and ours_creq == theirs_creq and ours_sts in (None, theirs_sts):
        hints.append("what was signed matches, so the secret key is wrong for this access key id (check your credentials or --profile)")
    return hints


MISMATCH_HINT = (
    "usual causes: a proxy or load balancer rewriting Host or the path, a header added after signing, "
    "path encoding (S3 vs other services), the wrong --region or --service, or the local clock"
)
