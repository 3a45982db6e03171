"""The TLS context of a session: ``--cert``/``--key``/``--pass``, ``--capath`` and the TLS versions.

A client certificate that cannot be used is curl's exit 58, before anything
is sent; OpenSSL never prompts for a key's password on the terminal.
"""

from __future__ import annotations

import ssl

from sigcurl.errors import ExitCode, SigcurlError
from sigcurl.transport.options import TransportOptions


def tls_context(options: TransportOptions) -> ssl.SSLContext | None:
    """The TLS context of ``--cert``/``--key``/``--pass``, ``--capath`` and the TLS versions; None without them.

    The CA bundle is still given per request (``verify``), as without a
    context; ``--capath`` adds its directory.  A client certificate that
    cannot be used is curl's exit 58, before anything is sent.
    """
    o = options
    if not (o.cert or o.capath or o.tls_min or o.tls_max):
        return None
    from urllib3.util.ssl_ import create_urllib3_context

    versions = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
    ctx = create_urllib3_context(
        ssl_minimum_version=versions.get(o.tls_min or "", ssl.TLSVersion.TLSv1_2),
        ssl_maximum_version=versions.get(o.tls_max or "", ssl.TLSVersion.MAXIMUM_SUPPORTED),
    )
    if o.capath:
        ctx.load_verify_locations(capath=o.capath)
    if o.cert:
        password = o.password
        try:
            # never OpenSSL's own prompt on the terminal: no --pass means an empty password
            ctx.load_cert_chain(o.cert, o.key, password=lambda: password or "")
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
            fix = "give the key's password with --pass" if "decrypt" in str(reason).lower() or "bad" in str(reason).lower() \
                else "check that --cert (and --key) are the PEM certificate and its private key"
            raise SigcurlError(f"cannot use the client certificate {o.cert}: {reason}", fix,
                               exit_code=ExitCode.CLIENT_CERT) from None
    return ctx
