import { FixedClock, deliveryTime, jobTime, sameTime } from '../../src/clock.js';

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

describe('two clocks', () => {
  const wall = new Date('2026-12-05T10:00:00Z');
  it('a job decides as of its instant and reads the wall clock for delivery', () => {
    expect(jobTime(new Date('2027-01-14T09:00:00Z'), new FixedClock(wall))).toEqual({ asOf: new Date('2027-01-14T09:00:00Z'), wall });
    expect(sameTime(wall)).toEqual({ asOf: wall, wall });
  });

  it.each([
    ['due at its instant: at once', '2027-01-14T09:00:00Z', '2027-01-14T09:00:00Z', '2026-12-05T10:00:00.000Z'],
    ['held an hour at its instant (quiet hours): an hour from now', '2027-01-14T09:00:00Z', '2027-01-14T10:00:00Z', '2026-12-05T11:00:00.000Z'],
    ['as of the past, held five minutes (a roll-up window): five minutes from now', '2026-10-01T12:00:00Z', '2026-10-01T12:05:00Z', '2026-12-05T10:05:00.000Z'],
    ['due before its instant: at once', '2027-01-14T09:00:00Z', '2027-01-13T09:00:00Z', '2026-12-05T10:00:00.000Z'],
  ])('%s', (_name, asOf, dueAt, expected) => {
    expect(deliveryTime({ asOf: new Date(asOf), wall }, new Date(dueAt)).toISOString()).toBe(expected);
  });
});
