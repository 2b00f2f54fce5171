import fc from 'fast-check';
import {
  answeredPage,
  badRequestPage,
  CONTENT_SECURITY_POLICY,
  escapeHtml,
  expiredPage,
  formPage,
  notFoundPage,
  thanksPage,
} from '../../../src/feedback/feedback-page.js';
import { createHash } from 'node:crypto';

const TOKEN = 'A'.repeat(48);

describe('the feedback page', () => {
  it('asks "How did we do, <account>?" with five labelled choices, an optional comment and a submit button', () => {
    const { status, html } = formPage({ accountName: 'Acme Co', token: TOKEN, selected: null, comment: null });
    expect(status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<h1>How did we do, Acme Co?</h1>');
    expect(html).toContain(`<form method="post" action="./${TOKEN}"`);
    expect(html).toContain('<fieldset>');
    expect(html).toContain('<legend>');
    for (const [n, label] of [
      [1, 'Very poor'],
      [2, 'Poor'],
      [3, 'Okay'],
      [4, 'Good'],
      [5, 'Excellent'],
    ] as const) {
      expect(html).toContain(`<input type="radio" id="score-${n}" name="score" value="${n}" required>`);
      expect(html).toMatch(new RegExp(`<label for="score-${n}">.*<span class="n">${n}</span><span>${label}</span></label>`));
    }
    expect(html).toContain('<label class="text" for="comment">Anything you would like to add? (optional)</label>');
    expect(html).toContain('<textarea id="comment" name="comment" maxlength="2000"');
    expect(html).toContain('<button type="submit">Send my answer</button>');
    expect(html).not.toMatch(/<script|<img|<link|<iframe|https?:\/\//i);
  });

  it('pre-selects only the score it is given', () => {
    const { html } = formPage({ accountName: 'Acme', token: TOKEN, selected: 4, comment: null });
    expect(html.match(/ checked/g)).toHaveLength(1);
    expect(html).toContain('value="4" required checked');
  });

  it('escapes every name and comment, whatever they hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (name, comment) => {
        const pages = [
          formPage({ accountName: name, token: TOKEN, selected: 2, comment, problem: comment }).html,
          thanksPage({ token: TOKEN, score: 5, comment, canChange: true }).html,
        ];
        for (const html of pages) {
          const body = html.slice(html.indexOf('<body>'));
          // Our markup only: every tag in the body is one the page itself writes.
          for (const tag of body.match(/<\/?([a-z0-9]+)/gi) ?? []) {
            expect(['<body', '<main', '<div', '</div', '<h1', '</h1', '<p', '</p', '<form', '</form', '<fieldset', '</fieldset', '<legend', '</legend', '<input', '<label', '</label', '<svg', '</svg', '<circle', '<path', '<span', '</span', '<textarea', '</textarea', '<button', '</button', '<footer', '</footer', '</main', '</body', '</html', '<strong', '</strong', '<blockquote', '</blockquote', '<a', '</a']).toContain(tag);
          }
        }
      }),
    );
    const hostile = formPage({ accountName: '<script>alert(1)</script> & "Co"', token: TOKEN, selected: null, comment: '</textarea><img src=x onerror=alert(1)>' }).html;
    expect(hostile).toContain('How did we do, &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;?');
    expect(hostile).toContain('&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('shows a problem with what was sent as a 400 with the form and the comment kept', () => {
    const page = formPage({ accountName: 'Acme', token: TOKEN, selected: null, comment: 'kept', problem: 'Please choose one of the five answers.' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('role="alert">Please choose one of the five answers.</p>');
    expect(page.html).toContain('>kept</textarea>');
  });

  it('its stylesheet is the one the CSP allows, and the CSP allows nothing from anywhere else', () => {
    const { html } = formPage({ accountName: 'Acme', token: TOKEN, selected: null, comment: null });
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("form-action 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe/);
    expect(style).toContain('prefers-color-scheme:dark');
  });

  it('says plainly what happened on every other page, with the right status', () => {
    expect(notFoundPage()).toMatchObject({ status: 404, title: 'This link does not work' });
    expect(expiredPage()).toMatchObject({ status: 410, title: 'This link has expired' });
    expect(expiredPage().html).toContain('reply to the email it came in');
    expect(badRequestPage('Odd <input>')).toMatchObject({ status: 400 });
    expect(badRequestPage('Odd <input>').html).toContain('Odd &lt;input&gt;');
    expect(answeredPage({ score: 4, status: 409 })).toMatchObject({ status: 409, title: 'Already answered' });
    expect(answeredPage({ score: 4, status: 200 }).html).toContain('4 · Good');
    const thanks = thanksPage({ token: TOKEN, score: 1, comment: null, canChange: true });
    expect(thanks.status).toBe(200);
    expect(thanks.html).toContain('1 · Very poor');
    expect(thanks.html).toContain(`<a href="./${TOKEN}">Change your answer</a>`);
    expect(thanks.html).toContain('We are sorry we let you down.');
    expect(thanksPage({ token: TOKEN, score: 4, comment: null, canChange: false }).html).not.toMatch(/sorry|Change your answer/);
  });
});
