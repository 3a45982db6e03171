"""Reading the AWS signing suites in tests/vectors/ (raw HTTP request files, contexts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

VECTORS = Path(__file__).parent / "vectors"


@dataclass(frozen=True)
class RawRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def url(self, scheme: str = "https") -> str:
        host = next(v for n, v in self.headers if n.lower() == "host")
        return f"{scheme}://{host}{self.target}"


def parse_request(data: bytes) -> RawRequest:
    """Parse a suite's request file: split the method at the first space, the version at the last."""
    head, sep, body = data.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    first = lines[0]
    method, _, rest = first.partition(" ")
    target = rest.rpartition(" ")[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line)
            continue
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    return RawRequest(method, target, headers, body if sep else b"")


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_json(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))
