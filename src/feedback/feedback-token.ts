import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The personal feedback link's token: which account, which rep asked, until when, signed with
 * FEEDBACK_SECRET. Nothing is stored when a link is made: the token carries everything, and the
 * signature is what makes it unforgeable. 36 bytes, 48 URL-safe characters:
 *
 *   version (1) · account id (6) · rep id (6, 0 = none) · expiry, unix seconds (4) · nonce (3) · MAC (16)
 *
 * The MAC is HMAC-SHA256 over the first 20 bytes, keyed by a key derived from the secret for this
 * use only, cut to 128 bits (RFC 2104 §5 allows truncation to half the output; 128 bits leave a
 * forger one chance in 2^128 per try). 36 bytes is a multiple of 3, so the base64url text has no
 * padding and no spare bits: every character of the token is covered by the MAC, and changing
 * any one of them gives a token that is refused.
 */

const VERSION = 1;
const BODY_BYTES = 20;
const MAC_BYTES = 16;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;
export const TOKEN_LENGTH = (TOKEN_BYTES / 3) * 4;
const TOKEN_TEXT = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`);
/** Ids are stored in 6 bytes. */
export const MAX_TOKEN_ID = 2 ** 48 - 1;
const MAX_EXPIRY_SECONDS = 2 ** 32 - 1;
const NONCE_LIMIT = 2 ** 24;

export interface FeedbackClaims {
  accountId: number;
  /** The owner row of the rep who asked; null when nobody in particular did (the CLI, an unowned account). */
  repId: number | null;
  expiresAt: Date;
  /** Tells two links for the same account, rep and second apart. */
  nonce: number;
}

export type TokenReading =
  | { ok: true; claims: FeedbackClaims }
  | { ok: false; reason: 'forged' }
  /** Signed by us, but past its expiry: said kindly, never recorded. */
  | { ok: false; reason: 'expired'; claims: FeedbackClaims };

function macKey(secret: string): Buffer {
  // A key of its own, so FEEDBACK_SECRET reused elsewhere by mistake signs nothing else that could pass here.
  return createHmac('sha256', secret).update('appreciation-bot feedback link v1').digest();
}

function mac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', macKey(secret)).update(body).digest().subarray(0, MAC_BYTES);
}

function checkId(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_TOKEN_ID) throw new RangeError(`${name} must be a whole number from ${min} to ${MAX_TOKEN_ID}, got ${value}`);
}

export function signFeedbackToken(claims: FeedbackClaims, secret: string): string {
  checkId('accountId', claims.accountId, 1);
  if (claims.repId !== null) checkId('repId', claims.repId, 1);
  const expiry = Math.floor(claims.expiresAt.getTime() / 1000);
  if (!Number.isSafeInteger(expiry) || expiry < 1 || expiry > MAX_EXPIRY_SECONDS) throw new RangeError(`expiresAt is out of range: ${claims.expiresAt.toISOString()}`);
  if (!Number.isInteger(claims.nonce) || claims.nonce < 0 || claims.nonce >= NONCE_LIMIT) throw new RangeError(`nonce must be below ${NONCE_LIMIT}, got ${claims.nonce}`);

  const token = Buffer.alloc(TOKEN_BYTES);
  token.writeUInt8(VERSION, 0);
  token.writeUIntBE(claims.accountId, 1, 6);
  token.writeUIntBE(claims.repId ?? 0, 7, 6);
  token.writeUInt32BE(expiry, 13);
  token.writeUIntBE(claims.nonce, 17, 3);
  mac(secret, token.subarray(0, BODY_BYTES)).copy(token, BODY_BYTES);
  return token.toString('base64url');
}

/** A fresh nonce for a new link. */
export function newNonce(): number {
  return randomInt(NONCE_LIMIT);
}

/**
 * Whether `token` is one we signed, and if so whether it is still good at `now`. The signature is
 * compared in constant time, and checked before anything the token says is believed: a forged
 * token is never told apart from a malformed one, nor reported as expired.
 */
export function readFeedbackToken(token: string, secret: string, now: Date): TokenReading {
  if (!TOKEN_TEXT.test(token)) return { ok: false, reason: 'forged' };
  const bytes = Buffer.from(token, 'base64url');
  // Belt and braces: the text must be the one canonical spelling of its bytes.
  if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return { ok: false, reason: 'forged' };
  const expected = mac(secret, bytes.subarray(0, BODY_BYTES));
  if (!timingSafeEqual(expected, bytes.subarray(BODY_BYTES))) return { ok: false, reason: 'forged' };
  if (bytes.readUInt8(0) !== VERSION) return { ok: false, reason: 'forged' };
  const accountId = bytes.readUIntBE(1, 6);
  if (accountId === 0) return { ok: false, reason: 'forged' };
  const repId = bytes.readUIntBE(7, 6);
  const claims: FeedbackClaims = {
    accountId,
    repId: repId === 0 ? null : repId,
    expiresAt: new Date(bytes.readUInt32BE(13) * 1000),
    nonce: bytes.readUIntBE(17, 3),
  };
  if (now.getTime() >= claims.expiresAt.getTime()) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/**
 * What the database keeps to know a link was answered: a digest, not the token, so a copy of the
 * database holds no link that still works.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
