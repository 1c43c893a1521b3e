import type { OpenApiSpec } from './spec/load-spec.js';

/**
 * `/docs`: a self-contained page (no CDN: servers often run offline) listing every operation by tag, with a form to
 * send a request to this server and see the answer. `/openapi.json` holds the full description for generators.
 */
export function docsPage(spec: OpenApiSpec): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      const body = op.requestBody?.content['application/json']?.schema?.['$ref'];
      const row = `<li><button data-m="${method.toUpperCase()}" data-p="${esc(path)}"><b>${method.toUpperCase()}</b> ${esc(path)}</button> <i>${esc(op.summary ?? op.operationId)}</i>${body ? ` <small>body: ${esc(String(body).split('/').pop() ?? '')}</small>` : ''}</li>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), row]);
    }
  }
  const sections = [...byTag].map(([tag, rows]) => `<h2>${esc(tag)}</h2><ul>${rows.join('')}</ul>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(String(spec.info['title']))}</title>
<style>body{font:14px system-ui;margin:2em;max-width:70em}button{font:inherit;border:0;background:#eef;cursor:pointer}
textarea,input{width:100%;font:13px monospace}pre{background:#f6f6f6;padding:1em;overflow:auto;max-height:30em}</style></head>
<body><h1>${esc(String(spec.info['title']))}</h1><p>Full description: <a href="/openapi.json">/openapi.json</a>.</p>
<form id="f"><input id="m" value="GET"><input id="p" value="/collections"><input id="k" placeholder="api-key (optional)">
<textarea id="b" rows="6" placeholder="JSON body"></textarea><button>Send</button></form><pre id="out"></pre>${sections}
<script>
for (const b of document.querySelectorAll('button[data-m]')) b.onclick = () => { m.value = b.dataset.m; p.value = b.dataset.p; scrollTo(0, 0); };
f.onsubmit = async (e) => { e.preventDefault();
  const headers = { 'content-type': 'application/json' }; if (k.value) headers['api-key'] = k.value;
  const r = await fetch(p.value, { method: m.value, headers, body: ['GET', 'DELETE'].includes(m.value) || !b.value ? undefined : b.value });
  out.textContent = r.status + '\\n' + await r.text(); };
</script></body></html>`;
}

function esc(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
