// Binary arrays (src/db/binary-arrays.ts) as PostgreSQL reads them, on both engines: whatever
// text or time goes in comes back unchanged, NULLs included — the payments, celebrations and inbox
// rows of a batch are written through them.
import fc from 'fast-check';
import { sql } from 'kysely';
import { binaryTextArray, binaryTimestamptzArray } from '../../src/db/binary-arrays.js';
import { describeEachEngine } from '../support/test-database.js';

describeEachEngine('binary arrays on %s', (database) => {
  const texts = async (values: readonly (string | null)[]) =>
    (await sql<{ v: string | null; n: number }>`select v, n::int as n from unnest(${binaryTextArray(values)}::text[]) with ordinality as t(v, n) order by n`.execute(database.handle.db)).rows.map((r) => r.v);

  it('keeps the awkward text as it is: quotes, backslashes, braces, commas, NULL-looking words, unicode, empty strings', async () => {
    const values = ['', '"', '\\', '{a,b}', 'NULL', 'null', ' spaced ', 'é🎉 <!channel>', 'line\nbreak', '{"facts":{"name":"O\'Brien \\"&\\" Co"}}'];
    expect(await texts(values)).toEqual(values);
  });

  it('sends a null as an SQL NULL, not as a word', async () => {
    expect(await texts([null, 'NULL', null, ''])).toEqual([null, 'NULL', null, '']);
    const row = (await sql<{ nulls: number }>`select count(*) filter (where v is null)::int as nulls from unnest(${binaryTextArray(['a', null])}::text[]) as t(v)`.execute(database.handle.db)).rows[0]!;
    expect(row.nulls).toBe(1);
  });

  it('an empty array is an empty array', async () => {
    expect(await texts([])).toEqual([]);
  });

  it('round-trips any text without NUL, and any null among it (property)', async () => {
    // PostgreSQL's text cannot hold U+0000 on either engine; validation refuses it before any write.
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 40 })).filter((s) => !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null, freq: 5 }), { maxLength: 30 }), async (values) => {
        expect(await texts(values)).toEqual(values);
      }),
      { numRuns: 60 },
    );
  });

  it('round-trips times to the millisecond, before 2000 and long after (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2200-12-31T23:59:59.999Z'), noInvalidDate: true }), { maxLength: 20 }), async (dates) => {
        const rows = (
          await sql<{ v: Date }>`select v from unnest(${binaryTimestamptzArray(dates)}::timestamptz[]) with ordinality as t(v, n) order by n`.execute(database.handle.db)
        ).rows;
        expect(rows.map((r) => r.v.toISOString())).toEqual(dates.map((d) => d.toISOString()));
      }),
      { numRuns: 40 },
    );
  });
}, { resetEachTest: false });
