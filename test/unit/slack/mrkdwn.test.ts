import fc from 'fast-check';
import {
  BUTTON_TEXT_MAX,
  codePointLength,
  CONTEXT_ELEMENT_MAX,
  escapeAndTruncate,
  escapeMrkdwn,
  FALLBACK_TEXT_MAX,
  HEADER_MAX,
  MAX_MESSAGE_BLOCKS,
  MAX_VIEW_BLOCKS,
  mention,
  MODAL_TITLE_MAX,
  plainText,
  SECTION_TEXT_MAX,
  singleLine,
  truncate,
  truncateByClusters,
} from '../../../src/slack/mrkdwn.js';

/** Escaped text is well formed when every "&" starts one of Slack's three entities. */
const wellFormed = (s: string): boolean =>
  !/[<>]/.test(s) && s.replace(/&(?:amp|lt|gt);/g, '').indexOf('&') === -1;

const unescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** No lone surrogate anywhere: a cut never split a pair. */
const noLoneSurrogate = (s: string): boolean =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('limits', () => {
  it('are the documented Block Kit limits', () => {
    expect([
      HEADER_MAX, SECTION_TEXT_MAX, BUTTON_TEXT_MAX, MODAL_TITLE_MAX, CONTEXT_ELEMENT_MAX,
      MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, FALLBACK_TEXT_MAX,
    ]).toEqual([150, 3000, 75, 24, 2000, 50, 100, 3000]);
  });
});

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<#C123|general>', '&lt;#C123|general&gt;'],
    ['<https://x|y>', '&lt;https://x|y&gt;'],
    ['AT&T', 'AT&amp;T'],
    ['&amp;', '&amp;amp;'],
    ['&lt;!channel&gt;', '&amp;lt;!channel&amp;gt;'],
    ['a > b < c', 'a &gt; b &lt; c'],
    ['*bold* _it_ ~s~ `code` :tada:', '*bold* _it_ ~s~ `code` :tada:'],
    ['شركة الأمل & co', 'شركة الأمل &amp; co'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('round-trips and never leaves a control character raw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const escaped = escapeMrkdwn(s);
        expect(wellFormed(escaped)).toBe(true);
        expect(unescape(escaped)).toBe(s);
      }),
    );
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['exactly 11!', 10, 'exactly 1…'],
    ['word word word', 10, 'word word…'],
    ['abc', 1, '…'],
    ['abc', 0, ''],
    ['😀😀😀', 3, '😀😀😀'],
    ['😀😀😀😀', 3, '😀😀…'],
    ['👨‍👩‍👧 family', 3, '…'],
    ['ab👨‍👩‍👧', 4, 'ab…'],
    ['🇫🇷🇩🇪🇯🇵', 5, '🇫🇷🇩🇪…'],
    ['éé', 1, '…'],
    ['e\u0301e\u0301e\u0301', 4, 'e\u0301…'],
    ['&amp;&amp;', 8, '&amp;…'],
    ['a&lt;b', 4, 'a…'],
    ['a&lt;bc', 6, 'a&lt;…'],
  ])('%j to %i → %j', (input, max, expected) => {
    expect(truncate(input, max)).toBe(expected);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('😀a')).toBe(2);
    expect(truncate('😀'.repeat(150), 150)).toBe('😀'.repeat(150));
  });

  it('still keeps something of one cluster longer than the limit', () => {
    const zalgo = `Z${'\u0301'.repeat(50)}`;
    const cut = truncate(zalgo, 10);
    expect(codePointLength(cut)).toBeLessThanOrEqual(10);
    expect(cut.startsWith('Z')).toBe(true);
  });

  it('never exceeds the limit, never splits a surrogate pair, keeps a prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 80 }), (s, max) => {
        const cut = truncate(s, max);
        expect(codePointLength(cut)).toBeLessThanOrEqual(max);
        expect(noLoneSurrogate(cut)).toBe(true);
        if (codePointLength(s) <= max) expect(cut).toBe(s);
        else expect(s.startsWith(cut.slice(0, -1).trimEnd())).toBe(true);
      }),
    );
  });
});

describe('truncate finds the cut without walking every cluster', () => {
  // Pieces that join, split or straddle: combining marks, ZWJ sequences, flags (regional indicator
  // pairs), skin tones, Hangul jamo, a prepend mark (U+0600), Thai SARA AM (a spacing mark), CR LF.
  const piece = fc.constantFrom(
    'a', 'Z', ' ', '&', ';', 'amp', '&amp;', '&lt;', '&gt;', '&am', 'é', 'e\u0301', '\u0301', '😀', '\r\n', '\r', '\n',
    '👨\u200d👩\u200d👧', '\u200d', '🇫🇷', '🇩', '👍🏽', '🏽', '\u1100\u1161\u11a8', '\u1161', '\u0600', '\u0600&amp;', 'ก\u0e33', '\u0e33',
    'ب', '\u202e', '\ufe0f', '☺\ufe0f', ';\u0301', '&amp\u0301;',
  );
  it('cuts exactly where walking the clusters cuts, entities whole, whatever follows the cut', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join('')), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
        fc.integer({ min: 1, max: 60 }),
        (text, max) => {
          if (codePointLength(text) <= max) return;
          expect(truncate(text, max)).toBe(truncateByClusters(text, max - 1));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});

describe('escapeAndTruncate', () => {
  it.each([
    ['<!channel>', 150, '&lt;!channel&gt;'],
    ['<!channel>', 5, '&lt;…'],
    ['<!channel>', 4, '…'],
    ['&&&&', 12, '&amp;&amp;…'],
    ['a&b', 5, 'a…'],
  ])('%j to %i → %j', (input, max, expected) => {
    expect(escapeAndTruncate(input, max)).toBe(expected);
  });

  it('fits the escaped result in max and leaves no dangling entity', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('&', '<', '>', 'a', 'é', '😀', '👍🏽', ' ', 'ا'), maxLength: 80 }),
        fc.integer({ min: 0, max: 100 }),
        (s, max) => {
          const out = escapeAndTruncate(s, max);
          expect(codePointLength(out)).toBeLessThanOrEqual(max);
          expect(wellFormed(out)).toBe(true);
          expect(noLoneSurrogate(out)).toBe(true);
          if (codePointLength(escapeMrkdwn(s)) <= max) expect(out).toBe(escapeMrkdwn(s));
        },
      ),
    );
  });

  it('handles a 10,000-character name quickly and within limits', () => {
    const out = escapeAndTruncate('<!channel> & '.repeat(800), HEADER_MAX);
    expect(codePointLength(out)).toBeLessThanOrEqual(HEADER_MAX);
    expect(wellFormed(out)).toBe(true);
  });
});

describe('mention', () => {
  it.each([
    ['U123', '<@U123>'],
    ['W0ABCDEF1', '<@W0ABCDEF1>'],
    ['u123', 'u123'],
    ['U', 'U'],
    ['C123', 'C123'],
    ['U123>|x', 'U123&gt;|x'],
    ['!channel', '!channel'],
    ['<!here>', '&lt;!here&gt;'],
    ['', ''],
  ])('%j → %j', (id, expected) => {
    expect(mention(id)).toBe(expected);
  });
});

describe('plainText', () => {
  it('builds a truncated plain_text object with look-alikes for & < > instead of entities', () => {
    expect(plainText('AT&T <team>', 75)).toEqual({ type: 'plain_text', text: 'AT＆T ‹team›', emoji: true });
    expect(plainText('<!channel>', 75).text).not.toMatch(/[<>&]/);
    expect(plainText('x'.repeat(30), MODAL_TITLE_MAX).text).toBe(`${'x'.repeat(23)}…`);
  });
});

describe('singleLine', () => {
  it.each([
    ['  Acme\n\tCo  ', 'Acme Co'],
    ['Acme\u202Emoc.live', 'Acmemoc.live'],
    ['\u2067שלום\u2069 Ltd', 'שלום Ltd'],
    ['a\u0000b\u2028c', 'a b c'],
    ['شركة الأمل', 'شركة الأمل'],
  ])('%j → %j', (input, expected) => {
    expect(singleLine(input)).toBe(expected);
  });
});
