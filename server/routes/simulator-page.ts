/**
 * The simulator's phone page. Plain DOM with textContent only: names and texts here come from
 * candidates and are never parsed as HTML.
 */
export const SIMULATOR_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Phone simulator · Text Engagement</title>
<style>
  :root { color-scheme: light; --ink:#1d2433; --muted:#5b6577; --line:#d9dee7; --brand:#0b5fff; --bubble-in:#e9edf3; --bubble-out:#0b5fff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #f4f6f9; }
  header { padding: 12px 20px; background: #fff; border-bottom: 1px solid var(--line); display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header p { margin: 0; color: var(--muted); font-size: 13px; }
  main { display: grid; grid-template-columns: minmax(240px, 340px) 1fr; height: calc(100vh - 54px); }
  #list { border-right: 1px solid var(--line); background: #fff; display: flex; flex-direction: column; min-height: 0; }
  #list input { margin: 10px; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; font: inherit; }
  #phones { list-style: none; margin: 0; padding: 0; overflow: auto; }
  #phones button { width: 100%; text-align: left; border: 0; border-bottom: 1px solid #eef1f5; background: none; padding: 10px 14px; font: inherit; cursor: pointer; display: grid; gap: 2px; }
  #phones button[aria-current="true"] { background: #eaf1ff; }
  #phones button:focus-visible, .phone button:focus-visible, .phone textarea:focus-visible { outline: 3px solid #7aa7ff; outline-offset: 1px; }
  .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .meta { color: var(--muted); font-size: 12px; display: flex; gap: 8px; }
  .count { margin-left: auto; background: var(--brand); color: #fff; border-radius: 10px; padding: 0 7px; font-size: 11px; }
  #detail { display: flex; justify-content: center; align-items: flex-start; padding: 20px; overflow: auto; }
  .phone { width: 380px; max-width: 100%; height: min(720px, calc(100vh - 100px)); background: #fff; border: 10px solid #1d2433; border-radius: 36px; display: flex; flex-direction: column; overflow: hidden; }
  .phone h2 { margin: 0; padding: 14px 16px 8px; font-size: 16px; text-align: center; border-bottom: 1px solid var(--line); }
  .phone h2 small { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
  .thread { flex: 1; overflow: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
  .bubble { max-width: 80%; padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
  .to-phone { align-self: flex-start; background: var(--bubble-in); border-bottom-left-radius: 4px; }
  .from-phone { align-self: flex-end; background: var(--bubble-out); color: #fff; border-bottom-right-radius: 4px; }
  .stamp { font-size: 11px; color: var(--muted); margin-top: -4px; }
  .stamp.out { align-self: flex-start; } .stamp.in { align-self: flex-end; }
  .failed { color: #b42318; }
  form { border-top: 1px solid var(--line); padding: 8px; display: grid; gap: 6px; }
  .quick { display: flex; gap: 6px; flex-wrap: wrap; }
  .quick button { border: 1px solid var(--line); background: #fff; border-radius: 14px; padding: 2px 10px; font: inherit; font-size: 13px; cursor: pointer; }
  .row { display: flex; gap: 6px; }
  textarea { flex: 1; resize: none; border: 1px solid var(--line); border-radius: 18px; padding: 8px 12px; font: inherit; min-height: 40px; }
  .send { border: 0; background: var(--brand); color: #fff; border-radius: 18px; padding: 0 16px; font: inherit; font-weight: 600; cursor: pointer; }
  .empty { color: var(--muted); text-align: center; margin-top: 40px; }
  #error { color: #b42318; font-size: 13px; min-height: 1em; }
  @media (max-width: 720px) { main { grid-template-columns: 1fr; height: auto; } #list { max-height: 40vh; } .phone { height: 70vh; } }
</style>
</head>
<body>
<header><h1>Phone simulator</h1><p>Texts sent through the simulator land on these phones. Pick a candidate to read their texts and reply (try STOP).</p></header>
<main>
  <section id="list" aria-label="Phones">
    <input id="filter" type="search" placeholder="Search name or number" aria-label="Search phones">
    <ul id="phones"></ul>
  </section>
  <section id="detail" aria-live="polite"><p class="empty">Choose a phone on the left.</p></section>
</main>
<script type="module">
const $ = (tag, props = {}, ...children) => { const el = Object.assign(document.createElement(tag), props); el.append(...children); return el; };
let phones = [];
let current = null;
let thread = [];

async function loadPhones() {
  const res = await fetch('/simulator/api/phones');
  phones = (await res.json()).phones;
  renderList();
}

function renderList() {
  const q = document.getElementById('filter').value.trim().toLowerCase();
  const digits = q.replace(/\\D/g, '');
  const list = document.getElementById('phones');
  list.replaceChildren(...phones
    .filter((p) => !q || (p.firstName + ' ' + p.lastName).toLowerCase().includes(q) || (digits && p.phone.includes(digits)))
    .map((p) => {
      const button = $('button', { type: 'button', onclick: () => open(p.phone) },
        $('span', { className: 'name', textContent: p.firstName + ' ' + p.lastName }),
        $('span', { className: 'meta' },
          $('span', { textContent: p.phone }), $('span', { textContent: p.channel === 'whatsapp' ? 'WhatsApp' : 'SMS' }),
          $('span', { textContent: p.organization }),
          ...(p.messageCount ? [$('span', { className: 'count', textContent: String(p.messageCount) })] : [])));
      button.setAttribute('aria-current', String(p.phone === current));
      button.dataset.phone = p.phone;
      return $('li', {}, button);
    }));
}

async function open(phone) {
  current = phone;
  renderList();
  const res = await fetch('/simulator/api/phones/' + encodeURIComponent(phone) + '/messages');
  thread = (await res.json()).messages;
  renderPhone();
}

function renderThread() {
  const threadEl = document.querySelector('.thread');
  if (!threadEl) return;
  threadEl.replaceChildren();
  if (!thread.length) threadEl.append($('p', { className: 'empty', textContent: 'No texts yet.' }));
  for (const m of thread) {
    threadEl.append($('div', { className: 'bubble ' + m.direction, textContent: m.body || (m.direction === 'from-phone' ? '(picture)' : '') }));
    const when = new Date(m.createdAt).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
    const status = m.direction === 'to-phone' ? ' · ' + (m.channel === 'whatsapp' ? 'WhatsApp' : 'SMS') + ' from ' + m.ourAddress + (m.errorCode ? ' · not delivered (' + m.errorCode + ')' : '') : '';
    threadEl.append($('div', { className: 'stamp ' + (m.direction === 'to-phone' ? 'out' : 'in') + (m.errorCode ? ' failed' : ''), textContent: when + status }));
  }
  threadEl.scrollTop = threadEl.scrollHeight;
}

function renderPhone() {
  const person = phones.find((p) => p.phone === current);
  const text = $('textarea', { rows: 2, placeholder: 'Text message' });
  text.setAttribute('aria-label', 'Reply from this phone');
  const error = $('div', { id: 'error', role: 'alert' });
  const send = async (body, picture) => {
    error.textContent = '';
    const res = await fetch('/simulator/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: current, body, picture }) });
    if (!res.ok) { error.textContent = (await res.json()).error?.message ?? 'Could not send.'; return; }
    text.value = '';
  };
  // A picture (with the text typed so far, if any), as a phone's MMS: images up to 1 MB.
  const file = $('input', { type: 'file', accept: 'image/jpeg,image/png,image/gif,image/webp', hidden: true });
  file.setAttribute('aria-label', 'Picture to send');
  file.addEventListener('change', () => {
    const picked = file.files[0];
    file.value = '';
    if (!picked) return;
    if (picked.size > 1024 * 1024) { error.textContent = 'Pick a picture of at most 1 MB.'; return; }
    const reader = new FileReader();
    reader.onload = () => send(text.value, { contentType: picked.type, base64: String(reader.result).split(',')[1] });
    reader.readAsDataURL(picked);
  });
  const form = $('form', { onsubmit: (e) => { e.preventDefault(); if (text.value.trim()) send(text.value); } },
    $('div', { className: 'quick' }, ...['Yes', 'No', 'STOP', 'START', 'HELP'].map((w) => $('button', { type: 'button', textContent: w, onclick: () => send(w) })),
      $('button', { type: 'button', textContent: 'Send picture', onclick: () => file.click() }), file),
    $('div', { className: 'row' }, text, $('button', { className: 'send', type: 'submit', textContent: 'Send' })),
    error);
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
  const title = $('h2', {}, person ? person.firstName + ' ' + person.lastName : current, $('small', { textContent: current + (person ? ' · ' + person.organization : '') }));
  document.getElementById('detail').replaceChildren($('div', { className: 'phone' }, title, $('div', { className: 'thread' }), form));
  renderThread();
}

document.getElementById('filter').addEventListener('input', renderList);
const events = new EventSource('/simulator/api/events');
events.addEventListener('message', (e) => {
  const m = JSON.parse(e.data);
  const p = phones.find((x) => x.phone === m.phone);
  const known = m.phone === current && thread.some((t) => t.id === m.id);
  if (p && !known && (m.status === 'queued' || m.status === 'received')) { p.messageCount += 1; p.lastAt = m.createdAt; }
  if (m.phone === current) {
    const i = thread.findIndex((t) => t.id === m.id);
    if (i >= 0) thread[i] = m; else thread.push(m);
    renderThread();
  }
  renderList();
});
loadPhones();
</script>
</body>
</html>`;
