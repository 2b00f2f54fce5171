import { createHash } from 'node:crypto';
import { COMMENT_MAX } from './feedback-form.js';
import { routeOf, SCORES, SCORE_LABELS, scoreText, type Score } from './feedback-score.js';
import { escapeHtml } from '../http/html.js';

/**
 * The one page of the product a customer sees: server-rendered HTML with its own small
 * stylesheet and no script, so it works without JavaScript, on any phone, by keyboard and with a
 * screen reader (native radio buttons with labels, a fieldset and legend), in light and dark mode.
 * Pure: each function returns the status and the document; every name and comment is escaped.
 */

export interface Page {
  status: number;
  title: string;
  html: string;
}

export { escapeHtml };

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1c1e21;--muted:#575e68;--line:#cfd4db;--accent:#1f56d1;--on-accent:#fff;--picked:#e8efff;--focus:#1f56d1;--warn:#b42318;--warn-bg:#fdecea}
@media (prefers-color-scheme:dark){:root{--bg:#131518;--card:#1d2024;--text:#eceef1;--muted:#a8afb9;--line:#3b4048;--accent:#8aaeff;--on-accent:#0c1016;--picked:#22304d;--focus:#a9c3ff;--warn:#ffb4a8;--warn-bg:#3a1d1a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
main{max-width:34rem;margin:0 auto;padding:1.25rem .75rem 2.5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:16px;padding:1.25rem .85rem}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .4rem;overflow-wrap:anywhere}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.95rem}
fieldset{border:0;margin:1.1rem 0 .6rem;padding:0;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.5rem}
.choices{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:.35rem}
.choice{position:relative;display:flex}
.choice input{position:absolute;top:0;left:0;width:1px;height:1px;opacity:0;margin:0}
.choice label{flex:1;display:flex;flex-direction:column;align-items:center;gap:.15rem;min-height:6.4rem;padding:.55rem .1rem;border:2px solid var(--line);border-radius:12px;background:var(--card);cursor:pointer;text-align:center;font-size:clamp(.55rem,2.9vw,.88rem);line-height:1.15;user-select:none}
.choice .n{font-weight:700;font-size:1.05rem}
.choice svg{width:2.5rem;height:2.5rem;flex:none}
.choice input:checked+label{border-color:var(--accent);background:var(--picked);box-shadow:0 0 0 1px var(--accent)}
.choice input:focus-visible+label{outline:3px solid var(--focus);outline-offset:2px}
.face-bg{stroke:none}.s1 .face-bg{fill:#e5484d}.s2 .face-bg{fill:#f0883e}.s3 .face-bg{fill:#e2b203}.s4 .face-bg{fill:#7cb342}.s5 .face-bg{fill:#2fa36b}
.face-line{fill:none;stroke:#1c1e21;stroke-width:2.4;stroke-linecap:round}.face-eye{fill:#1c1e21}
label.text{display:block;font-weight:600;margin:1rem 0 .35rem}
textarea{display:block;width:100%;min-height:7.5rem;padding:.6rem .7rem;font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:10px;resize:vertical}
textarea:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
.hint{color:var(--muted);font-size:.85rem;margin:.3rem 0 0}
button{display:block;width:100%;margin-top:1.1rem;padding:.85rem 1rem;font:inherit;font-weight:600;border:0;border-radius:12px;background:var(--accent);color:var(--on-accent);cursor:pointer}
button:focus-visible{outline:3px solid var(--focus);outline-offset:3px}
a{color:var(--accent)}
a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.problem{border-left:4px solid var(--warn);background:var(--warn-bg);padding:.55rem .75rem;border-radius:6px;margin:.8rem 0}
blockquote{margin:.8rem 0;padding:.4rem .8rem;border-left:4px solid var(--line);white-space:pre-wrap;overflow-wrap:anywhere}
footer{margin-top:1rem;color:var(--muted);font-size:.82rem}
@media (min-width:30rem){main{padding-top:2.5rem}.card{padding:1.6rem 1.5rem}}
`.trim();

/**
 * Everything the page may load: its own inline stylesheet (by hash) and forms back to itself. No
 * script, image, font, frame or connection at all, and no one may frame it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

// One face per answer, drawn inline (no image request, no emoji font needed): a frown to a grin.
const MOUTHS: Readonly<Record<Score, string>> = {
  1: 'M12 29.5 Q20 20.5 28 29.5',
  2: 'M13 28 Q20 23.5 27 28',
  3: 'M13 26.5 L27 26.5',
  4: 'M13 24.5 Q20 30 27 24.5',
  5: 'M11.5 23 Q20 34 28.5 23',
};

function face(score: Score): string {
  return (
    `<svg class="s${score}" viewBox="0 0 40 40" aria-hidden="true" focusable="false">` +
    `<circle class="face-bg" cx="20" cy="20" r="18"/>` +
    `<circle class="face-eye" cx="14" cy="16" r="2.3"/><circle class="face-eye" cx="26" cy="16" r="2.3"/>` +
    `<path class="face-line" d="${MOUTHS[score]}"/></svg>`
  );
}

function document(status: number, title: string, body: string): Page {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="card">
${body}
</div>
</main>
</body>
</html>
`;
  return { status, title, html };
}

const PRIVACY =
  '<footer>We keep your rating and comment with your account so the team can act on them. Nothing else is recorded: no cookies, no tracking.</footer>';

/** "Acme Co", or a plain stand-in when the account has no usable name. */
function displayName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').trim();
  return clean === '' ? 'there' : clean;
}

export interface FormPageInput {
  accountName: string;
  /** The token, for the form's relative action. */
  token: string;
  selected: Score | null;
  comment: string | null;
  /** A problem with what was sent, shown above the form (status 400). */
  problem?: string | null;
  /** The answer already given, when the customer came back to change it. */
  current?: { score: Score } | null;
}

export function formPage(input: FormPageInput): Page {
  const name = escapeHtml(displayName(input.accountName));
  const choices = SCORES.map((score) => {
    const checked = input.selected === score ? ' checked' : '';
    return (
      `<div class="choice"><input type="radio" id="score-${score}" name="score" value="${score}" required${checked}>` +
      `<label for="score-${score}">${face(score)}<span class="n">${score}</span><span>${escapeHtml(SCORE_LABELS[score])}</span></label></div>`
    );
  }).join('\n');
  const problem = input.problem ? `<p class="problem" role="alert">${escapeHtml(input.problem)}</p>` : '';
  const current = input.current
    ? `<p class="muted">You answered <strong>${escapeHtml(scoreText(input.current.score))}</strong>. You can change your answer for a few more minutes.</p>`
    : `<p class="muted">Your answer goes straight to the people who look after you.</p>`;
  const body = `<h1>How did we do, ${name}?</h1>
${current}
${problem}
<form method="post" action="./${escapeHtml(input.token)}" accept-charset="utf-8">
<fieldset>
<legend>Tap the one that fits best</legend>
<div class="choices">
${choices}
</div>
</fieldset>
<label class="text" for="comment">Anything you would like to add? (optional)</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_MAX}" rows="4" aria-describedby="comment-hint">${escapeHtml(input.comment ?? '')}</textarea>
<p class="hint" id="comment-hint">Up to ${COMMENT_MAX.toLocaleString('en-US')} characters.</p>
<button type="submit">Send my answer</button>
</form>
${PRIVACY}`;
  return document(input.problem ? 400 : 200, 'How did we do?', body);
}

export function thanksPage(input: { token: string; score: Score; comment: string | null; canChange: boolean }): Page {
  const comment = input.comment ? `<blockquote>${escapeHtml(input.comment)}</blockquote>` : '';
  const change = input.canChange ? `<p>Changed your mind? <a href="./${escapeHtml(input.token)}">Change your answer</a> within 15 minutes.</p>` : '';
  const sorry = routeOf(input.score) === 'alert' ? '<p>We are sorry we let you down. The person who looks after you has been told, and will be in touch.</p>' : '';
  const body = `<h1>Thank you!</h1>
<p>Your answer reached the team: <strong>${escapeHtml(scoreText(input.score))}</strong>.</p>
${comment}
${sorry}
${change}
${PRIVACY}`;
  return document(200, 'Thank you', body);
}

/** The link was answered more than 15 minutes ago: 200 to a visit, 409 to a second answer. */
export function answeredPage(input: { score: Score; status: 200 | 409 }): Page {
  const body = `<h1>You have already answered</h1>
<p>Thank you: we have your answer, <strong>${escapeHtml(scoreText(input.score))}</strong>, and the team has seen it.</p>
<p>If there is anything else, just reply to the email this link came in.</p>`;
  return document(input.status, 'Already answered', body);
}

export function notFoundPage(): Page {
  return document(
    404,
    'This link does not work',
    `<h1>This link does not work</h1>
<p>It may have been cut short when it was copied. Please open it again from the email it came in, or reply to that email to tell us how we did.</p>`,
  );
}

export function expiredPage(): Page {
  return document(
    410,
    'This link has expired',
    `<h1>This link has expired</h1>
<p>Links to tell us how we did stay open for 30 days, and this one has closed.</p>
<p>We would still love to hear from you: just reply to the email it came in.</p>`,
  );
}

export function badRequestPage(message: string): Page {
  return document(
    400,
    'We could not read your answer',
    `<h1>We could not read your answer</h1>
<p>${escapeHtml(message)}</p>
<p>Nothing was saved. Please go back to the form and send it again.</p>`,
  );
}

export function tooLargePage(): Page {
  return document(
    413,
    'Too much to send',
    `<h1>That was too much to send</h1>
<p>Please keep your comment to ${COMMENT_MAX.toLocaleString('en-US')} characters and send it again. Nothing was saved.</p>`,
  );
}

export function tooManyRequestsPage(): Page {
  return document(429, 'Too many tries', `<h1>Too many tries</h1>\n<p>Please wait a minute, then try again.</p>`);
}

export function serverErrorPage(): Page {
  return document(
    500,
    'Something went wrong',
    `<h1>Something went wrong on our side</h1>\n<p>Your answer was not saved. Please try again in a minute.</p>`,
  );
}
