/**
 * The preview page: the bot's messages, Home tabs and modals drawn as Slack draws them, and a few
 * lines of script that ask for changes every POLL_MS and swap them in. Every string from outside
 * (names, memos, notes, errors) reaches the page through escapeHtml or the Block Kit renderer.
 */
import { messageHtml, viewHtml } from './block-kit-html.js';
import { escapeHtml } from '../http/html.js';
import { channelLabel, formatWhen, type Delivery, type PreviewMessage } from './message-state.js';
import { mrkdwnToHtml, type NameSource } from './mrkdwn-html.js';
import type { PreviewFeed } from './preview-feed.js';

/** How often an open page asks whether anything changed: a new message shows within this and a render. */
export const POLL_MS = 1_500;

const BOT_NAME = 'appreciation-bot';

export function feedHtml(feed: PreviewFeed, tz: string): string {
  const { names, now } = feed;
  const who = (userId: string) => `@${escapeHtml(names.userName(userId) ?? userId)}`;
  const messages = listOr(
    feed.messages.map((m) => messageCard(m, names, now, tz)),
    'No messages yet. Send a payment (see the README: <code>npm run demo</code>, or the generic payments webhook) and its celebration shows here within seconds.',
  );
  const homes = listOr(
    feed.homes.map((h) =>
      card(
        { cls: 'home-card', id: `home-${h.userId}` },
        `App Home of ${who(h.userId)}`,
        'as it opens now',
        `<div class="home-frame"><div class="home-tabs"><span class="home-tab home-tab-on">Home</span><span class="home-tab">Messages</span><span class="home-tab">About</span></div>${viewHtml(h.view, names)}</div>`,
      ),
    ),
    'No owner on Slack owns an account yet: their Home tab shows here once one does.',
  );
  const modals = listOr(
    feed.modals.map((m) => card({ cls: 'modal-card', id: `modal-${m.id}` }, `Modal opened for ${who(m.userId)}`, escapeHtml(formatWhen(m.openedAt, now, tz)), viewHtml(m.view, names))),
    'No modal opened yet. Modals open from Slack (a button, <code>/touchpoint</code>), so in console mode there are none.',
  );
  return (
    `<section id="messages"><h2>Messages <span class="count">${feed.messages.length}</span></h2>${messages}</section>` +
    `<section id="homes"><h2>App Home</h2>${homes}</section>` +
    `<section id="modals"><h2>Modals <span class="count">${feed.modals.length}</span></h2>${modals}</section>`
  );
}

/** The cards, or a line saying why there are none yet. `empty` is the module's own HTML. */
function listOr(cards: string[], empty: string): string {
  return cards.length === 0 ? `<p class="empty">${empty}</p>` : cards.join('');
}

/** A card with its meta line; `where`, `when` and `body` are HTML the caller escaped. */
function card(attrs: { cls: string; id: string }, where: string, when: string, body: string): string {
  return `<article class="card ${attrs.cls}" id="${escapeHtml(attrs.id)}"><div class="meta"><span class="where">${where}</span><span class="when">${when}</span></div>${body}</article>`;
}

function messageCard(m: PreviewMessage, names: NameSource, now: Date, tz: string): string {
  const edited = m.edit ? ` <span class="edited" title="updated ${escapeHtml(formatWhen(m.edit.at, now, tz))}: ${escapeHtml(deliveryText(m.edit.delivery, now, tz))}">(edited)</span>` : '';
  const earlier =
    m.earlier.length === 0
      ? ''
      : `<details class="earlier"><summary>${m.earlier.length === 1 ? 'What it said before' : `${m.earlier.length} earlier versions`}</summary>${m.earlier
          .map((v) => `<div class="version"><div class="version-when">${escapeHtml(formatWhen(v.at, now, tz))}</div>${messageHtml(v.payload, names)}</div>`)
          .join('')}</details>`;
  const failedEdits = m.failedEdits.map((f) => `<div class="failed-edit">An update queued ${escapeHtml(formatWhen(f.at, now, tz))} failed: ${escapeHtml(f.reason)}</div>`).join('');
  const editStatus = m.edit && m.edit.delivery.state !== 'sent' ? `<span class="status status-${m.edit.delivery.state}">update ${escapeHtml(deliveryText(m.edit.delivery, now, tz))}</span>` : '';
  return (
    `<article class="card msg" id="msg-${m.id}" data-key="${escapeHtml(m.dedupeKey)}">` +
    `<div class="meta"><span class="where">${escapeHtml(channelLabel(m.channel, names))}</span>` +
    `<span class="status status-${m.delivery.state}">${escapeHtml(deliveryText(m.delivery, now, tz))}</span>${editStatus}` +
    `<span class="when">queued ${escapeHtml(formatWhen(m.createdAt, now, tz))}</span></div>` +
    `<div class="slack-msg"><div class="avatar" aria-hidden="true">🎉</div><div class="slack-body">` +
    `<div class="slack-head"><span class="bot-name">${BOT_NAME}</span><span class="app-badge">APP</span><span class="slack-time">${escapeHtml(formatWhen(sentOrQueued(m), now, tz))}</span></div>` +
    `<div class="blocks">${messageHtml(m.current, names)}</div>${edited}` +
    `<div class="fallback" title="the message's text: what notifications and screen readers show">${mrkdwnToHtml(m.current.text ?? '', names)}</div>` +
    `</div></div>${failedEdits}${earlier}</article>`
  );
}

function sentOrQueued(m: PreviewMessage): Date {
  return m.delivery.state === 'sent' ? m.delivery.at : m.createdAt;
}

export function deliveryText(d: Delivery, now: Date, tz: string): string {
  switch (d.state) {
    case 'queued':
      return 'queued';
    case 'held':
      return `held until ${formatWhen(d.until, now, tz)}`;
    case 'retrying':
      return `retrying at ${formatWhen(d.at, now, tz)}${d.reason ? ` (${d.reason})` : ''}`;
    case 'sending':
      return 'sending';
    case 'sent':
      return `sent ${formatWhen(d.at, now, tz)}`;
    case 'failed':
      return `failed: ${d.reason}`;
  }
}

/** The whole page. `nonce` lets exactly this page's own style and script run (see the CSP). */
export function pageHtml(input: { feed: string; version: string; nonce: string; live: boolean }): string {
  const nonce = escapeHtml(input.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>Preview · ${BOT_NAME}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header class="top">
  <div class="top-title"><span class="logo" aria-hidden="true">🎉</span> ${BOT_NAME} <span class="top-sub">preview</span></div>
  <nav><a href="#messages">Messages</a><a href="#homes">App Home</a><a href="#modals">Modals</a></nav>
  <span id="live" class="live" data-state="${input.live ? 'live' : 'off'}" role="status"><span class="dot"></span><span class="live-on">live</span><span class="live-off">reconnecting…</span></span>
</header>
<p class="intro">What the bot has queued or sent, newest first, drawn as Slack shows it. This page updates by itself.</p>
<main id="feed" data-version="${escapeHtml(input.version)}">${input.feed}</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

// Asks for changes; the answer is HTML the server built and escaped, swapped in whole.
const SCRIPT = `(() => {
  const feed = document.getElementById('feed');
  const live = document.getElementById('live');
  const token = new URLSearchParams(location.search).get('token');
  let version = feed.dataset.version;
  async function tick() {
    try {
      const url = '/preview/feed?v=' + encodeURIComponent(version) + (token ? '&token=' + encodeURIComponent(token) : '');
      const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.status === 200) {
        const body = await res.json();
        version = body.version;
        feed.innerHTML = body.html;
        feed.dataset.version = version;
      }
      live.dataset.state = res.ok ? 'live' : 'off';
    } catch {
      live.dataset.state = 'off';
    }
    setTimeout(tick, document.hidden ? ${POLL_MS * 4} : ${POLL_MS});
  }
  setTimeout(tick, ${POLL_MS});
})();`;

// Slack's light theme: Lato-like system fonts, 15px text, its greens, reds and greys.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4ede4;color:#1d1c1d;font:15px/1.46668 -apple-system,BlinkMacSystemFont,"Segoe UI",Lato,"Helvetica Neue",Helvetica,Arial,sans-serif;-webkit-font-smoothing:antialiased}
.top{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#3f0e40;color:#fff}
.top-title{font-weight:900;font-size:16px}.top-sub{font-weight:400;opacity:.75}.logo{margin-right:4px}
.top nav{display:flex;gap:16px}.top nav a{color:#fff;opacity:.85;text-decoration:none;font-size:14px}.top nav a:hover{opacity:1;text-decoration:underline}
.live{margin-left:auto;font-size:13px;display:flex;align-items:center;gap:6px}.dot{width:8px;height:8px;border-radius:50%;background:#2bac76}
.live[data-state=off] .dot{background:#e8912d}.live[data-state=off] .live-on,.live[data-state=live] .live-off{display:none}
.intro{max-width:860px;margin:16px auto 0;padding:0 16px;color:#616061;font-size:14px}
main{max-width:860px;margin:0 auto;padding:0 16px 48px}
h2{font-size:18px;margin:28px 0 12px}.count{font-weight:400;color:#616061;font-size:15px}
.empty{color:#616061;background:#fff;border-radius:8px;padding:16px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:0 0 14px;padding:0 0 8px;overflow:hidden}
.meta{display:flex;flex-wrap:wrap;align-items:center;gap:10px;padding:8px 16px;border-bottom:1px solid #eee;font-size:12px;color:#616061;background:#fafafa}
.where{font-weight:700;color:#1d1c1d}.when{margin-left:auto}
.status{border-radius:10px;padding:1px 8px;font-weight:700}
.status-sent{background:#e3f5ec;color:#007a5a}.status-queued,.status-sending{background:#e8f5fa;color:#1264a3}
.status-held,.status-retrying{background:#fdf2cd;color:#7a5200}.status-failed{background:#fce8ee;color:#b5113f}
.slack-msg{display:flex;gap:8px;padding:8px 20px 0}
.avatar{flex:none;width:36px;height:36px;border-radius:6px;background:#4a154b;display:flex;align-items:center;justify-content:center;font-size:20px}
.slack-body{min-width:0;flex:1}
.slack-head{display:flex;align-items:baseline;gap:6px}.bot-name{font-weight:900}
.app-badge{font-size:10px;font-weight:700;color:rgba(29,28,29,.7);background:rgba(29,28,29,.13);border-radius:2px;padding:0 3px}
.slack-time{font-size:12px;color:#616061}
.edited{font-size:12px;color:#616061}
.fallback{margin-top:6px;font-size:12px;color:#868686}.fallback .mk-line:first-child::before{content:"Notification: ";font-weight:700}
.fallback .mk-mention,.fallback .mk-broadcast{background:none;color:inherit;font-weight:400}
.failed-edit{margin:8px 20px 0;padding:6px 10px;border-left:4px solid #e01e5a;background:#fce8ee;font-size:13px}
.earlier{margin:8px 20px 0;font-size:13px;color:#616061}.earlier summary{cursor:pointer}
.version{border-left:4px solid #ddd;padding:4px 0 4px 12px;margin:8px 0;color:#1d1c1d;opacity:.8}.version-when{font-size:12px;color:#616061}
.bk-header{font-size:18px;font-weight:900;line-height:1.33;margin:6px 0 2px}
.bk-section{display:flex;gap:12px;align-items:flex-start;margin:4px 0}
.bk-section-main{flex:1;min-width:0}
.bk-fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:4px}
.bk-accessory{flex:none}
.bk-context{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin:4px 0;font-size:12px;color:#616061}
.bk-context .mk-line{white-space:pre-wrap}
.bk-context-image{width:20px;height:20px;border-radius:4px;object-fit:cover}
.bk-divider{border:0;border-top:1px solid #ddd;margin:10px 0}
.bk-actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 4px}
.bk-image{margin:8px 0}.bk-image-title{font-size:13px;color:#616061;margin-bottom:4px}.bk-image-img{max-width:360px;max-height:360px;border-radius:8px;display:block}
.bk-accessory-image{width:88px;height:88px;border-radius:8px;object-fit:cover}
.bk-image-missing{display:inline-flex;align-items:center;justify-content:center;background:#eee;color:#888}
.bk-button{display:inline-flex;align-items:center;height:28px;padding:0 12px;border:1px solid rgba(29,28,29,.3);border-radius:4px;background:#fff;font-size:13px;font-weight:700;white-space:nowrap;cursor:default}
.bk-button-primary{background:#007a5a;border-color:#007a5a;color:#fff}
.bk-button-danger{background:#fff;border-color:rgba(224,30,90,.6);color:#e01e5a}
.bk-select{display:inline-flex;align-items:center;justify-content:space-between;gap:8px;min-width:180px;height:28px;padding:0 8px;border:1px solid rgba(29,28,29,.3);border-radius:4px;background:#fff;font-size:13px}
.bk-select-value{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bk-placeholder{color:#868686}.bk-chevron{color:#616061;font-size:12px}
.bk-chip{background:rgba(29,28,29,.06);border-radius:3px;padding:0 4px;margin-right:4px}
.bk-overflow{display:inline-flex;align-items:center;justify-content:center;width:28px;height:28px;border:1px solid rgba(29,28,29,.3);border-radius:4px;font-weight:900;cursor:default}
.bk-textinput{display:block;min-height:36px;padding:7px 10px;border:1px solid rgba(29,28,29,.3);border-radius:4px;font-size:15px;white-space:pre-wrap}
.bk-textinput-multi{min-height:78px}
.bk-input{margin:10px 0}.bk-input-label{font-weight:700;margin-bottom:6px}.bk-optional{font-weight:400;color:#616061}
.bk-hint{font-size:13px;color:#616061;margin-top:4px}
.bk-input .bk-select{display:flex;height:36px;font-size:15px;width:100%}
.bk-choices{display:flex;flex-direction:column;gap:4px}.bk-choice-mark{margin-right:6px}
.bk-unknown{display:inline-block;font-size:12px;color:#868686;border:1px dashed #ccc;border-radius:4px;padding:2px 6px;margin:4px 0}
.mk{overflow-wrap:anywhere}.mk-line{white-space:pre-wrap;min-height:1.46668em}
.mk-li{padding-left:1.2em;text-indent:-1.2em}
.mk-quote{margin:4px 0;padding-left:12px;border-left:4px solid #ddd}
.mk-code{font:12px/1.5 Monaco,Menlo,Consolas,"Courier New",monospace;color:#e01e5a;background:rgba(29,28,29,.04);border:1px solid rgba(29,28,29,.13);border-radius:3px;padding:0 3px}
.mk-pre{font:12px/1.5 Monaco,Menlo,Consolas,"Courier New",monospace;background:rgba(29,28,29,.04);border:1px solid rgba(29,28,29,.13);border-radius:4px;padding:8px;margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.mk-mention{color:#1264a3;background:rgba(29,155,209,.1);border-radius:3px;padding:0 2px}
.mk-broadcast{color:#1d1c1d;background:#fdf2cd;border-radius:3px;padding:0 2px;font-weight:700}
.mk-link{color:#1264a3;text-decoration:none}.mk-link:hover{text-decoration:underline}
.pt{white-space:pre-wrap;overflow-wrap:anywhere}
.home-frame{margin:12px 20px 4px;border:1px solid #ddd;border-radius:8px;padding:0 16px 12px}
.home-tabs{display:flex;gap:18px;border-bottom:1px solid #ddd;margin:0 -16px 8px;padding:10px 16px 0;font-size:14px}
.home-tab{padding-bottom:8px;color:#616061}.home-tab-on{color:#1d1c1d;font-weight:700;border-bottom:2px solid #1264a3}
.bk-modal{width:520px;max-width:calc(100% - 40px);margin:16px auto 8px;border-radius:8px;box-shadow:0 0 0 1px rgba(29,28,29,.13),0 18px 48px rgba(0,0,0,.35);background:#fff}
.bk-modal-title{display:flex;justify-content:space-between;align-items:center;padding:18px 24px;font-size:22px;font-weight:900;border-bottom:1px solid #ddd}
.bk-modal-x{font-size:16px;color:#616061;font-weight:400}
.bk-modal-body{padding:12px 24px}
.bk-modal-foot{display:flex;justify-content:flex-end;gap:12px;padding:16px 24px;border-top:1px solid #ddd}
.bk-modal-foot .bk-button{height:36px;padding:0 16px;font-size:15px}
`;
