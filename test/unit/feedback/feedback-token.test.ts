import fc from 'fast-check';
import { MAX_TOKEN_ID, TOKEN_LENGTH, readFeedbackToken, signFeedbackToken, tokenDigest, type FeedbackClaims } from '../../../src/feedback/feedback-token.js';

const SECRET = 'feedback-secret-0123456789abcdefghij';
const NOW = new Date('2026-11-20T15:00:00Z');
const DAY = 86_400_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Claims as a token can carry them: ids in 6 bytes, expiry in whole seconds after now (so the link is good). */
const claimsArb: fc.Arbitrary<FeedbackClaims> = fc.record({
  accountId: fc.integer({ min: 1, max: MAX_TOKEN_ID }),
  repId: fc.option(fc.integer({ min: 1, max: MAX_TOKEN_ID }), { nil: null }),
  expiresAt: fc.integer({ min: NOW.getTime() / 1000 + 1, max: 2 ** 32 - 1 }).map((s) => new Date(s * 1000)),
  nonce: fc.integer({ min: 0, max: 2 ** 24 - 1 }),
});

describe('feedback tokens', () => {
  it('round trip: whatever a token carries is read back exactly, in a compact URL-safe form', () => {
    fc.assert(
      fc.property(claimsArb, (claims) => {
        const token = signFeedbackToken(claims, SECRET);
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(token).toHaveLength(TOKEN_LENGTH);
        expect(encodeURIComponent(token)).toBe(token);
        expect(readFeedbackToken(token, SECRET, NOW)).toEqual({ ok: true, claims });
      }),
      { numRuns: 500 },
    );
  });

  it('any one changed character is refused as forged', () => {
    fc.assert(
      fc.property(claimsArb, fc.nat(), fc.integer({ min: 1, max: 63 }), (claims, at, shift) => {
        const token = signFeedbackToken(claims, SECRET);
        const i = at % token.length;
        const replacement = BASE64URL[(BASE64URL.indexOf(token[i]!) + shift) % 64]!;
        const altered = token.slice(0, i) + replacement + token.slice(i + 1);
        expect(altered).not.toBe(token);
        expect(readFeedbackToken(altered, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
      }),
      { numRuns: 2000 },
    );
  });

  it('every position of a token is covered: each single change of each character is refused', () => {
    const token = signFeedbackToken({ accountId: 42, repId: 7, expiresAt: new Date(NOW.getTime() + 30 * DAY), nonce: 12345 }, SECRET);
    for (let i = 0; i < token.length; i += 1) {
      for (const c of BASE64URL) {
        if (c === token[i]) continue;
        const altered = token.slice(0, i) + c + token.slice(i + 1);
        expect(readFeedbackToken(altered, SECRET, NOW).ok).toBe(false);
      }
    }
  });

  it('a token cut short, lengthened, or with anything around it is refused', () => {
    fc.assert(
      fc.property(claimsArb, fc.string({ minLength: 1, maxLength: 8 }), fc.nat(), (claims, extra, cut) => {
        const token = signFeedbackToken(claims, SECRET);
        const n = 1 + (cut % (token.length - 1));
        for (const altered of [token.slice(0, n), token + extra, extra + token, `${token}=`, `${token.slice(0, -1)}`, ` ${token}`]) {
          expect(readFeedbackToken(altered, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
        }
      }),
    );
  });

  it('a token signed with another secret is forged, never merely expired', () => {
    fc.assert(
      fc.property(claimsArb, fc.string({ minLength: 32, maxLength: 64 }), (claims, other) => {
        fc.pre(other !== SECRET);
        const token = signFeedbackToken(claims, other);
        expect(readFeedbackToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
        expect(readFeedbackToken(token, SECRET, new Date(claims.expiresAt.getTime() + DAY))).toEqual({ ok: false, reason: 'forged' });
      }),
    );
  });

  it.each<[string, number, boolean]>([
    ['a second before expiry', -1_000, true],
    ['at expiry', 0, false],
    ['a day after', DAY, false],
  ])('is good until its expiry and expired from then on (%s)', (_, offset, good) => {
    const claims: FeedbackClaims = { accountId: 1, repId: null, expiresAt: new Date(NOW.getTime() + 30 * DAY), nonce: 0 };
    const token = signFeedbackToken(claims, SECRET);
    const reading = readFeedbackToken(token, SECRET, new Date(claims.expiresAt.getTime() + offset));
    expect(reading).toEqual(good ? { ok: true, claims } : { ok: false, reason: 'expired', claims });
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['padding', `${'A'.repeat(TOKEN_LENGTH - 1)}=`],
    ['standard base64 characters', `${'A'.repeat(TOKEN_LENGTH - 2)}+/`],
    ['a path', `../${'A'.repeat(TOKEN_LENGTH - 3)}`],
    ['percent-encoding', `%41${'A'.repeat(TOKEN_LENGTH - 3)}`],
    ['non-ASCII', `é${'A'.repeat(TOKEN_LENGTH - 1)}`],
    ['all zeros', 'A'.repeat(TOKEN_LENGTH)],
  ])('malformed input is refused as forged (%s)', (_, token) => {
    expect(readFeedbackToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses to sign what a token cannot carry', () => {
    const good: FeedbackClaims = { accountId: 1, repId: 1, expiresAt: new Date(NOW.getTime() + DAY), nonce: 0 };
    expect(() => signFeedbackToken({ ...good, accountId: 0 }, SECRET)).toThrow(RangeError);
    expect(() => signFeedbackToken({ ...good, accountId: MAX_TOKEN_ID + 1 }, SECRET)).toThrow(RangeError);
    expect(() => signFeedbackToken({ ...good, repId: 0 }, SECRET)).toThrow(RangeError);
    expect(() => signFeedbackToken({ ...good, nonce: 2 ** 24 }, SECRET)).toThrow(RangeError);
    expect(() => signFeedbackToken({ ...good, expiresAt: new Date('2200-01-01T00:00:00Z') }, SECRET)).toThrow(RangeError);
  });

  it('two links for the same account and rep differ by their nonce, and so do their digests', () => {
    const base: FeedbackClaims = { accountId: 9, repId: 3, expiresAt: new Date(NOW.getTime() + DAY), nonce: 1 };
    const a = signFeedbackToken(base, SECRET);
    const b = signFeedbackToken({ ...base, nonce: 2 }, SECRET);
    expect(a).not.toBe(b);
    expect(tokenDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenDigest(a)).not.toBe(tokenDigest(b));
    expect(tokenDigest(a)).not.toContain(a);
  });
});
