"""Shapes to and from XML elements, for ``rest-xml`` bodies and ``query`` responses.

Encoding builds text directly (escaped) rather than an element tree — it is
several times faster. Naming follows botocore's XML rules through
:class:`~squall.protocol.specs.WireNames`, so service name overrides apply:

* structure member → ``<Name>`` (``locationName`` or member name); ``xmlAttribute`` members become attributes;
* list → ``<Name><member>…</member></Name>``, or repeated ``<Element>`` when flattened;
* map → ``<Name><entry><key/><value/></entry></Name>``, or repeated ``<Name><key/><value/></Name>`` when flattened.

Decoding walks an :mod:`xml.etree.ElementTree` element the same way (namespaces ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from botocore.model import Shape

from squall.protocol import values
from squall.protocol.errors import BadValue
from squall.protocol.specs import WireNames


class XmlCodec:
    def __init__(self, names: WireNames) -> None:
        self.names = names

    # ---------------- encoding ----------------
    def element(self, tag: str, value: Any, shape: Shape, xmlns: str | None = None) -> str:
        """``<tag>…</tag>`` for ``value`` of ``shape`` (lists/maps flattened are the caller's job)."""
        out: list[str] = []
        self._element(out, tag, value, shape, xmlns)
        return "".join(out)

    def members(self, value: Mapping[str, Any], shape: Shape) -> str:
        """The child elements of structure ``shape`` (no enclosing element)."""
        out: list[str] = []
        self._struct_children(out, value, shape)
        return "".join(out)

    def _element(self, out: list[str], tag: str, value: Any, shape: Shape, xmlns: str | None = None) -> None:
        t = shape.type_name
        ns = f' xmlns="{xmlns}"' if xmlns else ""
        if t == "structure":
            attrs = ""
            declared = shape.serialization.get("xmlNamespace")
            if isinstance(declared, dict) and declared.get("prefix"):  # S3 Grantee: xmlns:xsi for xsi:type
                attrs += f' xmlns:{declared["prefix"]}={quoteattr(declared.get("uri", ""))}'
            for name, member in shape.members.items():
                if member.serialization.get("xmlAttribute") and value.get(name) is not None:
                    attrs += f" {self.names.member(shape, name, member)}={quoteattr(str(value[name]))}"
            out.append(f"<{tag}{ns}{attrs}>")
            self._struct_children(out, value, shape)
            out.append(f"</{tag}>")
        elif t == "list":
            out.append(f"<{tag}{ns}>")
            inner = self.names.list_member(shape) or "member"
            for item in value:
                self._element(out, inner, item, shape.member)
            out.append(f"</{tag}>")
        elif t == "map":
            out.append(f"<{tag}{ns}>")
            for k, v in value.items():
                out.append("<entry>")
                self._map_entry(out, k, v, shape)
                out.append("</entry>")
            out.append(f"</{tag}>")
        else:
            fmt = shape.serialization.get("timestampFormat", "iso8601")
            out.append(f"<{tag}{ns}>{escape(values.scalar_text(value, t, fmt))}</{tag}>")

    def _map_entry(self, out: list[str], k: Any, v: Any, shape: Shape) -> None:
        self._element(out, self.names.map_key(shape), k, shape.key)
        self._element(out, self.names.map_value(shape), v, shape.value)

    def _struct_children(self, out: list[str], value: Mapping[str, Any], shape: Shape) -> None:
        members = shape.members
        for name, item in value.items():
            member = members.get(name)
            if member is None or item is None or member.serialization.get("xmlAttribute"):
                continue
            if member.serialization.get("location"):  # header/uri/etc. in rest protocols
                continue
            tag = self.names.member(shape, name, member)
            if member.type_name == "list" and self.names.flattened(member):
                element = self.names.list_member(member) or tag
                for entry in item:
                    self._element(out, element, entry, member.member)
            elif member.type_name == "map" and self.names.flattened(member):
                for k, v in item.items():
                    out.append(f"<{tag}>")
                    self._map_entry(out, k, v, member)
                    out.append(f"</{tag}>")
            else:
                self._element(out, tag, item, member)

    # ---------------- decoding ----------------
    def parse_document(self, body: bytes) -> ET.Element:
        try:
            return ET.fromstring(body)
        except ET.ParseError as exc:
            raise BadValue(f"malformed XML: {exc}") from None

    def decode(self, node: ET.Element, shape: Shape) -> Any:
        t = shape.type_name
        if t == "structure":
            return self._decode_struct(node, shape)
        if t == "list":
            return [self.decode(child, shape.member) for child in node]
        if t == "map":
            return self._decode_map(list(node), shape)
        text = node.text or ""
        if t != "string":
            text = text.strip()
        return values.parse_scalar_text(text, t)

    def _decode_map(self, entries: list[ET.Element], shape: Shape) -> dict:
        out = {}
        kname, vname = self.names.map_key(shape), self.names.map_value(shape)
        for entry in entries:
            children = {_local(c.tag): c for c in entry}
            if kname not in children or vname not in children:
                raise BadValue("map entry without key or value")
            out[children[kname].text or ""] = self.decode(children[vname], shape.value)
        return out

    def _decode_struct(self, node: ET.Element, shape: Shape) -> dict:
        by_tag: dict[str, list[ET.Element]] = {}
        for child in node:
            by_tag.setdefault(_local(child.tag), []).append(child)
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue
            if member.serialization.get("xmlAttribute"):
                attr = self.names.member(shape, name, member)
                for k, v in node.attrib.items():
                    if _local(k) == attr.split(":")[-1]:
                        out[name] = values.parse_scalar_text(v, member.type_name)
                continue
            tag = self.names.xml_member_key(shape, name, member)
            found = by_tag.get(tag)
            if not found:
                continue
            try:
                if member.type_name == "list" and self.names.flattened(member):
                    out[name] = [self.decode(n, member.member) for n in found]
                elif member.type_name == "map" and self.names.flattened(member):
                    out[name] = self._decode_map(found, member)
                else:
                    out[name] = self.decode(found[0], member)
            except BadValue as exc:
                exc.path = f"{name}.{exc.path}" if exc.path else name
                raise
        return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag
