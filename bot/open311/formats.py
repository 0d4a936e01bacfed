"""GeoReport v2's two formats, chosen by the URL's extension: JSON, and XML (UTF-8, declared).

The shapes are the spec's: a list at the top for services, requests and errors (`<services><service>`,
`<service_requests><request>`, `<errors><error>`), an object for a service definition and the discovery.
In XML a list inside an object repeats its singular (`<attributes><attribute>`), booleans are `true`/`false`,
and an empty value is an empty element (`<address/>`), where JSON says null.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from flask import Response, request

__all__ = ["FORMATS", "answer", "error", "format_of_path"]

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry
ITEMS = {  # a list's element -> its items' element
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def answer(fmt: str, root: str, body, status: int = 200) -> Response:
    """body (a list, or a dict) in fmt; root names the XML document's element (services, service_definition…)."""
    if fmt == "xml":
        element = _element(root, body)
        text = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
            element, encoding="utf-8", xml_declaration=False
        )
        return Response(text, status=status, content_type=FORMATS["xml"])
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type=FORMATS["json"])


def error(fmt: str, code: int, description: str) -> Response:
    """The spec's error array: [{"code": 400, "description": "…"}], with the same HTTP status."""
    return answer(fmt, "errors", [{"code": code, "description": description}], status=code)


def format_of_path(path: str | None = None) -> str:
    """The format a URL asks for by its extension (for errors raised before a view ran): XML or else JSON."""
    return "xml" if (path if path is not None else request.path).lower().endswith(".xml") else "json"


def _element(tag: str, value) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list | tuple):
        for item in value:
            element.append(_element(ITEMS.get(tag, "item"), item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("", str(value))
    return element
