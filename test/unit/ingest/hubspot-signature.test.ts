import { createHmac } from 'node:crypto';
import { HUBSPOT_TOLERANCE_MS, hubspotSignedUri, signHubSpotV3, verifyHubSpotV3 } from '../../../src/ingest/hubspot/hubspot-signature.js';

const SECRET = 'client-secret-for-tests';
const NOW = new Date('2026-03-02T10:00:00Z');
const BODY = '[{"eventId":1,"subscriptionType":"company.creation","objectId":2,"occurredAt":3}]';
const URI = 'https://bot.example.com/webhooks/hubspot';

/** What HubSpot sends, computed without the module under test. */
function headersFor(body: string, timestamp: number, uri = URI, secret = SECRET) {
  const signature = createHmac('sha256', secret).update(`POST${uri}${body}${timestamp}`, 'utf8').digest('base64');
  return { signatureHeader: signature, timestampHeader: String(timestamp) };
}

const verify = (headers: { signatureHeader: string | undefined; timestampHeader: string | undefined }, body = BODY, uri = URI) =>
  verifyHubSpotV3({ secret: SECRET, method: 'POST', uri, rawBody: Buffer.from(body), now: NOW, ...headers });

describe('HubSpot v3 signatures', () => {
  it('accepts what HubSpot signs and signs the same way', () => {
    const headers = headersFor(BODY, NOW.getTime());
    expect(verify(headers)).toEqual({ ok: true });
    expect(signHubSpotV3(SECRET, { method: 'post', uri: URI, rawBody: BODY, timestamp: String(NOW.getTime()) })).toBe(headers.signatureHeader);
  });

  it('signs bytes, so non-ASCII bodies verify exactly', () => {
    const body = '[{"propertyValue":"Société Générale — 東京"}]';
    expect(verify(headersFor(body, NOW.getTime()), body)).toEqual({ ok: true });
  });

  it.each([
    ['a stale timestamp', headersFor(BODY, NOW.getTime() - HUBSPOT_TOLERANCE_MS - 1), 'timestamp is outside the 300 s window'],
    ['a timestamp from the future', headersFor(BODY, NOW.getTime() + HUBSPOT_TOLERANCE_MS + 1), 'timestamp is outside the 300 s window'],
    ['seconds instead of milliseconds', headersFor(BODY, Math.floor(NOW.getTime() / 1000)), 'timestamp is outside the 300 s window'],
    ['another secret', headersFor(BODY, NOW.getTime(), URI, 'other'), 'signature does not match'],
    ['another URL', headersFor(BODY, NOW.getTime(), 'http://127.0.0.1:3000/webhooks/hubspot'), 'signature does not match'],
    ['no signature', { signatureHeader: undefined, timestampHeader: String(NOW.getTime()) }, 'missing X-HubSpot-Signature-v3 header'],
    ['no timestamp', { signatureHeader: 'abc', timestampHeader: undefined }, 'missing X-HubSpot-Request-Timestamp header'],
    ['a timestamp that is not a number', { signatureHeader: 'abc', timestampHeader: '2026-03-02' }, 'X-HubSpot-Request-Timestamp must be unix milliseconds'],
  ])('refuses %s', (_, headers, reason) => {
    expect(verify(headers)).toEqual({ ok: false, reason });
  });

  it('accepts the edges of the window', () => {
    expect(verify(headersFor(BODY, NOW.getTime() - HUBSPOT_TOLERANCE_MS))).toEqual({ ok: true });
    expect(verify(headersFor(BODY, NOW.getTime() + HUBSPOT_TOLERANCE_MS))).toEqual({ ok: true });
  });

  it.each([
    ['https://bot.example.com', '/webhooks/hubspot', 'https://bot.example.com/webhooks/hubspot'],
    ['https://bot.example.com/', '/webhooks/hubspot?a=1', 'https://bot.example.com/webhooks/hubspot?a=1'],
    ['https://example.com/appreciation', '/webhooks/hubspot', 'https://example.com/appreciation/webhooks/hubspot'],
    // HubSpot decodes these escapes before signing; others (a space) stay encoded.
    ['https://bot.example.com', '/webhooks/hubspot?to=a%40b.com&x=%3A%2F%3F%21%24%27%28%29%2A%2C%3B&y=a%20b', "https://bot.example.com/webhooks/hubspot?to=a@b.com&x=:/?!$'()*,;&y=a%20b"],
    ['https://bot.example.com', '/webhooks/hubspot?to=a%40b.com', 'https://bot.example.com/webhooks/hubspot?to=a@b.com'],
  ])('signs %s + %s as %s', (publicUrl, target, uri) => {
    expect(hubspotSignedUri(publicUrl, target)).toBe(uri);
  });
});
