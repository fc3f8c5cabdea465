"""A host video-call page on its own origin, embedding paygate's panel like a platform would,
and one browser context per person in the call."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.conftest import Stack, screenshots_dir
from tests.payments.conftest import Clinic, seed
from tests.servers import free_port, serve_asgi

SCREENSHOTS = screenshots_dir()

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Video call · {who}</title>
<style>
 body {{ margin:0; font-family: system-ui, sans-serif; height:100vh; display:grid;
        grid-template-columns: 1fr auto; background:#0f172a; }}
 .stage {{ display:grid; place-items:center; color:#cbd5e1; }}
 header {{ position:fixed; top:12px; left:16px; color:#e2e8f0; font-weight:600; }}
 .bar {{ position:fixed; bottom:16px; left:16px; }}
 .bar button {{ font:inherit; padding:10px 16px; border-radius:8px; border:0; cursor:pointer; }}
 aside {{ width:400px; background:#fff; display:none; flex-direction:column; }}
 aside.open {{ display:flex; }}
 aside h2 {{ margin:0; padding:14px 16px; font-size:15px; border-bottom:1px solid #e5e7eb; }}
 aside iframe {{ flex:1; border:0; width:100%; }}
</style></head>
<body>
<header>{who} · Telehealth call</header>
<main class="stage"><p>Video</p></main>
<div class="bar"><button id="apps" type="button">Apps &amp; Tools</button></div>
<aside id="panel" aria-label="Apps & Tools"><h2>Apps &amp; Tools</h2>
 <iframe id="paygate" name="paygate-{who}" title="Payments" allow="payment"
   data-src="{src}"></iframe></aside>
<script>
 window.paygateEvents = [];
 window.addEventListener("message", (e) => {{
   if (e.data && e.data.source === "paygate") window.paygateEvents.push(e.data.type);
 }});
 function openPanel() {{
   const frame = document.getElementById("paygate");
   if (!frame.src) frame.src = frame.dataset.src;
   document.getElementById("panel").classList.add("open");
 }}
 document.getElementById("apps").onclick = openPanel;
 if ({open_now}) openPanel();
</script>
</body></html>"""


# A host that mounts the widget as a script in its own page (no iframe).
SCRIPT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host with the widget script</title></head>
<body style="margin:0;display:grid;grid-template-columns:1fr 400px;height:100vh">
<main style="background:#0f172a"></main>
<aside id="payments" data-launch="{launch}" style="border-left:1px solid #e5e7eb"></aside>
<script type="module">
  import "{paygate}/widget/static/paygate.js";
  const element = document.getElementById("payments");
  window.domEvents = [];
  for (const name of ["ready", "request-created", "payment-received"]) {{
    element.addEventListener("paygate:" + name, () => window.domEvents.push(name));
  }}
  window.PayGate.mount(element, {{launchToken: element.dataset.launch}});
</script>
</body></html>"""


@dataclass
class Host:
    url: str


@pytest.fixture
def host_port() -> int:
    return free_port()


@pytest.fixture
def stack_overrides(host_port: int) -> dict[str, Any]:
    return {"allowed_origins": (f"http://127.0.0.1:{host_port}",)}


@pytest.fixture
def host(stack: Stack, host_port: int) -> Iterator[Host]:
    async def call_page(request: Request) -> HTMLResponse:
        launch = request.query_params["launch"]
        who = request.query_params.get("who", "Clinician")
        src = f"{stack.url}/widget/frame?launch={launch}"
        return HTMLResponse(HOST_PAGE.format(
            who=html.escape(who), src=html.escape(src),
            open_now="true" if request.query_params.get("open") else "false"))

    async def script_page(request: Request) -> HTMLResponse:
        return HTMLResponse(SCRIPT_PAGE.format(
            paygate=stack.url, launch=html.escape(request.query_params["launch"])))

    app = Starlette(routes=[Route("/call", call_page), Route("/script", script_page)])
    with serve_asgi(app, port=host_port) as url:
        yield Host(url=url)


@pytest.fixture
def clinic(stack: Stack) -> Clinic:
    return Clinic(account=seed(stack))


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    made: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1100, "height": 760})
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"flow-{name}.png"), animations="disabled")
