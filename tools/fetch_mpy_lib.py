"""Install MicroPython libraries from PyPI onto a MICROPYPATH folder.

MicroPython packages on PyPI are bare source archives that pip refuses to
build ("does not appear to be a Python project"), so this script asks pip's
own configured simple index for the file, checks it against the sha256 pinned
here (and the one in the index link), and unpacks only the library modules.

Usage: python tools/fetch_mpy_lib.py DEST_DIR
"""

from __future__ import annotations

import hashlib
import html.parser
import io
import os
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path

# name -> (version, sha256 of the sdist, module paths to take from it)
PINNED = {
    "micropython-umqtt.simple": (
        "1.3.4",
        "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f",
        ("umqtt/simple.py",),
    ),
}


def index_url() -> str:
    """The simple index pip itself would use (PIP_INDEX_URL, pip config, or pip's default)."""
    env = os.environ.get("PIP_INDEX_URL")
    if env:
        return env.rstrip("/")
    try:
        from pip._internal.configuration import Configuration

        conf = Configuration(isolated=False)
        conf.load()
        for key in ("global.index-url", ":env:.index-url", "install.index-url"):
            try:
                return str(conf.get_value(key)).rstrip("/")
            except Exception:  # noqa: BLE001 - pip raises its own ConfigurationError
                continue
    except ImportError:
        pass
    from pip._internal.models.index import PyPI

    return PyPI.simple_url.rstrip("/")


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[override]
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v:
                    self.links.append(v)


def fetch(name: str, version: str, sha256: str) -> bytes:
    base = index_url()
    page_url = f"{base}/{name}/"
    with urllib.request.urlopen(page_url, timeout=60) as r:
        page = r.read().decode()
    parser = _Links()
    parser.feed(page)
    wanted = f"{name}-{version}.tar.gz"
    for link in parser.links:
        url = urllib.parse.urljoin(page_url, link)
        path, _, frag = url.partition("#")
        if path.rsplit("/", 1)[-1] != wanted:
            continue
        if frag.startswith("sha256=") and frag[7:] != sha256:
            raise SystemExit(f"{wanted}: the index lists sha256 {frag[7:]}, expected {sha256}")
        with urllib.request.urlopen(path, timeout=120) as r:
            data = r.read()
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise SystemExit(f"{wanted}: downloaded sha256 {got}, expected {sha256}; refusing it")
        return data
    raise SystemExit(f"{wanted} is not listed on {page_url}")


def main(dest: str) -> None:
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    for name, (version, sha256, members) in PINNED.items():
        data = fetch(name, version, sha256)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = member.name.split("/", 1)[-1]
                if rel in members:
                    target = out / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    fileobj = tar.extractfile(member)
                    assert fileobj is not None
                    target.write_bytes(fileobj.read())
        print(f"installed {name} {version} into {out}")
    (out / ".installed").write_text("\n".join(f"{n} {v[0]} {v[1]}" for n, v in PINNED.items()) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
