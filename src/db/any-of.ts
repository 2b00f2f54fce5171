import { sql, type RawBuilder } from 'kysely';
import { binaryTextArray } from './binary-arrays.js';

/**
 * `column = any($1)`: a whole list as one array parameter, for `.where(column, '=', anyId(ids))`.
 * An `in (…)` list is built, sent and parsed as one placeholder per value — for a batch's few
 * hundred ids that was most of a look-up's cost in node and much of it in PostgreSQL; the array is
 * one value, and the statement's text stays the same whatever the batch's size.
 */
export function anyId(ids: readonly number[]): RawBuilder<number> {
  return sql<number>`any(${ids}::int8[])`;
}

/** anyId for texts, sent as a binary array (no escaping of each value). */
export function anyText(values: readonly string[]): RawBuilder<string> {
  return sql<string>`any(${binaryTextArray(values)}::text[])`;
}
