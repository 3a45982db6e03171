"""S3 flexible checksums (``x-amz-checksum-*``), computed incrementally.

One :class:`Checksum` per upload is fed every payload byte once, while the
body is hashed or streamed, and gives the base64 value S3 expects:

* ``crc32`` (the default for streamed S3 uploads) with :func:`zlib.crc32`;
* ``sha1`` and ``sha256`` with :mod:`hashlib`;
* ``crc32c`` and ``crc64nvme`` with ``awscrt.checksums`` when it is
  importable (it is optional, never a runtime dependency), else with the
  pure-Python table implementations below -- correct, but slow (a few MB/s),
  so prefer ``crc32`` or install ``awscrt`` for large uploads.

Every value is the big-endian digest, base64-encoded: 8 characters for the
32-bit CRCs, 12 for CRC64/NVME, 28 for SHA-1 and 44 for SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Container, Iterable

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")

#: Length of the base64 value of each algorithm (fixed, so the length of an
#: aws-chunked trailer is known before the body is read).
VALUE_LENGTH = {"crc32": 8, "crc32c": 8, "crc64nvme": 12, "sha1": 28, "sha256": 44}

_CRC32C_POLY = 0x82F63B78  # Castagnoli, reflected
_CRC64NVME_POLY = 0x9A6C9329AC4BC9B5  # CRC-64/NVME, reflected

_tables: dict[int, list[int]] = {}


def _table(poly: int) -> list[int]:
    """The 256-entry table of a reflected CRC (built once, on first use)."""
    table = _tables.get(poly)
    if table is None:
        table = []
        for byte in range(256):
            crc = byte
            for _ in range(8):
                crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
            table.append(crc)
        _tables[poly] = table
    return table


def crc32c_py(data: bytes, previous: int = 0) -> int:
    """CRC-32C of ``data`` continuing ``previous`` (pure Python: slow)."""
    table = _table(_CRC32C_POLY)
    crc = previous ^ 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc64nvme_py(data: bytes, previous: int = 0) -> int:
    """CRC-64/NVME of ``data`` continuing ``previous`` (pure Python: slow)."""
    table = _table(_CRC64NVME_POLY)
    mask = 0xFFFFFFFFFFFFFFFF
    crc = previous ^ mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def _crt(name: str) -> Callable[[bytes, int], int] | None:
    try:
        import awscrt.checksums as crt
    except ImportError:
        return None
    fn: Callable[[bytes, int], int] | None = getattr(crt, name, None)
    return fn


def given_checksum(headers: Iterable[tuple[str, str]], algorithms: Container[str] = VALUE_LENGTH) -> tuple[str, str] | None:
    """The first ``x-amz-checksum-ALGO: VALUE`` header the user gave whose ALGO is one of ``algorithms``,
    as (algorithm, value)."""
    for name, value in headers:
        lname = name.lower()
        if lname.startswith("x-amz-checksum-") and lname[15:] in algorithms:
            return lname[15:], value.strip()
    return None


def is_fast(algorithm: str) -> bool:
    """False when ``algorithm`` would use the slow pure-Python CRC."""
    return algorithm not in ("crc32c", "crc64nvme") or _crt(algorithm) is not None


class Checksum:
    """An incremental ``x-amz-checksum-<algorithm>`` value."""

    __slots__ = ("algorithm", "_crc", "_hash", "_fn")

    def __init__(self, algorithm: str, *, pure: bool = False) -> None:
        algorithm = algorithm.lower()
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
        self.algorithm = algorithm
        self._crc = 0
        self._hash = hashlib.new(algorithm) if algorithm in ("sha1", "sha256") else None
        fn: Callable[[bytes, int], int] | None
        if algorithm == "crc32":
            fn = zlib.crc32
        elif algorithm in ("crc32c", "crc64nvme"):
            fn = None if pure else _crt(algorithm)
            if fn is None:
                fn = crc32c_py if algorithm == "crc32c" else crc64nvme_py
        else:
            fn = None
        self._fn = fn

    @property
    def header(self) -> str:
        """The header (or trailer) name, ``x-amz-checksum-<algorithm>``."""
        return f"x-amz-checksum-{self.algorithm}"

    def update(self, data: bytes) -> None:
        """Feed the next payload bytes."""
        if self._hash is not None:
            self._hash.update(data)
        else:
            assert self._fn is not None
            self._crc = self._fn(data, self._crc)

    def digest(self) -> bytes:
        """The big-endian digest of everything fed so far."""
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(8 if self.algorithm == "crc64nvme" else 4, "big")

    def value(self) -> str:
        """The base64 value sent in the header or trailer."""
        return base64.b64encode(self.digest()).decode("ascii")


def checksum_of(algorithm: str, data: bytes) -> str:
    """The base64 ``x-amz-checksum-*`` value of ``data`` in one call."""
    c = Checksum(algorithm)
    c.update(data)
    return c.value()


# -- combining CRCs (the full-object checksum of a multipart upload) ---------------------

#: (width in bits, reflected polynomial) of the CRCs S3 can combine into a full-object checksum.
CRC_PARAMETERS = {"crc32": (32, 0xEDB88320), "crc32c": (32, _CRC32C_POLY), "crc64nvme": (64, _CRC64NVME_POLY)}
_shifts: dict[tuple[str, int], int] = {}


def _multmodp(a: int, b: int, poly: int, top: int) -> int:
    """``a * b`` modulo the CRC polynomial (reflected bit order; zlib's ``multmodp``)."""
    p = 0
    m = top
    while a and m:
        if a & m:
            p ^= b
            if not a & (m - 1):
                break
        m >>= 1
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return p


def _x8n(algorithm: str, n: int) -> int:
    """``x^(8n)`` modulo the polynomial: the effect of ``n`` more bytes on a CRC register (cached)."""
    found = _shifts.get((algorithm, n))
    if found is None:
        width, poly = CRC_PARAMETERS[algorithm]
        top = 1 << (width - 1)
        power = top >> 1  # x^1
        for _ in range(3):  # x^8
            power = _multmodp(power, power, poly, top)
        found, k = top, n  # x^0
        while k:
            if k & 1:
                found = _multmodp(power, found, poly, top)
            power = _multmodp(power, power, poly, top)
            k >>= 1
        if len(_shifts) < 64:
            _shifts[(algorithm, n)] = found
    return found


def crc_combine(algorithm: str, crc1: int, crc2: int, length2: int) -> int:
    """The CRC of ``A + B`` from ``crc(A)``, ``crc(B)`` and ``len(B)`` (zlib's ``crc32_combine``, any reflected CRC)."""
    width, poly = CRC_PARAMETERS[algorithm]
    return _multmodp(_x8n(algorithm, length2), crc1, poly, 1 << (width - 1)) ^ crc2


def value_to_int(value: str) -> int:
    """A base64 CRC value as its integer."""
    return int.from_bytes(base64.b64decode(value), "big")


def int_to_value(algorithm: str, crc: int) -> str:
    """An integer CRC as the base64 value S3 shows."""
    return base64.b64encode(crc.to_bytes(CRC_PARAMETERS[algorithm][0] // 8, "big")).decode("ascii")
