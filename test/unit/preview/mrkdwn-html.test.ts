import fc from 'fast-check';
import { mrkdwnToHtml, plainTextToHtml, type NameSource } from '../../../src/preview/mrkdwn-html.js';

const names: NameSource = { userName: (id) => ({ U0DANA: 'dana', U0EVIL: '<script>alert(1)</script>' })[id] ?? null };

/** The inner HTML of one line of mrkdwn. */
function inline(text: string): string {
  const html = mrkdwnToHtml(text, names);
  const match = /^<div class="mk"><div class="mk-line">(.*)<\/div><\/div>$/s.exec(html);
  if (!match) throw new Error(`not a single line: ${html}`);
  return match[1]!;
}

describe('mrkdwn → HTML: inline formatting', () => {
  it.each([
    ['bold', '*Acme* paid', '<b>Acme</b> paid'],
    ['italic', 'a _quiet_ week', 'a <i>quiet</i> week'],
    ['strike', '~$100~ $90', '<s>$100</s> $90'],
    ['nested', '*_both_*', '<b><i>both</i></b>'],
    ['bold around a mention', '*<@U0DANA>*', '<b><span class="mk-mention" title="U0DANA">@dana</span></b>'],
    ['inside words is text', 'snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['an opener before a space is text', '* not bold*', '* not bold*'],
    ['a closer after a space is text', '*not bold *', '*not bold *'],
    ['unclosed', '*half', '*half'],
    ['a doubled marker pairs at its inner one, not as Markdown bold', '**x**', '*<b>x</b>*'],
    ['Markdown links are text', '[site](https://example.com)', '[site](https://example.com)'],
    ['headings are text', '# Title', '# Title'],
    ['inline code', 'run `npm start` now', 'run <code class="mk-code">npm start</code> now'],
    ['no formatting inside code', '`*x* <@U0DANA>`', '<code class="mk-code">*x* &lt;@U0DANA&gt;</code>'],
    ['entities decode once and are escaped again', 'A &amp; B &lt;3 &gt;', 'A &amp; B &lt;3 &gt;'],
    ['a double-escaped entity stays visible', '&amp;lt;', '&amp;lt;'],
  ])('%s', (_, text, html) => {
    expect(inline(text)).toBe(html);
  });
});

describe('mrkdwn → HTML: links, mentions, broadcasts, emoji', () => {
  it.each([
    ['labelled link', '<https://example.com/a?b=1&amp;c=2|the invoice>', '<a class="mk-link" href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">the invoice</a>'],
    ['bare link', '<https://example.com>', '<a class="mk-link" href="https://example.com/" rel="noopener noreferrer nofollow" target="_blank">https://example.com</a>'],
    ['mailto', '<mailto:dana@example.com|Dana>', '<a class="mk-link" href="mailto:dana@example.com" rel="noopener noreferrer nofollow" target="_blank">Dana</a>'],
    ['javascript: is never a link', '<javascript:alert(1)|click>', 'click'],
    ['mention by name', 'owner <@U0DANA>', 'owner <span class="mk-mention" title="U0DANA">@dana</span>'],
    ['unknown user: the id', '<@U0NOBODY>', '<span class="mk-mention" title="U0NOBODY">@U0NOBODY</span>'],
    ['unknown user with a label', '<@U0NOBODY|lee>', '<span class="mk-mention" title="U0NOBODY">@lee</span>'],
    ['a hostile name is text', '<@U0EVIL>', '<span class="mk-mention" title="U0EVIL">@&lt;script&gt;alert(1)&lt;/script&gt;</span>'],
    ['channel', '<#C0123|sales>', '<span class="mk-mention">#sales</span>'],
    ['@here is inert', 'hey <!here>', 'hey <span class="mk-broadcast">@here</span>'],
    ['@channel is inert', '<!channel>', '<span class="mk-broadcast">@channel</span>'],
    ['@everyone is inert', '<!everyone>', '<span class="mk-broadcast">@everyone</span>'],
    ['user group', '<!subteam^S0123|@sales-team>', '<span class="mk-mention">@sales-team</span>'],
    ['date shows its fallback', '<!date^1392734382^{date_short}|Feb 18, 2014>', 'Feb 18, 2014'],
    ['escaped brackets are text, not a mention', '&lt;!channel&gt;', '&lt;!channel&gt;'],
    ['emoji shortcode', 'well done :tada:', 'well done <span class="emoji">🎉</span>'],
    ['Slack-only alias', ':thinking_face:', '<span class="emoji">🤔</span>'],
    ['flag', ':flag-fr:', '<span class="emoji">🇫🇷</span>'],
    ['skin tone', ':wave::skin-tone-3:', '<span class="emoji">👋</span><span class="emoji">🏼</span>'],
    ['unknown shortcode stays', ':not_an_emoji:', ':not_an_emoji:'],
    ['times are not emoji', 'at 10:30:00 :tada:', 'at 10:30:00 <span class="emoji">🎉</span>'],
  ])('%s', (_, text, html) => {
    expect(inline(text)).toBe(html);
  });
});

describe('mrkdwn → HTML: lines and blocks', () => {
  it.each([
    ['lines', 'one\ntwo', '<div class="mk"><div class="mk-line">one</div><div class="mk-line">two</div></div>'],
    ['an empty line keeps its height', 'a\n\nb', '<div class="mk"><div class="mk-line">a</div><div class="mk-line"><br></div><div class="mk-line">b</div></div>'],
    ['quote', '> said it\nafter', '<div class="mk"><blockquote class="mk-quote"><div class="mk-line">said it</div></blockquote><div class="mk-line">after</div></div>'],
    ['escaped quote marker quotes too', '&gt; *bold* quote', '<div class="mk"><blockquote class="mk-quote"><div class="mk-line"><b>bold</b> quote</div></blockquote></div>'],
    ['>>> quotes the rest', 'intro\n>>> a\nb', '<div class="mk"><div class="mk-line">intro</div><blockquote class="mk-quote"><div class="mk-line">a</div><div class="mk-line">b</div></blockquote></div>'],
    ['bullet list', '• one\n• *two*', '<div class="mk"><div class="mk-line mk-li">• one</div><div class="mk-line mk-li">• <b>two</b></div></div>'],
    ['numbered list', '1. first\n2. second', '<div class="mk"><div class="mk-line mk-li">1. first</div><div class="mk-line mk-li">2. second</div></div>'],
    ['code block is literal', 'run:\n```\n*x* <@U0DANA> &amp;\n```\ndone', '<div class="mk"><div class="mk-line">run:</div><pre class="mk-pre">*x* &lt;@U0DANA&gt; &amp;</pre><div class="mk-line">done</div></div>'],
  ])('%s', (_, text, html) => {
    expect(mrkdwnToHtml(text, names)).toBe(html);
  });
});

describe('plain_text → HTML', () => {
  it.each([
    ['shown as typed', '*not bold* _nor italic_', true, '<span class="pt">*not bold* _nor italic_</span>'],
    ['escaped', '<script>alert(1)</script> & "q"', true, '<span class="pt">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</span>'],
    ['entities are text in plain_text', '&amp;', true, '<span class="pt">&amp;amp;</span>'],
    ['emoji: true converts shortcodes', 'Say thanks :tada:', true, '<span class="pt">Say thanks <span class="emoji">🎉</span></span>'],
    ['emoji: false keeps them', 'Say thanks :tada:', false, '<span class="pt">Say thanks :tada:</span>'],
  ])('%s', (_, text, emoji, html) => {
    expect(plainTextToHtml(text, emoji)).toBe(html);
  });
});

describe('mrkdwn → HTML: safety', () => {
  // The only tags that may appear are the renderer's own; any text, however hostile, stays text.
  const OWN_TAGS = new Set(['div', 'blockquote', 'pre', 'code', 'span', 'a', 'b', 'i', 's', 'br']);

  it('produces only its own tags and attributes for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', '*', '_', '~', '`', ':', '|', '@', '!', '#', '"', "'", '\n', 'a', ' ', 'script', 'img', 'on', '=', 'javascript:', 'http://x') }), (text) => {
        const html = mrkdwnToHtml(text, names);
        for (const [, tag] of html.matchAll(/<\/?([a-zA-Z0-9]+)/g)) expect(OWN_TAGS.has(tag!)).toBe(true);
        // No event-handler attribute in any tag; " onclick=" typed by someone is text, and stays text.
        for (const [tagText] of html.matchAll(/<[^>]*>/g)) expect(tagText).not.toMatch(/\son\w+=/i);
        expect(html).not.toMatch(/href="(?!https?:|mailto:)/);
      }),
      { numRuns: 500 },
    );
  });

  it('renders a line of thousands of markers without deep recursion', () => {
    const html = mrkdwnToHtml('*_~'.repeat(3000));
    expect(html.length).toBeGreaterThan(9000);
  });
});
