"""Reading an EPUB's package with ``zipfile`` and ``lxml``: container → OPF → spine, and its table of contents.

The parts a summarizer needs are few: ``META-INF/container.xml`` names the package document (OPF); the OPF's
manifest names every file, its spine gives the reading order and its metadata the title; the table of
contents is the EPUB 3 navigation document (``<nav epub:type="toc">``) or, in EPUB 2, the NCX. Everything
is read defensively: the zip's central directory is checked before anything is unpacked (size, ratio and
member caps, in :func:`~desktop_app.engine.ingest.limits.check_zip_archive`), no member is ever read past
:data:`MAX_MEMBER_BYTES`, the ``mimetype`` member is never read at all, and XML is parsed without DTDs,
entities or network access. Runs in the ingest child process; thread-safe (no shared state).
"""

from __future__ import annotations

import logging
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from desktop_app.engine.ingest.base import CorruptFileError, FileTooLargeError

log = logging.getLogger(__name__)

#: No single member is read past this many bytes (a chapter's XHTML is rarely over a megabyte).
MAX_MEMBER_BYTES = 64 * 1024 * 1024
#: Table-of-contents entries kept at most (a hostile NCX can nest or repeat without end).
MAX_TOC_ENTRIES = 20_000
MAX_TOC_DEPTH = 12

_OPF_NS = "http://www.idpf.org/2007/opf"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
_OPS_NS = "http://www.idpf.org/2007/ops"


@dataclass(frozen=True, slots=True)
class TocLink:
    """One table-of-contents entry: depth (1 = top), title, and the member name and anchor it points to."""

    depth: int
    title: str
    name: str
    anchor: str


@dataclass(slots=True)
class EpubPackage:
    """What the chapter step needs from an EPUB."""

    title: str
    #: Member names of the spine's documents, in reading order.
    spine: list[str]
    toc: list[TocLink] = field(default_factory=list)
    #: Member names of the navigation document and the NCX (not chapters themselves).
    nav_names: set[str] = field(default_factory=set)


def _damaged(path: Path, why: str) -> CorruptFileError:
    return CorruptFileError(f"This EPUB is damaged and cannot be read: {why}.", path=path)


def read_member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """A member's bytes, never more than :data:`MAX_MEMBER_BYTES` (FileTooLargeError past it)."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise _damaged(path, f"it names a part {name!r} it does not hold") from exc
    if info.file_size > MAX_MEMBER_BYTES:
        raise FileTooLargeError(
            f"This EPUB's part {name!r} is {info.file_size // (1024 * 1024)} MB, over the "
            f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB limit for one part.",
            path=path,
        )
    try:
        with archive.open(info) as fh:
            data = fh.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise _damaged(path, f"its part {name!r} cannot be unpacked ({exc})") from exc
    if len(data) > MAX_MEMBER_BYTES:  # the directory understated the size
        raise FileTooLargeError(f"This EPUB's part {name!r} unpacks past its stated size.", path=path)
    return data


def _xml(data: bytes, path: Path, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _damaged(path, f"{name} is not readable XML ({exc})") from exc
    if root is None:
        raise _damaged(path, f"{name} is empty")
    return root


def _resolve(base: str, href: str) -> tuple[str, str]:
    """Member name and anchor of ``href`` relative to the member ``base``."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return "", ""
    name = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(parts.path))) if parts.path else base
    return name.lstrip("/"), unquote(parts.fragment)


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _nav_toc(root: Any, base: str) -> list[TocLink]:
    """Links of the EPUB 3 navigation document's ``toc`` nav (or its first nav), nested lists as depth."""
    navs = [el for el in root.iter() if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "nav"]
    toc = [n for n in navs if (n.get(f"{{{_OPS_NS}}}type") or n.get("type") or "").split().count("toc")]
    chosen = (toc or navs)[:1]
    out: list[TocLink] = []

    def walk(el: Any, depth: int) -> None:
        for child in el:
            if not isinstance(child.tag, str) or len(out) >= MAX_TOC_ENTRIES:
                continue
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "li":
                link = _own_link(child)
                if link is not None and link.get("href"):
                    name, anchor = _resolve(base, link.get("href"))
                    out.append(TocLink(depth, _text(link), name, anchor))
                if depth < MAX_TOC_DEPTH:
                    for sub in child:
                        if isinstance(sub.tag, str) and sub.tag.rsplit("}", 1)[-1] == "ol":
                            walk(sub, depth + 1)
            elif tag in ("ol", "nav", "ul"):
                walk(child, depth)

    for nav in chosen:
        walk(nav, 1)
    return out


def _own_link(item: Any) -> Any:
    """The ``<a>`` of a list item itself, not one of the items nested under it."""
    for sub in item:
        if not isinstance(sub.tag, str):
            continue
        tag = sub.tag.rsplit("}", 1)[-1]
        if tag == "a":
            return sub
        if tag != "ol":
            found = next((a for a in sub.iter() if isinstance(a.tag, str) and a.tag.rsplit("}", 1)[-1] == "a"), None)
            if found is not None:
                return found
    return None


def _ncx_toc(root: Any, base: str) -> list[TocLink]:
    """Links of an EPUB 2 NCX's navMap, nested navPoints as depth."""
    out: list[TocLink] = []

    def walk(el: Any, depth: int) -> None:
        for point in el.findall(f"{{{_NCX_NS}}}navPoint"):
            if len(out) >= MAX_TOC_ENTRIES:
                return
            label = point.find(f"{{{_NCX_NS}}}navLabel")
            content = point.find(f"{{{_NCX_NS}}}content")
            if content is not None and content.get("src"):
                name, anchor = _resolve(base, content.get("src"))
                out.append(TocLink(depth, _text(label) if label is not None else "", name, anchor))
            if depth < MAX_TOC_DEPTH:
                walk(point, depth + 1)

    nav_map = root.find(f"{{{_NCX_NS}}}navMap")
    if nav_map is not None:
        walk(nav_map, 1)
    return out


def read_package(archive: zipfile.ZipFile, path: Path) -> EpubPackage:
    """Container, OPF, spine and TOC of an open EPUB archive. Raises CorruptFileError for a broken package."""
    container = _xml(read_member(archive, "META-INF/container.xml", path), path, "META-INF/container.xml")
    rootfile = next((el for el in container.iter() if isinstance(el.tag, str) and el.tag.endswith("rootfile")), None)
    opf_name = (rootfile.get("full-path") or "") if rootfile is not None else ""
    if not opf_name:
        raise _damaged(path, "its container names no package document")
    opf = _xml(read_member(archive, opf_name, path), path, opf_name)
    manifest: dict[str, tuple[str, str, str]] = {}  # id → (member name, media type, properties)
    for item in opf.iter(f"{{{_OPF_NS}}}item"):
        href = item.get("href")
        if item.get("id") and href:
            name, _ = _resolve(opf_name, href)
            manifest[item.get("id")] = (name, item.get("media-type") or "", item.get("properties") or "")
    spine_el = opf.find(f"{{{_OPF_NS}}}spine")
    spine: list[str] = []
    for ref in spine_el.iter(f"{{{_OPF_NS}}}itemref") if spine_el is not None else ():
        entry = manifest.get(ref.get("idref") or "")
        if entry is not None and "html" in entry[1] and entry[0] not in spine:
            spine.append(entry[0])
    if not spine:  # no usable spine: the manifest's documents in their listed order
        spine = [name for name, media, props in manifest.values() if "html" in media and "nav" not in props.split()]
    titles = [" ".join((el.text or "").split()) for el in opf.iter(f"{{{_DC_NS}}}title")]
    package = EpubPackage(title=next((t for t in titles if t), ""), spine=spine)
    nav = next((name for name, _, props in manifest.values() if "nav" in props.split()), None)
    ncx_id = spine_el.get("toc") if spine_el is not None else None
    ncx = manifest[ncx_id][0] if ncx_id in manifest else None
    ncx = ncx or next((name for name, media, _ in manifest.values() if media == "application/x-dtbncx+xml"), None)
    package.nav_names = {name for name in (nav, ncx) if name}
    for toc_name, reader in ((nav, _nav_toc), (ncx, _ncx_toc)):
        if toc_name and not package.toc and toc_name in archive.namelist():
            try:
                package.toc = reader(_xml(read_member(archive, toc_name, path), path, toc_name), toc_name)
            except CorruptFileError as exc:
                log.info("%s: table of contents %s unreadable: %s", path, toc_name, exc.message)
    return package
