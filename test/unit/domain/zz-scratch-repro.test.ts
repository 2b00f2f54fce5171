import fc from 'fast-check';
import { isAnniversaryDay, localDate } from '../../../src/domain/tenure.js';
import { instantOf, wallMs, MAX_TIME_MS, civilFromDays, daysFromCivil } from '../../../src/domain/zoned-time.js';
const zones = fc.constantFrom('UTC', 'Asia/Tokyo', 'America/New_York', 'Europe/Berlin', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Pacific/Apia', 'Pacific/Kwajalein', 'Pacific/Enderbury', 'Pacific/Fakaofo');
const instant = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-12-31T23:59:59Z'), noInvalidDate: true });
it('anniversary', () => {
  const fails: string[] = [];
  for (let seed = 0; seed < 40; seed++) {
    const out = fc.check(
      fc.property(instant, fc.integer({ min: 1, max: 30 }), zones, (first, years, tz) => {
        const { year } = localDate(first, tz);
        let hits = 0;
        for (let day = -2; day < 368; day += 1) {
          const at = new Date(Date.UTC(year + years, 0, 1 + day, 12));
          if (localDate(at, tz).year !== year + years) continue;
          if (isAnniversaryDay(first, at, tz) !== null) hits += 1;
        }
        return hits === 1;
      }),
      { numRuns: 100, seed },
    );
    if (out.failed) fails.push(`seed ${seed}: ${fc.stringify(out.counterexample)}`);
  }
  console.log('anniversary fails:\n' + fails.join('\n'));
});
it('roundtrip', () => {
  const all = fc.constantFrom(...Intl.supportedValuesOf('timeZone'), 'UTC');
  const out = fc.check(fc.property(fc.integer({ min: -MAX_TIME_MS, max: MAX_TIME_MS }), all, (t, tz) => {
    const w = wallMs(t, tz); const i = instantOf(w, tz);
    return i <= t && wallMs(i, tz) === w;
  }), { numRuns: 200000, seed: 1 });
  console.log('roundtrip', out.failed ? fc.stringify(out.counterexample) : 'ok');
  const out2 = fc.check(fc.property(fc.integer({ min: -200_000_000, max: 200_000_000 }), (d) => daysFromCivil(civilFromDays(d).year, civilFromDays(d).month, civilFromDays(d).day) === d), { numRuns: 100000 });
  console.log('civil', out2.failed ? fc.stringify(out2.counterexample) : 'ok');
});
