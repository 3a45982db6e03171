"""The version of sigcurl, defined once (the package, the User-Agent and the build read it)."""

__version__ = "0.1.0"
