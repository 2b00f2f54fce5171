import fc from 'fast-check';
import {
  addMoney,
  currencyExponent,
  formatMoney,
  formatTotals,
  isCurrencyCode,
  normaliseCurrency,
  parseMajorAmount,
  subtractMoney,
  sumByCurrency,
  toMajorString,
} from '../../../src/domain/money.js';
import type { Money, Totals } from '../../../src/domain/money.js';

// Intl separates a currency code from the number with a no-break space.
const NBSP = '\u00a0';
const ALL_CURRENCIES = Intl.supportedValuesOf('currency');

describe('currencyExponent', () => {
  it.each([
    ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND',
      'VUV', 'XAF', 'XOF', 'XPF'].map((code) => [code, 0] as const),
    ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((code) => [code, 3] as const),
    ...['USD', 'EUR', 'GBP', 'CHF', 'HUF', 'INR', 'CAD', 'AUD', 'MXN'].map((code) => [code, 2] as const),
  ])('%s has %i minor digits', (code, digits) => {
    expect(currencyExponent(code)).toBe(digits);
  });
});

describe('isCurrencyCode', () => {
  it.each([
    ['USD', true],
    ['EUR', true],
    ['JPY', true],
    ['KWD', true],
    ['usd', false],
    ['US', false],
    ['USDX', false],
    [' USD', false],
    ['ABC', false],
    ['U1D', false],
    ['', false],
  ])('%j → %s', (code, expected) => {
    expect(isCurrencyCode(code)).toBe(expected);
  });

  it('accepts every code Intl supports', () => {
    for (const code of ALL_CURRENCIES) expect(isCurrencyCode(code)).toBe(true);
  });
});

describe('normaliseCurrency', () => {
  it.each([
    ['usd', 'USD'],
    ['USD', 'USD'],
    ['  eur ', 'EUR'],
    ['Jpy', 'JPY'],
    ['\tkwd\n', 'KWD'],
    ['dollars', null],
    ['$', null],
    ['', null],
    ['abc', null],
    ['us d', null],
  ])('%j → %j', (input, expected) => {
    expect(normaliseCurrency(input)).toBe(expected);
  });
});

describe('parseMajorAmount', () => {
  it.each([
    ['1250.00', 'USD', 125000],
    ['1250', 'USD', 125000],
    ['1250.5', 'USD', 125050],
    ['0.01', 'USD', 1],
    ['0', 'USD', 0],
    ['0.00', 'USD', 0],
    ['007.50', 'USD', 750],
    [' 12.34 ', 'USD', 1234],
    ['12.340', 'USD', 1234],
    ['5000', 'JPY', 5000],
    ['5000.00', 'JPY', 5000],
    ['1.250', 'KWD', 1250],
    ['1.25', 'KWD', 1250],
    ['1', 'KWD', 1000],
    ['1250.00', 'usd', 125000],
    ['90071992547409.91', 'USD', Number.MAX_SAFE_INTEGER],
    ['9007199254740991', 'JPY', Number.MAX_SAFE_INTEGER],
  ])('%j %s → %i', (amount, currency, amountMinor) => {
    expect(parseMajorAmount(amount, currency)).toEqual({ ok: true, amountMinor });
  });

  it.each([
    ['', 'USD', 'amount is empty'],
    ['   ', 'USD', 'amount is empty'],
    ['-5', 'USD', '"-5" is negative'],
    ['-0.01', 'USD', '"-0.01" is negative'],
    ['1e5', 'USD', '"1e5" uses exponent notation; write the digits out'],
    ['1.5E+3', 'USD', '"1.5E+3" uses exponent notation; write the digits out'],
    ['1,250.00', 'USD', '"1,250.00" has thousands separators; remove them'],
    ['1,250', 'USD', '"1,250" has thousands separators; remove them'],
    ['12,345,678', 'USD', '"12,345,678" has thousands separators; remove them'],
    ['1 250', 'USD', '"1 250" has thousands separators; remove them'],
    ["1'250.50", 'CHF', '"1\'250.50" has thousands separators; remove them'],
    ['1_000', 'USD', '"1_000" has thousands separators; remove them'],
    ['12,5', 'EUR', '"12,5" uses a decimal comma; use "." for decimals'],
    ['12.345', 'USD', '"12.345" has more decimal places than USD allows (2)'],
    ['5000.5', 'JPY', '"5000.5" has more decimal places than JPY allows (0)'],
    ['1.2345', 'KWD', '"1.2345" has more decimal places than KWD allows (3)'],
    ['90071992547409.92', 'USD', '"90071992547409.92" is too large to store exactly'],
    ['99999999999999999999', 'JPY', '"99999999999999999999" is too large to store exactly'],
    ['$12', 'USD', '"$12" is not a plain amount like 1250.00'],
    ['12.', 'USD', '"12." is not a plain amount like 1250.00'],
    ['.5', 'USD', '".5" is not a plain amount like 1250.00'],
    ['+5', 'USD', '"+5" is not a plain amount like 1250.00'],
    ['abc', 'USD', '"abc" is not a plain amount like 1250.00'],
    ['1.2.3', 'USD', '"1.2.3" is not a plain amount like 1250.00'],
    ['NaN', 'USD', '"NaN" is not a plain amount like 1250.00'],
    ['Infinity', 'USD', '"Infinity" is not a plain amount like 1250.00'],
    ['0x10', 'USD', '"0x10" is not a plain amount like 1250.00'],
    ['١٢', 'USD', '"١٢" is not a plain amount like 1250.00'],
    ['10', 'XYZ', 'unknown currency "XYZ"'],
    ['10', '', 'unknown currency ""'],
  ])('%j %j is refused: %s', (amount, currency, error) => {
    expect(parseMajorAmount(amount, currency)).toEqual({ ok: false, error });
  });
});

describe('toMajorString', () => {
  it.each([
    [125000, 'USD', '1250.00'],
    [1, 'USD', '0.01'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
    [5000, 'JPY', '5000'],
    [1250, 'KWD', '1.250'],
    [7, 'KWD', '0.007'],
  ])('%i %s → %s', (amountMinor, currency, expected) => {
    expect(toMajorString({ amountMinor, currency })).toBe(expected);
  });
});

describe('formatMoney', () => {
  it.each([
    [125000, 'USD', '$1,250.00'],
    [0, 'USD', '$0.00'],
    [1, 'USD', '$0.01'],
    [-50, 'USD', '-$0.50'],
    [123456789, 'EUR', '€1,234,567.89'],
    [99, 'GBP', '£0.99'],
    [5000, 'JPY', '¥5,000'],
    [1250, 'KWD', `KWD${NBSP}1.250`],
    [1234567, 'BHD', `BHD${NBSP}1,234.567`],
    [1000000, 'KRW', '₩1,000,000'],
    [123456, 'HUF', `HUF${NBSP}1,234.56`],
    [1000, 'IQD', `IQD${NBSP}1.000`],
    [250000, 'CAD', 'CA$2,500.00'],
    [Number.MAX_SAFE_INTEGER, 'USD', '$90,071,992,547,409.91'],
    [Number.MAX_SAFE_INTEGER, 'JPY', '¥9,007,199,254,740,991'],
  ])('%i %s → %j', (amountMinor, currency, expected) => {
    expect(formatMoney({ amountMinor, currency })).toBe(expected);
  });

  it.each([
    [41230000, 'USD', '$412,300'],
    [41230049, 'USD', '$412,300'],
    [41230050, 'USD', '$412,301'],
    [41230099, 'USD', '$412,301'],
    [249, 'USD', '$2'],
    [250, 'USD', '$3'],
    [-250, 'USD', '-$3'],
    [-249, 'USD', '-$2'],
    [0, 'USD', '$0'],
    [5000, 'JPY', '¥5,000'],
    [1499, 'KWD', `KWD${NBSP}1`],
    [1500, 'KWD', `KWD${NBSP}2`],
    [Number.MAX_SAFE_INTEGER, 'USD', '$90,071,992,547,410'],
  ])('wholeUnits %i %s → %j', (amountMinor, currency, expected) => {
    expect(formatMoney({ amountMinor, currency }, { wholeUnits: true })).toBe(expected);
  });

  it.each([[1.5], [Number.NaN], [Number.MAX_SAFE_INTEGER + 1], [Infinity]])(
    'refuses a non-integer amount %p',
    (amountMinor) => {
      expect(() => formatMoney({ amountMinor, currency: 'USD' })).toThrow(RangeError);
    },
  );

  it('formats every code Intl supports with that currency\'s ISO digits', () => {
    for (const currency of ALL_CURRENCIES) {
      const exponent = currencyExponent(currency);
      const text = formatMoney({ amountMinor: 123456789, currency });
      const decimals = /\.(\d+)$/.exec(text)?.[1] ?? '';
      expect(decimals.length).toBe(exponent);
      expect(formatMoney({ amountMinor: 123456789, currency }, { wholeUnits: true })).not.toMatch(/\.\d/);
    }
  });
});

describe('totals', () => {
  it('adds per currency without touching the input', () => {
    const start: Totals = { USD: 100 };
    const next = addMoney(start, { amountMinor: 50, currency: 'USD' });
    const withEuro = addMoney(next, { amountMinor: 7, currency: 'EUR' });
    expect(start).toEqual({ USD: 100 });
    expect(next).toEqual({ USD: 150 });
    expect(withEuro).toEqual({ USD: 150, EUR: 7 });
  });

  it('drops a currency whose total returns to zero', () => {
    expect(subtractMoney({ USD: 100, EUR: 5 }, { amountMinor: 100, currency: 'USD' })).toEqual({ EUR: 5 });
    expect(addMoney({}, { amountMinor: 0, currency: 'USD' })).toEqual({});
  });

  it('subtracts below zero (refunds larger than what is recorded)', () => {
    expect(subtractMoney({ USD: 100 }, { amountMinor: 150, currency: 'USD' })).toEqual({ USD: -50 });
  });

  it.each([
    [{ amountMinor: 1, currency: 'usd' }, TypeError],
    [{ amountMinor: 1, currency: '__proto__' }, TypeError],
    [{ amountMinor: 0.5, currency: 'USD' }, RangeError],
  ] as const)('refuses %j', (m, error) => {
    expect(() => addMoney({}, m)).toThrow(error);
  });

  it('refuses a total beyond the safe integer range', () => {
    expect(() => addMoney({ USD: Number.MAX_SAFE_INTEGER }, { amountMinor: 1, currency: 'USD' })).toThrow(RangeError);
  });

  it('sums by currency', () => {
    expect(sumByCurrency([])).toEqual({});
    expect(
      sumByCurrency([
        { amountMinor: 100, currency: 'USD' },
        { amountMinor: 5000, currency: 'JPY' },
        { amountMinor: 250, currency: 'USD' },
      ]),
    ).toEqual({ USD: 350, JPY: 5000 });
  });

  it.each([
    [{}, {}, ''],
    [{ USD: 9125000 }, { wholeUnits: true }, '$91,250'],
    [{ EUR: 320000, USD: 9125000 }, { wholeUnits: true }, '$91,250 + €3,200'],
    [{ EUR: 320000, USD: 9125000 }, {}, '$91,250.00 + €3,200.00'],
    // Ordered by the number shown, not by value: no exchange rates here.
    [{ USD: 100000, JPY: 5000 }, { wholeUnits: true }, '¥5,000 + $1,000'],
    [{ KWD: 2000000, USD: 100000 }, {}, `KWD${NBSP}2,000.000 + $1,000.00`],
    [{ USD: 500, EUR: 500, GBP: 500 }, {}, '€5.00 + £5.00 + $5.00'],
    [{ USD: 500, EUR: 0 }, {}, '$5.00'],
  ] as const)('formatTotals %j %j → %j', (totals, opts, expected) => {
    expect(formatTotals(totals, opts)).toBe(expected);
  });
});

const currencyArb = fc.constantFrom(...ALL_CURRENCIES);
const moneyArb = fc.record({
  amountMinor: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  currency: fc.constantFrom<string>('USD', 'EUR', 'JPY', 'KWD', 'GBP'),
});

describe('properties', () => {
  it('parse(toMajorString(m)) gives m back for every exponent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currencyArb, (amountMinor, currency) => {
        const parsed = parseMajorAmount(toMajorString({ amountMinor, currency }), currency);
        expect(parsed).toEqual({ ok: true, amountMinor });
      }),
      { numRuns: 500 },
    );
  });

  it('the digits formatMoney shows parse back to the same amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), currencyArb, (amountMinor, currency) => {
        const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency })
          .formatToParts(0)
          .filter((p) => p.type === 'currency')
          .map((p) => p.value);
        let text = formatMoney({ amountMinor, currency });
        for (const symbol of parts) text = text.replace(symbol, '');
        text = text.replace(/[,\u00a0\s]/g, '');
        expect(parseMajorAmount(text, currency)).toEqual({ ok: true, amountMinor });
      }),
      { numRuns: 500 },
    );
  });

  it('wholeUnits is within half a major unit of the exact amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), currencyArb, (amountMinor, currency) => {
        const unit = 10 ** currencyExponent(currency);
        const shown = Number(formatMoney({ amountMinor, currency }, { wholeUnits: true }).replace(/[^\d]/g, ''));
        expect(Math.abs(shown * unit - amountMinor) * 2).toBeLessThanOrEqual(unit);
      }),
    );
  });

  it('totals never combine different currencies', () => {
    fc.assert(
      fc.property(fc.array(moneyArb, { maxLength: 40 }), (moneys) => {
        const totals = sumByCurrency(moneys);
        const currencies = new Set(moneys.map((m) => m.currency));
        for (const [currency, total] of Object.entries(totals)) {
          expect(currencies.has(currency)).toBe(true);
          const expected = moneys.filter((m) => m.currency === currency).reduce((s, m) => s + m.amountMinor, 0);
          expect(total).toBe(expected);
        }
        for (const currency of currencies) {
          const expected = moneys.filter((m) => m.currency === currency).reduce((s, m) => s + m.amountMinor, 0);
          expect(totals[currency] ?? 0).toBe(expected);
        }
        const shown = formatTotals(totals);
        expect(shown === '' ? 0 : shown.split(' + ').length).toBe(Object.keys(totals).length);
      }),
    );
  });

  it('adding then subtracting restores the totals', () => {
    fc.assert(
      fc.property(fc.array(moneyArb, { maxLength: 20 }), moneyArb, (history, m: Money) => {
        const totals = sumByCurrency(history);
        expect(subtractMoney(addMoney(totals, m), m)).toEqual(totals);
        expect(addMoney(subtractMoney(totals, m), m)).toEqual(totals);
      }),
    );
  });

  it('sumByCurrency is addMoney applied in turn: the same totals, the same refusals', () => {
    const outcome = (f: () => Totals) => {
      try {
        return { totals: f() };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    const amount = fc.oneof(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 0.5, Number.NaN));
    const currency = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('USD', 'EUR', 'JPY') }, { weight: 1, arbitrary: fc.constantFrom('usd', 'US', '') });
    fc.assert(
      fc.property(fc.array(fc.record({ amountMinor: amount, currency }), { maxLength: 30 }), (moneys) => {
        expect(outcome(() => sumByCurrency(moneys))).toEqual(outcome(() => moneys.reduce<Totals>((t, m) => addMoney(t, m), {})));
      }),
      { numRuns: 500 },
    );
  });

  it('sumByCurrency does not depend on order', () => {
    fc.assert(
      fc.property(fc.array(moneyArb, { maxLength: 20 }), (moneys) => {
        expect(sumByCurrency([...moneys].reverse())).toEqual(sumByCurrency(moneys));
      }),
    );
  });
});
