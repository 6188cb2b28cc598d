"""The event contract as a page a person can read: the checked-in AsyncAPI document, rendered
on the server into plain HTML.

FastStream's own AsyncAPI page loads the AsyncAPI React component (and a try-it plugin) from
unpkg and jsDelivr, so without internet access it stays blank, and its inline script would need
a CSP exception. The page below needs neither: no script, no external asset, every channel,
message and payload field in the HTML itself, with the document's JSON one link away.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
section{border-top:2px solid #eee;margin-top:1.5rem}
pre{background:#f6f6f6;padding:.75rem;overflow:auto}
"""


def _type_of(schema: dict[str, Any]) -> str:
    """A field's type in a few words: `uuid`, `string | null`, `one of post, question`..."""
    if "anyOf" in schema:
        return " | ".join(_type_of(option) for option in schema["anyOf"])
    if "const" in schema:
        return f"= {json.dumps(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    kind = str(schema.get("format") or schema.get("type") or "any")
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    return kind


def _fields(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    rows = [
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(_type_of(prop))}</td>"
        f"<td>{'yes' if name in required else ''}</td>"
        f"<td>{escape(str(prop.get('description', '')))}</td></tr>"
        for name, prop in schema.get("properties", {}).items()
    ]
    return (
        "<table><thead><tr><th>field</th><th>type</th><th>required</th><th>about</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _message(name: str, channel: dict[str, Any], message: dict[str, Any]) -> str:
    envelope = message.get("payload", {})
    payload = envelope.get("properties", {}).get("payload", {})
    version = envelope.get("properties", {}).get("version", {}).get("const")
    return (
        f'<section id="{escape(name)}"><h2>{escape(name)}</h2>'
        f"<p>Subject <code>{escape(str(channel.get('address', '')))}</code>, version "
        f"{escape(str(version))}. {escape(str(message.get('summary', '')))}</p>"
        f"<h3>Payload</h3><p>{escape(str(payload.get('description', '')))}</p>"
        f"{_fields(payload)}"
        f"<h3>Envelope</h3>{_fields(envelope)}"
        f"<h3>Headers</h3>{_fields(message.get('headers', {}))}"
        "<details><summary>JSON Schema</summary>"
        f"<pre>{escape(json.dumps(message, indent=2, sort_keys=True))}</pre></details>"
        "</section>"
    )


def asyncapi_html(document: dict[str, Any], *, json_url: str) -> str:
    """The page for an AsyncAPI 3 `document` (Plein's layout: one channel per event type)."""
    info = document.get("info", {})
    channels: dict[str, Any] = document.get("channels", {})
    messages: dict[str, Any] = document.get("components", {}).get("messages", {})
    by_producer: dict[str, list[str]] = defaultdict(list)
    for operation_name, operation in document.get("operations", {}).items():
        channel = str(operation["channel"]["$ref"]).rsplit("/", 1)[-1]
        producer = operation_name.split("Publishes", 1)[0]
        by_producer[producer].append(channel)
    contents = "".join(
        f"<li>{escape(producer)}: "
        + ", ".join(f'<a href="#{escape(c)}">{escape(c)}</a>' for c in sorted(names))
        + "</li>"
        for producer, names in sorted(by_producer.items())
    )
    sections = "".join(
        _message(name, channels[name], messages.get(name, {})) for name in sorted(channels)
    )
    title = escape(str(info.get("title", "Events")))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} – AsyncAPI</title><style>{STYLE}</style></head><body>"
        f"<h1>{title}</h1><p>{escape(str(info.get('description', '')))}</p>"
        f"<p>AsyncAPI {escape(str(document.get('asyncapi', '')))} document: "
        f'<a href="{escape(json_url)}">asyncapi.json</a>. {len(channels)} event types, '
        "by the service that publishes them:</p>"
        f"<ul>{contents}</ul>{sections}</body></html>"
    )
