"""Reading a list file (or URL) in any supported format, detected when not given."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from coffer.risk.sanctions.errors import InvalidListFile, UnknownListFormat
from coffer.risk.sanctions.load_eu import parse_eu_csv, parse_eu_xml
from coffer.risk.sanctions.load_ofac import parse_ofac_csv, parse_ofac_xml
from coffer.risk.sanctions.load_un import parse_un_xml
from coffer.risk.sanctions.models import ParsedList

FORMATS = ("un-xml", "ofac-xml", "ofac-csv", "eu-xml", "eu-csv")
MAX_DOWNLOAD_BYTES = 1 << 30  # 1 GiB: far above any official list
DOWNLOAD_TIMEOUT_SECONDS = 120.0
_XML_ROOTS = {
    "consolidated_list": "un-xml",
    "sdnlist": "ofac-xml",
    "export": "eu-xml",
    "sanctionentity": "eu-xml",
}
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def detect_format(head: bytes) -> str:
    """The format of a list from its first few kilobytes."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        for match in _FIRST_TAG.finditer(text):
            tag = match.group(1).decode("ascii", "replace")
            if tag.startswith(("?", "!")):
                continue
            found = _XML_ROOTS.get(tag.rsplit(":", 1)[-1].lower())
            if found:
                return found
            break
        raise UnknownListFormat(
            "the XML file is not a UN consolidated list, an OFAC SDN list or an EU"
            " consolidated list; give --format if it is one of " + ", ".join(FORMATS)
        )
    first_line = text.split(b"\n", 1)[0].lower()
    if b"entity_logicalid" in first_line and b";" in first_line:
        return "eu-csv"
    if re.match(rb'^"?\d+"?,', first_line):
        return "ofac-csv"
    raise UnknownListFormat(
        "cannot tell the list's format from its content; give --format, one of "
        + ", ".join(FORMATS)
    )


def parse_file(path: Path, list_format: str | None = None) -> ParsedList:
    """Parse one list file. For OFAC CSV, ``alt.csv`` and ``add.csv`` beside ``path`` are
    read too (aliases and addresses)."""
    if list_format is not None and list_format not in FORMATS:
        raise UnknownListFormat(
            f"unknown list format {list_format!r}: use one of " + ", ".join(FORMATS)
        )
    try:
        with path.open("rb") as source:
            head = source.read(8192)
            list_format = list_format or detect_format(head)
            source.seek(0)
            parsed = _parse(source, list_format, path)
    except FileNotFoundError as exc:
        raise InvalidListFile(f"no such list file: {path}") from exc
    except OSError as exc:
        raise InvalidListFile(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InvalidListFile | UnknownListFormat):
            raise
        raise InvalidListFile(f"cannot read {path} as {list_format}: {exc}") from exc
    if not parsed.entries:
        raise InvalidListFile(f"{path} holds no entries of the {list_format} format")
    if not parsed.version:
        parsed.version = "sha256:" + file_checksum(path)[:16]
    return parsed


def _parse(source: IO[bytes], list_format: str, path: Path) -> ParsedList:
    if list_format == "un-xml":
        return parse_un_xml(source)
    if list_format == "ofac-xml":
        return parse_ofac_xml(source)
    if list_format == "eu-xml":
        return parse_eu_xml(source)
    if list_format == "eu-csv":
        return parse_eu_csv(source)
    with contextlib.ExitStack() as stack:
        extra: dict[str, IO[bytes]] = {}
        for key, sibling in (("aliases", "alt.csv"), ("addresses", "add.csv")):
            candidate = path.with_name(sibling)
            if candidate != path and candidate.exists():
                extra[key] = stack.enter_context(candidate.open("rb"))
        return parse_ofac_csv(
            source, aliases=extra.get("aliases"), addresses=extra.get("addresses")
        )


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


@contextlib.contextmanager
def fetched(location: str) -> Iterator[Path]:
    """A local path for a list given as a path or an http(s) URL (downloaded into a
    temporary folder, with ``alt.csv``/``add.csv`` beside an OFAC ``sdn.csv`` when the
    publisher has them)."""
    if not is_url(location):
        yield Path(location)
        return
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="coffer-list-"))
    try:
        name = location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "list"
        target = folder / name
        with httpx.Client(follow_redirects=True, timeout=DOWNLOAD_TIMEOUT_SECONDS) as client:
            _download(client, location, target)
            if name.lower() == "sdn.csv":
                base = location.rsplit("/", 1)[0]
                for sibling in ("alt.csv", "add.csv"):
                    with contextlib.suppress(httpx.HTTPError, InvalidListFile):
                        _download(client, f"{base}/{sibling}", folder / sibling)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _download(client: object, url: str, target: Path) -> None:
    import httpx

    assert isinstance(client, httpx.Client)
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise InvalidListFile(f"{url} answered HTTP {response.status_code}")
            size = 0
            with target.open("wb") as out:
                for block in response.iter_bytes():
                    size += len(block)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise InvalidListFile(f"{url} is larger than {MAX_DOWNLOAD_BYTES} bytes")
                    out.write(block)
    except httpx.HTTPError as exc:
        raise InvalidListFile(f"cannot download {url}: {exc}") from exc
