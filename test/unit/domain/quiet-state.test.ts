import fc from 'fast-check';
import {
  URGENT_AFTER_BUSINESS_DAYS,
  addBusinessDays,
  businessDaysBetween,
  quietState,
  quietnessScore,
} from '../../../src/domain/quiet-state.js';
import type { QuietState, QuietStateInput } from '../../../src/domain/quiet-state.js';

const DAY_MS = 86_400_000;
const NY = 'America/New_York';
const ZONES = [
  'UTC',
  NY,
  'Europe/London',
  'Europe/Paris',
  'Asia/Tokyo',
  'Asia/Kathmandu', // +05:45
  'Pacific/Auckland',
  'Pacific/Chatham', // +12:45 / +13:45
  'Australia/Lord_Howe', // half-hour DST
  'Africa/Cairo', // DST starts on a Friday
  'Pacific/Apia', // skipped Friday 2011-12-30
  'America/Sao_Paulo',
] as const;
const d = (iso: string): Date => new Date(iso);

// 2026-03-02 is a Monday; New York is EST (−5) until Sunday 2026-03-08, EDT (−4) after.
describe('businessDaysBetween', () => {
  it.each([
    ['Mon 09:00 → Wed 09:00', '2026-03-02T14:00:00Z', '2026-03-04T14:00:00Z', NY, 2],
    ['Mon 09:00 → Wed 08:59', '2026-03-02T14:00:00Z', '2026-03-04T13:59:00Z', NY, 1],
    ['Mon 09:00 → Mon 17:00', '2026-03-02T14:00:00Z', '2026-03-02T22:00:00Z', NY, 0],
    ['Fri 15:00 → Mon 15:00 (weekend does not count)', '2026-03-06T20:00:00Z', '2026-03-09T19:00:00Z', NY, 1],
    ['Fri 15:00 → Mon 14:59', '2026-03-06T20:00:00Z', '2026-03-09T18:59:00Z', NY, 0],
    ['Sat 10:00 → Mon 23:59', '2026-03-07T15:00:00Z', '2026-03-10T03:59:00Z', NY, 0],
    ['Sat 10:00 → Tue 00:00', '2026-03-07T15:00:00Z', '2026-03-10T04:00:00Z', NY, 1],
    ['Sat → Sun', '2026-03-07T15:00:00Z', '2026-03-08T15:00:00Z', NY, 0],
    ['Sun → next Sun', '2026-03-01T15:00:00Z', '2026-03-08T15:00:00Z', NY, 5],
    ['Mon 09:00 EST → Mon 09:00 EDT: wall clock, not 24 h blocks', '2026-03-02T14:00:00Z', '2026-03-09T13:00:00Z', NY, 5],
    ['Mon 09:00 EST → Mon 08:59 EDT', '2026-03-02T14:00:00Z', '2026-03-09T12:59:00Z', NY, 4],
    ['four weeks', '2026-03-02T14:00:00Z', '2026-03-30T14:00:00Z', NY, 20],
    ['same instant', '2026-03-02T14:00:00Z', '2026-03-02T14:00:00Z', NY, 0],
    ['to before from', '2026-03-04T14:00:00Z', '2026-03-02T14:00:00Z', NY, 0],
    ['Monday already in Auckland', '2026-03-08T11:00:00Z', '2026-03-09T11:00:00Z', 'Pacific/Auckland', 1],
    ['still Sunday in New York', '2026-03-08T11:00:00Z', '2026-03-09T11:00:00Z', NY, 0],
    ['Kathmandu quarter-hour offset', '2026-03-01T18:15:00Z', '2026-03-03T18:15:00Z', 'Asia/Kathmandu', 2],
    ['year 0 and before', '-000010-01-01T00:00:00Z', '-000010-01-08T00:00:00Z', 'UTC', 5],
  ])('%s', (_name, from, to, tz, expected) => {
    expect(businessDaysBetween(d(from), d(to), tz)).toBe(expected);
  });

  it('spans the whole Date range', () => {
    const all = businessDaysBetween(new Date(-8.64e15), new Date(8.64e15), NY);
    expect(Number.isInteger(all)).toBe(true);
    expect(all).toBeGreaterThan(Math.floor(((2 * 8.64e15) / DAY_MS / 7) * 5) - 3);
    expect(all).toBeLessThan(Math.ceil(((2 * 8.64e15) / DAY_MS / 7) * 5) + 3);
  });

  it('rejects invalid dates and zones clearly', () => {
    expect(() => businessDaysBetween(new Date(Number.NaN), new Date(0), 'UTC')).toThrow(RangeError);
    expect(() => businessDaysBetween(new Date(0), new Date(1e10), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('addBusinessDays', () => {
  it.each([
    ['Mon 09:00 + 2 → Wed 09:00', '2026-03-02T14:00:00Z', 2, NY, '2026-03-04T14:00:00.000Z'],
    ['Fri 15:00 + 1 → Mon 15:00, across DST', '2026-03-06T20:00:00Z', 1, NY, '2026-03-09T19:00:00.000Z'],
    ['Sat 10:00 + 1 → Tue 00:00', '2026-03-07T15:00:00Z', 1, NY, '2026-03-10T04:00:00.000Z'],
    ['Sat + 0 → unchanged', '2026-03-07T15:00:00Z', 0, NY, '2026-03-07T15:00:00.000Z'],
    ['Wed 09:00 − 3 → previous Fri 09:00', '2026-03-04T14:00:00Z', -3, NY, '2026-02-27T14:00:00.000Z'],
    ['Sat − 1 → Fri 00:00', '2026-03-07T15:00:00Z', -1, NY, '2026-03-06T05:00:00.000Z'],
    ['Mon + 5 → next Mon', '2026-03-02T14:00:00Z', 5, 'UTC', '2026-03-09T14:00:00.000Z'],
    ['Cairo Thu 00:30 + 1: Fri 00:30 is skipped, so 01:30', '2026-04-22T22:30:00Z', 1, 'Africa/Cairo', '2026-04-23T22:30:00.000Z'],
    ['Cairo Wed 23:30 + 1: Thu 23:30 happens twice, take the first', '2026-10-28T20:30:00Z', 1, 'Africa/Cairo', '2026-10-29T20:30:00.000Z'],
    ['Apia Thu 10:00 + 1: Friday 2011-12-30 never happened', '2011-12-29T20:00:00Z', 1, 'Pacific/Apia', '2011-12-30T20:00:00.000Z'],
  ])('%s', (_name, from, days, tz, expected) => {
    const result = addBusinessDays(d(from), days, tz);
    expect(result.toISOString()).toBe(expected);
    if (days > 0) expect(businessDaysBetween(d(from), result, tz)).toBe(days);
  });

  it('rejects fractional days, invalid dates and results outside the Date range', () => {
    expect(() => addBusinessDays(d('2026-03-02T14:00:00Z'), 1.5, NY)).toThrow(RangeError);
    expect(() => addBusinessDays(new Date(Number.NaN), 1, NY)).toThrow(RangeError);
    expect(() => addBusinessDays(new Date(8.6e15), 1_000_000, NY)).toThrow(RangeError);
  });
});

const zone = fc.constantFrom(...ZONES);
const modernDate = fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true });

describe('business day properties', () => {
  it('businessDaysBetween(d, addBusinessDays(d, n)) === n', () => {
    fc.assert(
      fc.property(modernDate, fc.integer({ min: 0, max: 400 }), zone, (date, n, tz) => {
        expect(businessDaysBetween(date, addBusinessDays(date, n, tz), tz)).toBe(n);
      }),
    );
  });

  it('adding more business days never goes back in time', () => {
    fc.assert(
      fc.property(modernDate, fc.integer({ min: -400, max: 400 }), zone, (date, n, tz) => {
        const a = addBusinessDays(date, n, tz).getTime();
        const b = addBusinessDays(date, n + 1, tz).getTime();
        expect(b).toBeGreaterThan(a);
      }),
    );
  });

  it('a week is five business days in UTC, four or five where clocks change', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-8.6e15), max: new Date(8.6e15), noInvalidDate: true }), zone, (date, tz) => {
        const later = new Date(date.getTime() + 7 * DAY_MS);
        expect(businessDaysBetween(date, later, 'UTC')).toBe(5);
        expect([4, 5]).toContain(businessDaysBetween(date, later, tz));
      }),
    );
  });

  it('is never negative and never more than the calendar days spanned', () => {
    const anyValid = fc.date({ noInvalidDate: true });
    fc.assert(
      fc.property(anyValid, anyValid, zone, (a, b, tz) => {
        const n = businessDaysBetween(a, b, tz);
        expect(Number.isInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(Math.max(0, Math.ceil((b.getTime() - a.getTime()) / DAY_MS)) + 1);
      }),
    );
  });
});

// Wednesday 2026-03-11 10:00 in New York.
const NOW = d('2026-03-11T14:00:00Z');
const daysAgo = (n: number): Date => new Date(NOW.getTime() - n * DAY_MS);
const base = (over: Partial<QuietStateInput> = {}): QuietStateInput => ({
  status: 'active',
  snoozedUntil: null,
  hasOpenNudge: false,
  lastTouchAt: daysAgo(5),
  lastInboundAt: null,
  thresholdDays: 30,
  now: NOW,
  tz: NY,
  ...over,
});
const quietAndCalling: Partial<QuietStateInput> = { lastTouchAt: daysAgo(60), lastInboundAt: daysAgo(10) };

describe('quietState', () => {
  it.each<[string, Partial<QuietStateInput>, QuietState]>([
    ['recently touched', {}, { kind: 'active', daysSilent: 5, daysLeft: 25 }],
    ['a millisecond short of the threshold is still active', { lastTouchAt: new Date(NOW.getTime() - 30 * DAY_MS + 1) }, { kind: 'active', daysSilent: 29, daysLeft: 1 }],
    ['exactly threshold × 24 h is quiet', { lastTouchAt: daysAgo(30) }, { kind: 'quiet', daysSilent: 30, overdueDays: 0 }],
    ['30 days 23 hours is quiet (shown as 30 days)', { lastTouchAt: new Date(NOW.getTime() - 31 * DAY_MS + 3_600_000) }, { kind: 'quiet', daysSilent: 30, overdueDays: 0 }],
    ['one day past the threshold', { lastTouchAt: daysAgo(31) }, { kind: 'quiet', daysSilent: 31, overdueDays: 1 }],
    ['long silence', { lastTouchAt: daysAgo(100) }, { kind: 'quiet', daysSilent: 100, overdueDays: 70 }],
    ['a touch dated in the future counts as now', { lastTouchAt: daysAgo(-3) }, { kind: 'active', daysSilent: 0, daysLeft: 30 }],
    ['churned', { status: 'churned', ...quietAndCalling }, { kind: 'excluded', reason: 'churned' }],
    ['snoozed until tomorrow', { snoozedUntil: daysAgo(-1), ...quietAndCalling }, { kind: 'excluded', reason: 'snoozed' }],
    ['open nudge', { hasOpenNudge: true, ...quietAndCalling }, { kind: 'excluded', reason: 'nudge_open' }],
    ['churned outranks snoozed and open nudge', { status: 'churned', snoozedUntil: daysAgo(-1), hasOpenNudge: true }, { kind: 'excluded', reason: 'churned' }],
    ['snoozed outranks open nudge', { snoozedUntil: daysAgo(-1), hasOpenNudge: true }, { kind: 'excluded', reason: 'snoozed' }],
    ['a snooze ending now is over', { snoozedUntil: NOW, lastTouchAt: daysAgo(31) }, { kind: 'quiet', daysSilent: 31, overdueDays: 1 }],
    ['a past snooze is over', { snoozedUntil: daysAgo(1), lastTouchAt: daysAgo(31) }, { kind: 'quiet', daysSilent: 31, overdueDays: 1 }],
    ['inbound answered since is not urgent', { lastTouchAt: daysAgo(3), lastInboundAt: daysAgo(4) }, { kind: 'active', daysSilent: 3, daysLeft: 27 }],
    ['inbound at the same instant as the touch is answered', { lastTouchAt: daysAgo(4), lastInboundAt: daysAgo(4) }, { kind: 'active', daysSilent: 4, daysLeft: 26 }],
    // Monday 10:00 → Wednesday 10:00 is two whole business days.
    ['unanswered for two business days is urgent', { lastTouchAt: daysAgo(5), lastInboundAt: daysAgo(2) }, { kind: 'urgent', inboundAt: daysAgo(2), businessDaysWaiting: 2, daysSilent: 5 }],
    ['one minute short of two business days is not', { lastTouchAt: daysAgo(5), lastInboundAt: new Date(daysAgo(2).getTime() + 60_000) }, { kind: 'active', daysSilent: 5, daysLeft: 25 }],
    // Sunday → Wednesday of the week after: the Sunday counts from Monday 00:00, so seven business days.
    ['urgent outranks quiet', quietAndCalling, { kind: 'urgent', inboundAt: daysAgo(10), businessDaysWaiting: 7, daysSilent: 60 }],
    ['an inbound dated after now is not urgent yet', { lastTouchAt: daysAgo(31), lastInboundAt: daysAgo(-5) }, { kind: 'quiet', daysSilent: 31, overdueDays: 1 }],
    ['an invalid inbound date is ignored', { lastInboundAt: new Date(Number.NaN) }, { kind: 'active', daysSilent: 5, daysLeft: 25 }],
  ])('%s', (_name, over, expected) => {
    expect(quietState(base(over))).toEqual(expected);
  });

  it('is quiet to the hour: touched on the 1st at 10:00 with a 30-day threshold, quiet from the 31st at 10:00', () => {
    const touched = { lastTouchAt: d('2026-01-01T10:00:00Z'), thresholdDays: 30, tz: 'UTC' };
    expect(quietState(base({ ...touched, now: d('2026-01-31T09:00:00Z') })).kind).toBe('active');
    expect(quietState(base({ ...touched, now: d('2026-01-31T09:59:59.999Z') })).kind).toBe('active');
    expect(quietState(base({ ...touched, now: d('2026-01-31T10:00:00Z') }))).toEqual({ kind: 'quiet', daysSilent: 30, overdueDays: 0 });
    // A Friday touch is due on the Sunday 30 days on, so Monday's sweep nudges it rather than Tuesday's.
    const friday = { lastTouchAt: d('2026-03-06T16:00:00Z'), thresholdDays: 30, tz: 'UTC' };
    expect(quietState(base({ ...friday, now: d('2026-04-06T09:00:00Z') })).kind).toBe('quiet');
  });

  it('business days are read in the account zone: Friday evening in New York is Saturday in Tokyo', () => {
    // Inbound Fri 2026-03-06 18:00 New York = Sat 08:00 Tokyo; now Tue 2026-03-10 19:00 New York = Wed 08:00 Tokyo.
    const over = { lastTouchAt: d('2026-03-01T12:00:00Z'), lastInboundAt: d('2026-03-06T23:00:00Z'), now: d('2026-03-10T23:00:00Z') };
    expect(quietState(base({ ...over, tz: NY }))).toMatchObject({ kind: 'urgent', businessDaysWaiting: 2 });
    expect(quietState(base({ ...over, tz: 'Asia/Tokyo' }))).toMatchObject({ kind: 'urgent', businessDaysWaiting: 2 });
    expect(quietState(base({ ...over, now: d('2026-03-10T20:00:00Z'), tz: NY }))).toMatchObject({ kind: 'active' });
    expect(quietState(base({ ...over, now: d('2026-03-10T20:00:00Z'), tz: 'Asia/Tokyo' }))).toMatchObject({
      kind: 'urgent',
      businessDaysWaiting: 2,
    });
  });

  it('returns a copy of the inbound date, not the caller’s object', () => {
    const inbound = daysAgo(10);
    const state = quietState(base({ lastTouchAt: daysAgo(20), lastInboundAt: inbound }));
    expect(state.kind === 'urgent' && state.inboundAt).not.toBe(inbound);
  });

  it('throws on an invalid now or last touch for an account it has to judge', () => {
    expect(() => quietState(base({ now: new Date(Number.NaN) }))).toThrow(RangeError);
    expect(() => quietState(base({ lastTouchAt: new Date(Number.NaN) }))).toThrow(RangeError);
  });

  it('uses the documented urgency constant', () => {
    expect(URGENT_AFTER_BUSINESS_DAYS).toBe(2);
  });
});

describe('quietnessScore', () => {
  const urgent = (waiting: number): QuietState => ({ kind: 'urgent', inboundAt: NOW, businessDaysWaiting: waiting, daysSilent: 3 });
  const quiet = (silent: number, overdue: number): QuietState => ({ kind: 'quiet', daysSilent: silent, overdueDays: overdue });
  const active = (silent: number, left: number): QuietState => ({ kind: 'active', daysSilent: silent, daysLeft: left });
  const excluded: QuietState = { kind: 'excluded', reason: 'snoozed' };

  it('sorts urgent first, then quiet by overdue ratio, then active by progress, excluded last', () => {
    const states = [
      active(1, 29),
      excluded,
      quiet(190, 10), // 10 over 180
      urgent(2),
      quiet(17, 10), // 10 over 7
      active(29, 1),
      urgent(9),
      quiet(1000, 820), // 820 over 180 (4.6×) beats 10 over 7 (1.4×)
    ];
    const sorted = [...states].sort((a, b) => quietnessScore(b) - quietnessScore(a));
    expect(sorted).toEqual([urgent(9), urgent(2), quiet(1000, 820), quiet(17, 10), quiet(190, 10), active(29, 1), active(1, 29), excluded]);
  });

  it.each<[QuietState, number, number]>([
    [urgent(2), 2, 3],
    [urgent(1e9), 2, 3.0000001],
    [quiet(8, 1), 1, 2],
    [quiet(1e12, 1e12 - 7), 1, 2.0000001],
    [quiet(1, 1), 1, 2], // threshold 0 must not divide by zero
    [active(0, 30), 0, 1],
    [active(30, 0), 0, 1],
    [active(0, 0), 0, 1],
    [excluded, -1, -1],
  ])('%o lies in its band', (state, low, high) => {
    const score = quietnessScore(state);
    expect(Number.isFinite(score)).toBe(true);
    expect(score).toBeGreaterThanOrEqual(low);
    expect(score).toBeLessThanOrEqual(high);
  });
});

const maybeDate = fc.option(fc.date(), { nil: null }); // includes Invalid Date and the far past and future
const validDate = fc.date({ noInvalidDate: true });
const stateInput = fc.record({
  status: fc.constantFrom('active' as const, 'churned' as const),
  snoozedUntil: maybeDate,
  hasOpenNudge: fc.boolean(),
  lastTouchAt: validDate,
  lastInboundAt: maybeDate,
  thresholdDays: fc.integer({ min: 1, max: 400 }),
  now: validDate,
  tz: zone,
});
/** Histories near now, where urgent and quiet actually happen. */
const nearNow = fc.date({ min: new Date('2026-01-01'), max: new Date('2026-06-01'), noInvalidDate: true });
const realisticInput = fc.record({
  status: fc.constantFrom('active' as const, 'churned' as const),
  snoozedUntil: fc.option(nearNow, { nil: null }),
  hasOpenNudge: fc.boolean(),
  lastTouchAt: nearNow,
  lastInboundAt: fc.option(nearNow, { nil: null }),
  thresholdDays: fc.integer({ min: 1, max: 60 }),
  now: fc.constant(d('2026-04-01T12:00:00Z')),
  tz: zone,
});
const inputs = fc.oneof(stateInput, realisticInput);

describe('quietState properties', () => {
  it('never throws for any history, including far past and future dates', () => {
    fc.assert(fc.property(inputs, (input) => void quietState(input)));
  });

  it('churned is never quiet or urgent, whatever else is true', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        expect(quietState({ ...input, status: 'churned' })).toEqual({ kind: 'excluded', reason: 'churned' });
      }),
    );
  });

  it('snoozed is never quiet or urgent, whatever else is true', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 1, max: 1e9 }), (input, ahead) => {
        const snoozedUntil = new Date(Math.min(8.64e15, input.now.getTime() + ahead));
        fc.pre(snoozedUntil.getTime() > input.now.getTime());
        const state = quietState({ ...input, snoozedUntil });
        expect(state.kind).toBe('excluded');
      }),
    );
  });

  it('an open nudge is never quiet or urgent', () => {
    fc.assert(fc.property(inputs, (input) => expect(quietState({ ...input, hasOpenNudge: true }).kind).toBe('excluded')));
  });

  it('is consistent with its inputs', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const state = quietState(input);
        const silent = Math.max(0, Math.floor((input.now.getTime() - input.lastTouchAt.getTime()) / DAY_MS));
        switch (state.kind) {
          case 'active':
            expect(state.daysSilent).toBe(silent);
            expect(state.daysSilent + state.daysLeft).toBe(input.thresholdDays);
            expect(state.daysLeft).toBeGreaterThanOrEqual(1);
            break;
          case 'quiet':
            expect(state.daysSilent).toBe(silent);
            expect(state.daysSilent - state.overdueDays).toBe(input.thresholdDays);
            expect(state.overdueDays).toBeGreaterThanOrEqual(0);
            expect(input.now.getTime() - input.lastTouchAt.getTime()).toBeGreaterThanOrEqual(input.thresholdDays * DAY_MS);
            break;
          case 'urgent':
            expect(state.daysSilent).toBe(silent);
            expect(input.lastInboundAt!.getTime()).toBeGreaterThan(input.lastTouchAt.getTime());
            expect(state.inboundAt.getTime()).toBe(input.lastInboundAt!.getTime());
            expect(state.businessDaysWaiting).toBeGreaterThanOrEqual(URGENT_AFTER_BUSINESS_DAYS);
            break;
          case 'excluded':
            expect(
              input.status === 'churned' ||
                input.hasOpenNudge ||
                (input.snoozedUntil !== null && input.snoozedUntil.getTime() > input.now.getTime()),
            ).toBe(true);
        }
      }),
    );
  });

  it('score bands never overlap: urgent > quiet > active > excluded', () => {
    const rank = { urgent: 3, quiet: 2, active: 1, excluded: 0 } as const;
    fc.assert(
      fc.property(inputs, inputs, (x, y) => {
        const a = quietState(x);
        const b = quietState(y);
        if (rank[a.kind] > rank[b.kind]) expect(quietnessScore(a)).toBeGreaterThan(quietnessScore(b));
      }),
    );
  });
});
