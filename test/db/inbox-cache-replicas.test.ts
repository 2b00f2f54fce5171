// Two inbox workers on one database, as two replicas: the one whose route stored the events keeps
// them parsed for a while; when the other applies them, the first lets go of them by age.
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { InboxWorker, type InboxWorkerOptions } from '../../src/ingest/inbox-worker.js';
import { storeInboxEvents } from '../../src/ingest/inbox-queries.js';
import { appliedLater, webhookSources } from '../../src/ingest/webhook-sources.js';
import { describeEachEngine } from '../support/test-database.js';
import { countRows, genericPayment } from '../support/payment-fixtures.js';

const T = '2026-11-20T15:10:00Z';

describeEachEngine('the parsed-event cache across replicas (%s)', (database) => {
  let clock: FixedClock;
  const workers: InboxWorker[] = [];
  const db = () => database.handle.db;

  beforeEach(async () => {
    clock = new FixedClock(T);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
  });

  const config = parseConfig({ LOG_LEVEL: 'silent', WEBHOOK_SECRET: 'generic-webhook-secret-0123456789' });
  function replica(options: Partial<InboxWorkerOptions> = {}) {
    const sources = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger(), clock });
    const worker = new InboxWorker({ db: db(), clock, log: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), afterCommit: () => undefined }, appliedLater(sources), options);
    workers.push(worker);
    return { worker, payments: sources.payments };
  }

  /** What replica `a`'s route does: parse, store, and hand the parsed events to its own worker. */
  async function receive(a: ReturnType<typeof replica>, count: number): Promise<void> {
    for (let i = 1; i <= count; i += 1) {
      const body = JSON.stringify(genericPayment({ id: `p-${i}`, paid_at: '2026-11-20T15:04:05Z', memo: `memo ${'x'.repeat(500)}` }));
      const parsed = a.payments.parse(body, clock.now());
      if (!parsed.ok) throw new Error(parsed.error);
      const stored = await storeInboxEvents(db(), parsed.events.map((e) => ({ source: 'payments', eventId: e.id, eventType: e.type, raw: e.raw })), clock.now(), null);
      a.worker.stored(
        stored.map((row, k) => ({ id: row.id, event: parsed.events[k]! })),
        'payments',
      );
    }
  }

  it('events another replica applied leave the cache by age; its own it forgets once applied', async () => {
    const a = replica({ cache: { maxAgeMs: 60_000 } });
    const b = replica();
    await receive(a, 5);
    expect(a.worker.cached.entries).toBe(5);
    expect(a.worker.cached.bytes).toBeGreaterThan(0);

    // Replica b applies them (reading the stored bodies); a never hears of it.
    expect(await b.worker.drain()).toBe(5);
    expect(await countRows(database.handle, 'payments')).toBe(5);
    expect(a.worker.cached.entries).toBe(5);
    clock.advance(60_001);
    expect(a.worker.cached).toEqual({ entries: 0, bytes: 0 });
    // Nothing is left for a to do.
    expect(await a.worker.drain()).toBe(0);

    // Its own events it forgets as it applies them.
    clock.advance(1_000);
    const more = [...Array(3).keys()].map((i) => genericPayment({ id: `q-${i}`, paid_at: '2026-11-20T15:04:05Z' }));
    for (const body of more) {
      const parsed = a.payments.parse(JSON.stringify(body), clock.now());
      if (!parsed.ok) throw new Error(parsed.error);
      const [row] = await storeInboxEvents(db(), [{ source: 'payments', eventId: parsed.events[0]!.id, eventType: 'payment', raw: parsed.events[0]!.raw }], clock.now(), null);
      a.worker.stored([{ id: row!.id, event: parsed.events[0]! }], 'payments');
    }
    expect(a.worker.cached.entries).toBe(3);
    expect(await a.worker.drain()).toBe(3);
    expect(a.worker.cached.entries).toBe(0);
    expect(await countRows(database.handle, 'payments')).toBe(8);
  });

  it('keeps within its byte budget however many events its route stores', async () => {
    const a = replica({ cache: { maxBytes: 8_000 } });
    await receive(a, 40);
    expect(a.worker.cached.bytes).toBeLessThanOrEqual(8_000);
    expect(a.worker.cached.entries).toBeLessThan(40);
    // What the cache let go of is read back from the inbox: every event is applied.
    expect(await a.worker.drain()).toBe(40);
    expect(await countRows(database.handle, 'payments')).toBe(40);
  });
});
