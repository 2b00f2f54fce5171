import { ConfigError, parseConfig } from '../../../src/config.js';

function problems(value: string): string[] {
  try {
    parseConfig({ QUIET_AFTER_DAYS_BY_TIER: value });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`expected ${value} to be refused`);
}

describe('QUIET_AFTER_DAYS_BY_TIER', () => {
  it('is empty by default', () => {
    expect(parseConfig({}).quietAfterDaysByTier).toEqual({});
    expect(parseConfig({ QUIET_AFTER_DAYS_BY_TIER: '  ' }).quietAfterDaysByTier).toEqual({});
  });

  it('reads tier=days pairs, tier names in lower case, spaces tolerated', () => {
    expect(parseConfig({ QUIET_AFTER_DAYS_BY_TIER: 'gold=14,silver=30' }).quietAfterDaysByTier).toEqual({ gold: 14, silver: 30 });
    expect(parseConfig({ QUIET_AFTER_DAYS_BY_TIER: ' Gold = 14 , Key Account=7 ' }).quietAfterDaysByTier).toEqual({ gold: 14, 'key account': 7 });
  });

  it.each([
    ['gold', /"gold" is not tier=days/],
    ['gold=abc', /"gold=abc" is not tier=days/],
    ['=14', /"=14" is not tier=days/],
    ['gold=14,', /"" is not tier=days/],
    ['gold=0', /gold: days must be between 1 and 3650/],
    ['gold=99999', /gold: days must be between 1 and 3650/],
    ['gold=14,GOLD=7', /tier "gold" is given twice/],
  ])('refuses %j with one line naming the variable and an example', (value, message) => {
    const [line, ...rest] = problems(value);
    expect(rest).toEqual([]);
    expect(line).toMatch(/^QUIET_AFTER_DAYS_BY_TIER: /);
    expect(line).toMatch(message);
    expect(line).toContain('e.g. gold=14,silver=30');
  });
});
