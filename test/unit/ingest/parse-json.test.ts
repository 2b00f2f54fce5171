import { parseJson } from '../../../src/ingest/parse-json.js';

describe('parseJson and the NUL character', () => {
  it('refuses U+0000 in a string, naming the field, for senders that can fix it', () => {
    expect(parseJson('{"account":{"name":"Acme\\u0000 Co"}}')).toEqual({ ok: false, error: 'account.name: must not contain the NUL character (\\u0000)' });
    expect(parseJson('{"lines":["ok","bad\\u0000"]}')).toEqual({ ok: false, error: 'lines.1: must not contain the NUL character (\\u0000)' });
    expect(parseJson('"\\u0000"')).toEqual({ ok: false, error: 'body: must not contain the NUL character (\\u0000)' });
    expect(parseJson('{"memo":{"a\\u0000b":1}}')).toEqual({ ok: false, error: 'memo: must not contain the NUL character (\\u0000)' });
  });

  it('strips U+0000 from strings and keys for senders that would only send it again', () => {
    expect(parseJson('{"customer_name":"Hoo\\u0000li","lines":[{"d\\u0000":"x\\u0000y"}]}', 'strip')).toEqual({
      ok: true,
      value: { customer_name: 'Hooli', lines: [{ d: 'xy' }] },
    });
  });

  it('leaves an escaped backslash followed by u0000 alone: that is six ordinary characters', () => {
    expect(parseJson('{"memo":"C:\\\\u0000"}')).toEqual({ ok: true, value: { memo: 'C:\\u0000' } });
  });

  it('keeps its plain answers for empty and malformed bodies', () => {
    expect(parseJson('  ')).toEqual({ ok: false, error: 'body is empty; expected JSON' });
    const bad = parseJson('{"a":');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^body is not valid JSON: /);
  });
});
