import { urgentInboundBound } from '../../../src/accounts/quiet-queries.js';
import { businessDaysBetween, quietState, URGENT_AFTER_BUSINESS_DAYS } from '../../../src/domain/quiet.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

describe('urgentInboundBound: the candidate scan reads inbound contacts up to it', () => {
  it('leaves out the weekend and Monday on a Tuesday morning, keeping the Friday morning before', () => {
    const tuesday = new Date('2026-06-02T09:00:00Z');
    const bound = urgentInboundBound(tuesday, 'UTC');
    expect(bound.toISOString()).toBe('2026-05-29T12:00:00.000Z');
    expect(businessDaysBetween(new Date('2026-05-29T09:00:00Z'), tuesday, 'UTC')).toBe(2);
    expect(businessDaysBetween(new Date('2026-05-30T10:00:00Z'), tuesday, 'UTC')).toBe(1);
  });

  it('never leaves out a contact quietState would call urgent (a superset), across zones, weekends and DST changes', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Apia'];
    // Around the 2026 DST changes of New York (Mar 8, Nov 1), London (Mar 29, Oct 25) and Lord Howe (Apr 5, Oct 4).
    const starts = ['2026-03-05T00:00:00Z', '2026-03-26T00:00:00Z', '2026-04-02T00:00:00Z', '2026-10-01T00:00:00Z', '2026-10-29T00:00:00Z'];
    let checked = 0;
    let urgent = 0;
    let leftOut = 0;
    for (const tz of zones) {
      for (const start of starts) {
        // `now` every 7 hours over 8 days; inbound contacts every 50 minutes over the 5 days before it.
        for (let n = 0; n < 8 * 24; n += 7) {
          const now = new Date(new Date(start).getTime() + n * HOUR_MS + 17 * 60_000);
          const bound = urgentInboundBound(now, tz).getTime();
          expect(bound).toBeLessThanOrEqual(now.getTime() - DAY_MS);
          for (let back = 0; back <= 5 * 24 * 60; back += 50) {
            const inbound = new Date(now.getTime() - back * 60_000);
            const state = quietState({
              status: 'active',
              snoozedUntil: null,
              hasOpenNudge: false,
              lastTouchAt: new Date(inbound.getTime() - 1),
              lastInboundAt: inbound,
              thresholdDays: 365,
              now,
              tz,
            });
            checked += 1;
            if (state.kind === 'urgent') {
              urgent += 1;
              expect(state.businessDaysWaiting).toBeGreaterThanOrEqual(URGENT_AFTER_BUSINESS_DAYS);
              if (inbound.getTime() > bound) throw new Error(`${tz}: inbound ${inbound.toISOString()} is urgent at ${now.toISOString()} but after the bound ${new Date(bound).toISOString()}`);
            } else if (inbound.getTime() > bound) {
              leftOut += 1;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50_000);
    expect(urgent).toBeGreaterThan(10_000);
    // And it is tighter than "a day before now": most of the not-yet-urgent contacts are never read.
    expect(leftOut).toBeGreaterThan(5_000);
  });
});
