"""Microsoft's own Adaptive Cards renderer (the `adaptivecards` npm package) in Chromium, with a host config for
Teams' light theme: what a card looks like, what the renderer's validation says about it, and the checks a person
would make by eye (text cut off, text too faint, how tall the card is on a phone).

`make browser` installs the renderer into .venv/node; the tests that use it skip when it (or chromium) is missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".venv" / "node" / "node_modules"
SCRIPTS = (
    NODE_MODULES / "markdown-it" / "dist" / "markdown-it.min.js",
    NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js",
)
DESKTOP, PHONE = 1000, 390

_FOREGROUND = {
    # Teams' light theme as its host config gives them; "warning" is the pale yellow (#f8d22a) and "good" the
    # light green that are unreadable as text on white, which the contrast check below finds.
    "default": {"default": "#ff252424", "subtle": "#bf252424"},
    "dark": {"default": "#252424", "subtle": "#bf252424"},
    "light": {"default": "#ffffff", "subtle": "#fff3f2f1"},
    "accent": {"default": "#6264a7", "subtle": "#8b8cc7"},
    "good": {"default": "#92c353", "subtle": "#e692c353"},
    "warning": {"default": "#f8d22a", "subtle": "#e6f8d22a"},
    "attention": {"default": "#c4314b", "subtle": "#e6c4314b"},
}
TEAMS_LIGHT = {
    "fontFamily": "'Segoe UI', system-ui, 'Helvetica Neue', sans-serif",
    "supportsInteractivity": True,
    "spacing": {"small": 8, "default": 12, "medium": 16, "large": 20, "extraLarge": 24, "padding": 16},
    "separator": {"lineThickness": 1, "lineColor": "#EEEEEE"},
    "fontSizes": {"small": 12, "default": 14, "medium": 14, "large": 18, "extraLarge": 24},
    "fontWeights": {"lighter": 200, "default": 400, "bolder": 600},
    "containerStyles": {
        "default": {"backgroundColor": "#ffffffff", "foregroundColors": _FOREGROUND},
        "emphasis": {"backgroundColor": "#fff5f5f5", "foregroundColors": _FOREGROUND},
        "accent": {"backgroundColor": "#ffe8ebfa", "foregroundColors": _FOREGROUND},
        "good": {"backgroundColor": "#ffe7f2da", "foregroundColors": _FOREGROUND},
        "attention": {"backgroundColor": "#fffcf4f6", "foregroundColors": _FOREGROUND},
        "warning": {"backgroundColor": "#fffbf6d9", "foregroundColors": _FOREGROUND},
    },
    "actions": {
        "maxActions": 6,
        "spacing": "default",
        "buttonSpacing": 8,
        "actionsOrientation": "horizontal",
        "actionAlignment": "stretch",
        "showCard": {"actionMode": "inline", "inlineTopMargin": 16},
    },
    "inputs": {
        "label": {
            "requiredInputs": {"weight": "bolder", "suffix": " *", "suffixColor": "attention"},
            "optionalInputs": {"weight": "bolder"},
        },
        "errorMessage": {"size": "default", "color": "attention", "weight": "bolder"},
    },
}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 12px; background: #f5f5f5; font-family: 'Segoe UI', system-ui, sans-serif; }
#card { background: #fff; border: 1px solid #e0e0e0; border-radius: 4px; }
/* What Teams' own stylesheet does for the renderer's plain HTML inputs and buttons. */
.ac-pushButton { font: 600 14px 'Segoe UI', system-ui, sans-serif; padding: 4px 12px; min-height: 32px;
  border: 1px solid #c8c6c4; border-radius: 4px; background: #fff; color: #252424; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.ac-pushButton.style-positive { background: #6264a7; border-color: #6264a7; color: #fff; }
.ac-pushButton.style-destructive { background: #fff; border-color: #c4314b; color: #a4262c; }
.ac-input { font: 14px 'Segoe UI', system-ui, sans-serif; }
.ac-input.ac-textInput, .ac-input.ac-numberInput, .ac-input.ac-dateInput, select.ac-input { min-height: 32px;
  border: 1px solid #c8c6c4; border-radius: 4px; padding: 4px 8px; }
</style></head><body><div id="card"></div></body></html>"""

_RENDER = """([card, hostConfig]) => {
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = window.markdownit().render(text); result.didProcess = true; };
  const parseErrors = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, parseErrors);
  const validation = adaptive.validateProperties();
  const holder = document.getElementById('card');
  holder.innerHTML = '';
  const rendered = adaptive.render();
  if (rendered) holder.appendChild(rendered);
  const events = [];
  for (const e of validation.validationEvents || []) events.push(String(e.message));
  for (let i = 0; i < parseErrors.eventCount; i++) {
    const e = parseErrors.getEventAt(i); events.push('parse: ' + String(e.message)); }
  return { events, rendered: !!rendered };
}"""

_INSPECT = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(',').map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => {
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => v * (1 - c[3]) + c[i] * c[3]);
    return out; };
  const root = document.getElementById('card');
  const faint = [], cut = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim())
      .map((n) => n.textContent).join('').trim();
    const style = getComputedStyle(el);
    if (own && style.visibility !== 'hidden' && style.display !== 'none') {
      const bg = background(el); const fg = parse(style.color);
      const blended = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
      const [a, b] = [lum(blended), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) faint.push({ text: own.slice(0, 80), ratio: Math.round(ratio * 100) / 100, color: style.color });
    }
    const text = (el.innerText || '').trim();
    if (text && el.scrollWidth > el.clientWidth + 1 && style.overflow !== 'visible' && el.clientWidth > 0
        && (style.textOverflow === 'ellipsis' || style.whiteSpace === 'nowrap')) cut.push(text.slice(0, 80));
    if (text && el.scrollHeight > el.clientHeight + 2 && style.overflow === 'hidden' && el.clientHeight > 0
        && style.webkitLineClamp !== 'none' && style.webkitLineClamp) cut.push(text.slice(0, 80));
  }
  const inputs = [...root.querySelectorAll('input, textarea, select')].filter((e) => e.type !== 'hidden');
  const unlabelled = inputs.filter((e) => !(e.getAttribute('aria-labelledby') || e.getAttribute('aria-label')
      || (e.id && root.querySelector('label[for="' + e.id + '"]')))).map((e) => e.outerHTML.slice(0, 80));
  const box = root.getBoundingClientRect();
  return { faint, cut: [...new Set(cut)], unlabelled, height: Math.round(box.height), width: Math.round(box.width) };
}"""


def available() -> bool:
    return all(path.exists() for path in SCRIPTS)


def open_renderer(browser: Any) -> Any:
    """A page with the renderer loaded (from .venv/node, no network)."""
    context = browser.new_context(viewport={"width": DESKTOP, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("data:") else route.continue_())
    page.set_content(PAGE)
    for script in SCRIPTS:
        page.add_script_tag(path=str(script))
    return page


def render(page: Any, card: dict[str, Any], width: int, shot: Path | None = None) -> dict[str, Any]:
    """Render `card` at `width` CSS pixels; returns the renderer's validation events and what the page shows."""
    page.set_viewport_size({"width": width, "height": 800})
    outcome = page.evaluate(_RENDER, [json.loads(json.dumps(card)), TEAMS_LIGHT])
    outcome.update(page.evaluate(_INSPECT))
    if shot is not None:
        page.locator("#card").screenshot(path=str(shot))
    return outcome
