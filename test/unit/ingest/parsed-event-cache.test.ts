import fc from 'fast-check';
import { estimateBytes, ParsedEventCache } from '../../../src/ingest/parsed-event-cache.js';
import type { ParsedEvent } from '../../../src/ingest/webhook-route.js';

const event = (id: string, filler = 0): ParsedEvent<unknown> => ({ id, type: 'invoice.paid', raw: `{"id":"${id}","pad":"${'x'.repeat(100_000)}"}`, event: { kind: 'payment', id, memo: 'm'.repeat(filler) } });

describe('ParsedEventCache', () => {
  let now = 0;
  const clock = () => now;
  const caches: ParsedEventCache[] = [];
  const cache = (options: ConstructorParameters<typeof ParsedEventCache>[1] = {}) => {
    const c = new ParsedEventCache(clock, options);
    caches.push(c);
    return c;
  };
  beforeEach(() => {
    now = 1_000_000;
  });
  afterEach(() => {
    for (const c of caches.splice(0)) c.clear();
  });

  it('keeps the interpreted event, not the raw body it came in', () => {
    const c = cache();
    c.set(1, event('evt_1'));
    expect(c.get(1)).toEqual({ id: 'evt_1', type: 'invoice.paid', raw: '', event: { kind: 'payment', id: 'evt_1', memo: '' } });
    // A 100 kB body costs what its event costs, not 100 kB.
    expect(c.usage.bytes).toBeLessThan(1_000);
  });

  it('drops an entry once it is older than maxAgeMs, whether or not anyone asks for it', () => {
    const c = cache({ maxAgeMs: 60_000 });
    c.set(1, event('evt_1'));
    now += 30_000;
    c.set(2, event('evt_2'));
    now += 30_000;
    expect(c.has(1)).toBe(true);
    now += 1;
    expect(c.get(1)).toBeUndefined();
    expect(c.has(2)).toBe(true);
    expect(c.usage.entries).toBe(1);
    now += 30_000;
    expect(c.usage).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps within maxBytes and maxEntries, the oldest going first', () => {
    const one = estimateBytes({ ...event('evt_1', 1_000), raw: '' });
    const c = cache({ maxBytes: one * 3, maxEntries: 100 });
    for (let i = 1; i <= 5; i += 1) c.set(i, event(`evt_${i}`, 1_000));
    expect([1, 2, 3, 4, 5].map((i) => c.has(i))).toEqual([false, false, true, true, true]);
    expect(c.usage.bytes).toBeLessThanOrEqual(one * 3);

    const few = cache({ maxEntries: 2 });
    for (let i = 1; i <= 4; i += 1) few.set(i, event(`evt_${i}`));
    expect([1, 2, 3, 4].map((i) => few.has(i))).toEqual([false, false, true, true]);
  });

  it('does not keep an event larger than maxEntryBytes (it is read back from the inbox instead)', () => {
    const c = cache({ maxEntryBytes: 10_000 });
    c.set(1, event('evt_big', 20_000));
    c.set(2, event('evt_small', 10));
    expect(c.has(1)).toBe(false);
    expect(c.has(2)).toBe(true);
  });

  it('forgets an entry when told, and all of them on clear', () => {
    const c = cache();
    c.set(1, event('evt_1'));
    c.set(2, event('evt_2'));
    c.delete(1);
    expect(c.usage.entries).toBe(1);
    c.clear();
    expect(c.usage).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps the age order through thousands of deletions, and a re-set entry counts as the newest', () => {
    const small = (id: number): ParsedEvent<unknown> => ({ id: `evt_${id}`, type: 'payment', raw: '', event: { id } });
    const c = cache({ maxEntries: 4_000, maxBytes: 1e9 });
    for (let i = 1; i <= 4_000; i += 1) c.set(i, small(i));
    // 2,667 deleted, out of order: enough for the queue beside the map to be compacted.
    for (let i = 4_000; i >= 1; i -= 1) if (i % 3 !== 0) c.delete(i);
    expect(c.usage.entries).toBe(1_333);
    c.set(3, small(3));
    for (let i = 10_001; i <= 12_700; i += 1) c.set(i, small(i));
    // 4,033 entries for 4,000 places: the 33 oldest go, 6 to 102; 3 was set again, so it stays.
    expect(c.usage.entries).toBe(4_000);
    expect([6, 9, 99, 102].map((i) => c.has(i))).toEqual([false, false, false, false]);
    expect([3, 105, 3_999, 10_001, 12_700].map((i) => c.has(i))).toEqual([true, true, true, true, true]);
    // By age too: everything set before the clock moved goes, what is set after stays.
    now += 2 * 60_000 + 1;
    c.set(20_000, small(20_000));
    expect(c.usage.entries).toBe(1);
    expect(c.has(20_000)).toBe(true);
  });

  it('property: never over its limits, never older than maxAgeMs, and the newest entry that fits is kept', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('set' as const), id: fc.integer({ min: 1, max: 30 }), filler: fc.integer({ min: 0, max: 5_000 }) }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
      fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 2_000, max: 40_000 }), (steps, maxEntries, maxBytes) => {
        now = 0;
        const options = { maxAgeMs: 60_000, maxBytes, maxEntries, maxEntryBytes: 8_000 };
        const c = new ParsedEventCache(clock, options);
        const setAt = new Map<number, number>();
        try {
          for (const s of steps) {
            if (s.op === 'wait') now += s.ms;
            if (s.op === 'delete') {
              c.delete(s.id);
              setAt.delete(s.id);
            }
            if (s.op === 'set') {
              const e = event(`evt_${s.id}`, s.filler);
              c.set(s.id, e);
              setAt.set(s.id, now);
              const fits = estimateBytes({ ...e, raw: '' }) <= Math.min(options.maxEntryBytes, maxBytes);
              expect(c.has(s.id)).toBe(fits);
            }
            const usage = c.usage;
            expect(usage.entries).toBeLessThanOrEqual(maxEntries);
            expect(usage.bytes).toBeLessThanOrEqual(maxBytes);
            for (const [id, at] of setAt) if (now - at > options.maxAgeMs) expect(c.has(id)).toBe(false);
          }
        } finally {
          c.clear();
        }
      }),
    );
  });
});
