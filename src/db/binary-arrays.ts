/**
 * PostgreSQL arrays in the binary wire format, for a parameter bound to `$n::text[]` or
 * `$n::timestamptz[]` (pg sends a Buffer parameter as binary). pg's own text form of an array
 * quotes every element and escapes each `"` and `\` with two regular expressions: for a webhook's
 * JSON body that is a pass over every byte that the binary form (a length, then the bytes) skips.
 */

const TEXT_OID = 25;
const TIMESTAMPTZ_OID = 1184;
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for binary timestamps, in Unix ms. */
const PG_EPOCH_MS = 946_684_800_000;
const HEADER_BYTES = 20;

function header(buffer: Buffer, elementOid: number, length: number, hasNulls = false): void {
  buffer.writeInt32BE(1, 0); // dimensions
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(elementOid, 8);
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16); // lower bound
}

/** A one-dimensional text[] of these strings (a null is an SQL NULL), as UTF-8. */
export function binaryTextArray(values: readonly (string | null)[]): Buffer {
  let bytes = HEADER_BYTES;
  let hasNulls = false;
  const lengths = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    // -1 is how the binary format says NULL.
    lengths[i] = value === null ? -1 : Buffer.byteLength(value, 'utf8');
    if (value === null) hasNulls = true;
    bytes += 4 + Math.max(0, lengths[i]!);
  }
  const buffer = Buffer.allocUnsafe(bytes);
  header(buffer, TEXT_OID, values.length, hasNulls);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    buffer.writeInt32BE(lengths[i]!, at);
    at += 4;
    const value = values[i]!;
    if (value !== null) at += buffer.write(value, at, 'utf8');
  }
  return buffer;
}

/** A one-dimensional timestamptz[] of these times, to the millisecond. */
export function binaryTimestamptzArray(values: readonly Date[]): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + 12 * values.length);
  header(buffer, TIMESTAMPTZ_OID, values.length);
  let at = HEADER_BYTES;
  for (const value of values) {
    // Microseconds since 2000 as a signed 64-bit integer; within 2^53 until the year 2285.
    const micros = (value.getTime() - PG_EPOCH_MS) * 1000;
    const high = Math.floor(micros / 2 ** 32);
    buffer.writeInt32BE(8, at);
    buffer.writeInt32BE(high, at + 4);
    buffer.writeUInt32BE(micros - high * 2 ** 32, at + 8);
    at += 12;
  }
  return buffer;
}
