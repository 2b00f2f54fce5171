import { FixedClock } from '../../src/clock.js';

describe('FixedClock', () => {
  it('stays where it is put and moves only when told', () => {
    const clock = new FixedClock('2026-11-20T15:04:05Z');
    expect(clock.now().toISOString()).toBe('2026-11-20T15:04:05.000Z');
    clock.advance(60_000);
    expect(clock.now().toISOString()).toBe('2026-11-20T15:05:05.000Z');
    clock.set('2027-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
