import fc from 'fast-check';
import { createAccount } from '../../src/accounts/account-queries.js';
import { DAY_MS } from '../../src/domain/zoned-time.js';
import { silentLogger } from '../../src/log.js';
import { enqueuePost, enqueueUpdate, markFailed, markSent } from '../../src/outbox/outbox-queries.js';
import { pruneOutbox } from '../../src/outbox/outbox-retention.js';
import { parseConfig } from '../../src/config.js';
import { runJobOnce } from '../../src/jobs/run-job.js';
import { describeEachEngine } from '../support/test-database.js';

const AS_OF = new Date('2026-11-23T03:30:00.000Z');
const daysBefore = (days: number) => new Date(AS_OF.getTime() - days * DAY_MS);

describeEachEngine('outbox retention (%s)', (tdb) => {
  const db = () => tdb.handle.db;
  const log = silentLogger();

  let seq = 0;
  /** A post queued and delivered `daysAgo` days before AS_OF. */
  const sentPost = async (daysAgo: number, key = `post:${(seq += 1)}`) => {
    const at = daysBefore(daysAgo);
    const { id } = await enqueuePost(db(), { dedupeKey: key, channel: 'C1', message: { text: key } }, at);
    await markSent(db(), id, { channel: 'C1', ts: `${at.getTime() / 1000}.000100` }, at);
    return id;
  };
  const remaining = async () => (await db().selectFrom('outbox').select('id').orderBy('id').execute()).map((r) => r.id);

  it('deletes delivered messages older than the retention, and keeps newer, undelivered and failed ones', async () => {
    const old = [await sentPost(31), await sentPost(45), await sentPost(400)];
    const recent = await sentPost(29);
    const { id: pending } = await enqueuePost(db(), { dedupeKey: 'pending', channel: 'C1', message: { text: 'p' } }, daysBefore(60));
    const { id: failed } = await enqueuePost(db(), { dedupeKey: 'failed', channel: 'C1', message: { text: 'f' } }, daysBefore(60));
    await markFailed(db(), failed, 'channel_not_found', daysBefore(60));

    const summary = await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log });

    expect(summary).toMatchObject({ deleted: old.length, cutoff: daysBefore(30).toISOString() });
    expect(await remaining()).toEqual([recent, pending, failed]);
    // Run again: nothing more to do.
    expect(await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log })).toMatchObject({ deleted: 0 });
  });

  it('keeps a message a record still points at: a celebration, a nudge, a nudge summary, an update that rewrites it', async () => {
    const account = await createAccount(db(), { source: 'generic', externalId: 'acme', name: 'Acme' }, daysBefore(500));
    const celebrated = await sentPost(90);
    await db()
      .insertInto('celebrations')
      .values({ account_id: account.id, kind: 'anniversary', dedupe_key: 'anniversary:1', status: 'single', facts: JSON.stringify({}), due_at: daysBefore(90), outbox_id: celebrated })
      .execute();
    const nudged = await sentPost(90);
    const summarised = await sentPost(90);
    await db().insertInto('nudges').values({ account_id: account.id, reason: 'quiet', opened_at: daysBefore(90), threshold_days: 30, threshold_basis: 'default', message_outbox_id: nudged, status: 'answered' }).execute();
    await db().insertInto('nudges').values({ account_id: account.id, reason: 'quiet', opened_at: daysBefore(90), threshold_days: 30, threshold_basis: 'default', summary_outbox_id: summarised, status: 'expired' }).execute();
    const rewritten = await sentPost(90);
    const { id: update } = await enqueueUpdate(db(), { dedupeKey: 'update-of-rewritten', updateOf: rewritten, message: { text: 'revised' } }, daysBefore(80));
    await markSent(db(), update, { channel: 'C1', ts: '1.1' }, daysBefore(80));
    const loose = await sentPost(90);

    const summary = await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log });

    // The update itself is delivered and pointed at by nothing: it goes. The post it rewrote stays this time…
    expect(summary).toMatchObject({ deleted: 2 });
    expect(await remaining()).toEqual([celebrated, nudged, summarised, rewritten]);
    expect(await remaining()).not.toContain(loose);
    // …and goes the next day, as nothing points at it any more.
    expect(await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log })).toMatchObject({ deleted: 1 });
    expect(await remaining()).toEqual([celebrated, nudged, summarised]);
  });

  it('works through the table in batches, past the messages it keeps', async () => {
    const account = await createAccount(db(), { source: 'generic', externalId: 'acme', name: 'Acme' }, daysBefore(500));
    const kept: number[] = [];
    const gone: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const id = await sentPost(100 - i);
      if (i % 3 === 0) {
        await db()
          .insertInto('celebrations')
          .values({ account_id: account.id, kind: 'anniversary', dedupe_key: `anniversary:${i}`, status: 'single', facts: JSON.stringify({}), due_at: daysBefore(100), outbox_id: id })
          .execute();
        kept.push(id);
      } else {
        gone.push(id);
      }
    }
    const summary = await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log, batch: 2 });
    expect(summary).toMatchObject({ deleted: gone.length, batches: 6 });
    expect(await remaining()).toEqual(kept);
  });

  it('decides by the instant it is given: as of a later day, more has aged out', async () => {
    const a = await sentPost(20);
    const b = await sentPost(10);
    await pruneOutbox(db(), { asOf: AS_OF, retentionDays: 30, log });
    expect(await remaining()).toEqual([a, b]);
    await pruneOutbox(db(), { asOf: new Date(AS_OF.getTime() + 15 * DAY_MS), retentionDays: 30, log });
    expect(await remaining()).toEqual([b]);
  });

  it('runs as `run-job outbox-retention --now …`, with OUTBOX_RETENTION_DAYS', async () => {
    const a = await sentPost(20);
    const b = await sentPost(5);
    const { summary } = await runJobOnce('outbox-retention', parseConfig({ OUTBOX_RETENTION_DAYS: '7', LOG_LEVEL: 'silent' }), {
      asOf: AS_OF,
      overrides: { database: tdb.handle, log, defaultMetrics: false },
    });
    expect(summary).toMatchObject({ deleted: 1, cutoff: daysBefore(7).toISOString() });
    expect(await remaining()).toEqual([b]);
    expect(await remaining()).not.toContain(a);
  });

  it('property: exactly the delivered messages older than the cutoff that nothing points at are deleted', async () => {
    const account = await createAccount(db(), { source: 'generic', externalId: 'acme', name: 'Acme' }, daysBefore(500));
    const row = fc.record({ ageDays: fc.integer({ min: 0, max: 120 }), status: fc.constantFrom('sent', 'pending', 'failed'), celebrated: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 12 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5 }), async (rows, retentionDays, batch) => {
        await db().deleteFrom('celebrations').execute();
        await db().deleteFrom('outbox').execute();
        const expected: number[] = [];
        for (const [i, r] of rows.entries()) {
          const at = daysBefore(r.ageDays);
          const { id } = await enqueuePost(db(), { dedupeKey: `p:${i}`, channel: 'C1', message: { text: 'x' } }, at);
          if (r.status === 'sent') await markSent(db(), id, { channel: 'C1', ts: `${i}.1` }, at);
          if (r.status === 'failed') await markFailed(db(), id, 'no', at);
          if (r.celebrated) {
            await db()
              .insertInto('celebrations')
              .values({ account_id: account.id, kind: 'anniversary', dedupe_key: `c:${i}`, status: 'single', facts: JSON.stringify({}), due_at: at, outbox_id: id })
              .execute();
          }
          const old = at.getTime() < AS_OF.getTime() - retentionDays * DAY_MS;
          if (!(r.status === 'sent' && old && !r.celebrated)) expected.push(id);
        }
        await pruneOutbox(db(), { asOf: AS_OF, retentionDays, batch, log });
        expect(await remaining()).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  });
});
