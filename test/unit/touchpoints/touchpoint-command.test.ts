import { COMMAND_NOTE_MAX, decodeSlackText, MAX_NAME_WORDS, parseTouchpointCommand } from '../../../src/touchpoints/touchpoint-command.js';

function readings(text: string) {
  const parsed = parseTouchpointCommand(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed;
}

describe('reading /touchpoint text', () => {
  it('ends the name at a kind word, the rest being the note', () => {
    expect(readings('acme call caught up on renewal')).toEqual({
      ok: true,
      explicitKind: true,
      readings: [{ name: 'acme', kind: 'call', note: 'caught up on renewal' }],
    });
  });

  it('offers every kind word after the first as an end of the name, earliest first', () => {
    expect(readings('Acme Note Services email sent deck').readings).toEqual([
      { name: 'Acme', kind: 'note', note: 'Services email sent deck' },
      { name: 'Acme Note Services', kind: 'email', note: 'sent deck' },
    ]);
  });

  it('never takes the first word as the kind: a name may start with one', () => {
    expect(readings('Gift Box Co gift sent flowers').readings).toEqual([{ name: 'Gift Box Co', kind: 'gift', note: 'sent flowers' }]);
  });

  it('reads kinds in any case and with trailing punctuation; no note is null', () => {
    expect(readings('globex MEETING:').readings).toEqual([{ name: 'globex', kind: 'meeting', note: null }]);
  });

  it('without a kind, logs a note and offers every run of leading words as the name, longest first', () => {
    expect(readings('acme sent the deck')).toEqual({
      ok: true,
      explicitKind: false,
      readings: [
        { name: 'acme sent the deck', kind: 'note', note: null },
        { name: 'acme sent the', kind: 'note', note: 'deck' },
        { name: 'acme sent', kind: 'note', note: 'the deck' },
        { name: 'acme', kind: 'note', note: 'sent the deck' },
      ],
    });
  });

  it(`looks for the name in the first ${MAX_NAME_WORDS} words only`, () => {
    const text = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const { readings: r } = readings(text);
    expect(r).toHaveLength(MAX_NAME_WORDS);
    expect(r[0]!.name.split(' ')).toHaveLength(MAX_NAME_WORDS);
    const late = readings(`${text} call late`);
    expect(late.explicitKind).toBe(false);
    expect(late.readings.map((x) => x.name)).toEqual(r.map((x) => x.name));
  });

  it('keeps the note as typed, line breaks included', () => {
    expect(readings('acme call line one\n  line two').readings[0]!.note).toBe('line one\n  line two');
  });

  it("decodes Slack's three entities, and only those", () => {
    expect(decodeSlackText('AT&amp;T &lt;b&gt; &amp;lt; &quot;')).toBe('AT&T <b> &lt; &quot;');
    expect(readings('AT&amp;T call hi').readings[0]!.name).toBe('AT&T');
  });

  it('refuses empty text and a note too long for the "which account?" buttons, saying what to do', () => {
    const empty = parseTouchpointCommand('   ');
    expect(empty.ok).toBe(false);
    const long = parseTouchpointCommand(`acme call ${'x'.repeat(COMMAND_NOTE_MAX + 1)}`);
    expect(long).toEqual({ ok: false, error: expect.stringContaining('/touchpoint') });
    expect(parseTouchpointCommand(`acme call ${'x'.repeat(COMMAND_NOTE_MAX)}`).ok).toBe(true);
  });
});
