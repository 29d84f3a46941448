"""Chart files drawn in a child process: PNG, SVG and standalone HTML from a Vega-Lite spec.

The renderer (vl-convert) runs a JavaScript engine inside the process that calls it. In the
server's own process that costs about 180 MB from the first chart file on, for as long as the
server runs, and any input the renderer cannot take aborts the process (a Rust panic does not
unwind): every visitor's session would go with it. So each file is drawn by a short-lived
child process (`python -m lib.charts.render KIND`) that gets the spec on stdin and writes the
file to stdout: its memory goes back to the system when it exits, and if it dies, only that
download fails. At most `MAX_RENDERS` children run at once, each for at most `TIMEOUT_S`.

This module imports nothing heavy: the child imports vl-convert (and Altair, for HTML) itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

KINDS = ("png", "svg", "html", "svgs")
"""File kinds; "svgs" draws every spec of `{"specs": [...]}` as SVG, a JSON list of them."""
MAX_RENDERS = 2
"""Children drawing at once, for every session together (each peaks at 150–195 MB, measured for
the figure and for a chart of 5,000 rows)."""
TIMEOUT_S = 60.0
"""Seconds a child may take (a chart file of the largest exported view, 5,000 rows, takes under
2 s)."""
WAIT_S = 60.0
"""Seconds a download waits for a free renderer before it gives up."""
ROOT = Path(__file__).resolve().parents[2]
"""The project folder: the child runs there, so that `-m lib.charts.render` finds this module."""

SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}
"""Characters that JSON inside an HTML <script> must not hold literally: `<` could start
`</script>` or `<!--`, `&` an entity in some parsers, U+2028/U+2029 end a line in older
JavaScript. As \\u escapes they mean the same to the JSON parser."""

_slots = threading.BoundedSemaphore(MAX_RENDERS)


class RenderError(Exception):
    """The child could not draw the file (it failed, died, or took too long)."""


class ScriptJSONEncoder(json.JSONEncoder):
    """JSON with the characters of `SCRIPT_ESCAPES` written as \\u escapes (which JSON can only
    hold inside strings, so the value stays the same)."""

    def encode(self, o: Any) -> str:
        return super().encode(o).translate(SCRIPT_ESCAPES)


def render(kind: str, spec: dict[str, Any], *, scale: float = 2.0,
           versions: dict[str, str] | None = None) -> bytes:
    """The file of `kind` (png, svg, html) drawn from `spec` by a child process; `scale` is the
    PNG's pixel ratio, `versions` the Vega, Vega-Lite and Vega-Embed versions of an HTML page.
    Raises `RenderError` when the child fails, dies or times out, or no renderer frees up in
    `WAIT_S` seconds; the calling process is never at risk."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart file kind: {kind}")
    header = json.dumps({"kind": kind, "scale": scale, "versions": versions or {}})
    payload = (header + "\n" + json.dumps(spec)).encode("utf-8")
    if not _slots.acquire(timeout=WAIT_S):
        raise RenderError("every renderer is busy")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lib.charts.render"], input=payload, capture_output=True,
            timeout=TIMEOUT_S, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"drawing took more than {TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise RenderError(f"the renderer could not start ({exc.strerror})") from None
    finally:
        _slots.release()
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"the renderer stopped (exit code {done.returncode})"
                          + (f": {said[-1][:300]}" if said else ""))
    return done.stdout


def _draw(kind: str, spec_json: str, scale: float, versions: dict[str, str]) -> bytes:
    """In the child: the file of `kind` from the spec's JSON text."""
    if kind == "html":
        from altair.utils import spec_to_html

        page = spec_to_html(json.loads(spec_json), mode="vega-lite", template="inline",
                            vega_version=versions["vega"],
                            vegalite_version=versions["vegalite"],
                            vegaembed_version=versions["vegaembed"],
                            embed_options={"renderer": "svg"},
                            json_kwds={"cls": ScriptJSONEncoder})
        return page.encode("utf-8")
    import vl_convert as vlc

    if kind == "svgs":  # one child for many small drawings: its start is most of their cost
        return json.dumps([vlc.vegalite_to_svg(json.dumps(spec), allowed_base_urls=[])
                           for spec in json.loads(spec_json)["specs"]]).encode("utf-8")
    if kind == "png":
        return vlc.vegalite_to_png(spec_json, scale=scale, allowed_base_urls=[])
    return vlc.vegalite_to_svg(spec_json, allowed_base_urls=[]).encode("utf-8")


def main() -> int:
    """The child: a header line of JSON (kind, scale, versions), then the spec; the file's
    bytes to stdout. Any failure: a short line on stderr and exit code 1."""
    header, _, spec_json = sys.stdin.buffer.read().decode("utf-8").partition("\n")
    try:
        options = json.loads(header)
        data = _draw(options["kind"], spec_json, float(options["scale"]), options["versions"])
    except Exception as exc:  # noqa: BLE001 - the parent only needs to know it failed
        said = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
        sys.stderr.write(said[:300] + "\n")
        return 1
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
