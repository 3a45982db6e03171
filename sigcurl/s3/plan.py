"""S3's multipart rules and how an upload is cut into parts (pure: no I/O, tested as tables).

S3's limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html):
a single PUT carries at most 5 GiB; a multipart upload has at most 10,000
parts, each 5 MiB to 5 GiB except the last, which may be smaller; an
object is at most 5 TiB.

sigcurl's choices (measured in ``benchmarks/bench_bodies.py``):

* an object PUT goes multipart when its body is a file or data of known
  length above :data:`DEFAULT_THRESHOLD` (above the part size when
  ``--part-size`` is given), or a stream (a pipe) longer than one part;
* parts are :data:`DEFAULT_PART_SIZE` (or ``--part-size``); a body of known
  length that would need more than 10,000 parts gets larger parts, so that
  10,000 are enough (rounded up to a whole MiB);
* a stream of unknown length (a pipe) is held in memory part by part, so
  its parts start smaller, at :data:`DEFAULT_STREAM_PART_SIZE` (or
  ``--part-size``), and double every :data:`GROWTH_EVERY` parts (5 GiB at
  most): 10,000 parts of a stream starting at 5 MiB reach beyond S3's 5 TiB
  object limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sigcurl.errors import UsageError

MiB = 1 << 20
GiB = 1 << 30
MIN_PART_SIZE = 5 * MiB  # every part but the last
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = 5 << 40  # 5 TiB
MAX_SINGLE_PUT = 5 * GiB  # S3 refuses a larger PUT (EntityTooLarge)

#: The part size of a body of known length unless ``--part-size`` says otherwise (a file's parts are read
#: from the file as they are sent: memory does not grow with the part size).
DEFAULT_PART_SIZE = 8 * MiB
#: The first part size of a stream (a pipe) unless ``--part-size`` says otherwise: its memory is the parts
#: in flight, 4 + 1, and the interpreter (58 MiB at 5 MiB, 71 to 74 MiB at 8 MiB; see the README).
DEFAULT_STREAM_PART_SIZE = 5 * MiB
#: Bodies of known length above this go multipart (at most S3's single-PUT limit).
DEFAULT_THRESHOLD = 64 * MiB
#: Parts sent at once unless ``--parallel-max`` says otherwise.
DEFAULT_CONCURRENCY = 4
#: A stream's part size doubles after every this many parts.
GROWTH_EVERY = 900

_UNITS = {"": 1, "k": 1 << 10, "m": MiB, "g": GiB}


class Part(NamedTuple):
    """One part: its number (from 1), where it starts in the object, and its size."""

    number: int
    offset: int
    size: int


def parse_size(text: str) -> int:
    """``--part-size``: bytes, or a number with K, M or G meaning KiB, MiB, GiB (``16M``, ``16MiB``, ``16MB``)."""
    value = text.strip().lower()
    for suffix in ("ib", "b"):
        if value.endswith(suffix) and value[: -len(suffix)][-1:] in ("k", "m", "g"):
            value = value[: -len(suffix)]
            break
    unit = value[-1:] if value[-1:] in ("k", "m", "g") else ""
    number = value[: len(value) - len(unit)]
    if not number.isdigit() or len(number) > 15:
        raise UsageError(f"bad --part-size {text!r}", "give bytes, or a number with K, M or G (e.g. 16M)")
    return int(number) * _UNITS[unit]


def check_part_size(size: int) -> int:
    """``size`` if S3 accepts parts of that size, else a :class:`UsageError`."""
    if size < MIN_PART_SIZE:
        raise UsageError(f"--part-size {size} is below S3's minimum part size (5 MiB)", "use --part-size 5M or more")
    if size > MAX_PART_SIZE:
        raise UsageError(f"--part-size {size} is above S3's maximum part size (5 GiB)", "use --part-size 5G or less")
    return size


def threshold(part_size: int | None) -> int:
    """Bodies of known length above this many bytes go multipart."""
    return min(part_size, MAX_SINGLE_PUT) if part_size is not None else DEFAULT_THRESHOLD


def known_part_size(length: int, part_size: int | None) -> int:
    """The part size for a body of ``length`` bytes: the wanted size, grown so that 10,000 parts are enough."""
    if length > MAX_OBJECT_SIZE:
        raise UsageError(f"the body is {length} bytes, above S3's object size limit (5 TiB)", "split it into several objects")
    size = part_size or DEFAULT_PART_SIZE
    if _ceil(length, size) > MAX_PARTS:
        size = _ceil(_ceil(length, MAX_PARTS), MiB) * MiB  # length / 10,000 rounded up to a whole MiB
    return min(size, MAX_PART_SIZE)


def _ceil(a: int, b: int) -> int:
    return (a + b - 1) // b


def known_parts(length: int, part_size: int) -> Iterator[Part]:
    """The parts of a body of ``length`` bytes (``part_size`` from :func:`known_part_size`)."""
    offset, number = 0, 1
    while offset < length:
        size = min(part_size, length - offset)
        yield Part(number, offset, size)
        offset += size
        number += 1


def stream_part_size(number: int, part_size: int) -> int:
    """The size of part ``number`` of a stream of unknown length (doubling every :data:`GROWTH_EVERY` parts)."""
    return min(part_size << ((number - 1) // GROWTH_EVERY), MAX_PART_SIZE)


def stream_capacity(part_size: int) -> int:
    """How many bytes 10,000 parts of a stream starting at ``part_size`` can carry."""
    return sum(stream_part_size(n, part_size) for n in range(1, MAX_PARTS + 1))


def describe_size(n: int) -> str:
    """``16777216`` -> ``16 MiB`` (exact units only, else bytes)."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (1 << 10, "KiB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} bytes"


def is_object_put(method: str, url: str, service: str) -> bool:
    """Whether a request is an S3 PutObject: PUT to a key of an S3 bucket, with no query (no ``?partNumber=``...)."""
    if method != "PUT" or service != "s3":
        return False
    rest = url.split("://", 1)[-1]
    path = rest[rest.find("/") :] if "/" in rest else "/"
    return "?" not in rest and path.strip("/") != ""
