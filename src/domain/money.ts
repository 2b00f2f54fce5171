/**
 * Money as integer minor units plus an ISO 4217 code. Amounts never go through floating
 * point on their way in or out (parsing and formatting work on digit strings), and amounts
 * of different currencies are never added together: lifetime value is kept per currency.
 */

export interface Money {
  /** Integer minor units (cents, yen, fils…), always a safe integer. */
  amountMinor: number;
  /** ISO 4217 code, upper-case. */
  currency: string;
}

/** Lifetime values per currency (currency → minor units); zero entries are dropped. */
export type Totals = Readonly<Record<string, number>>;

export type ParseAmountResult = { ok: true; amountMinor: number } | { ok: false; error: string };

export interface FormatOptions {
  /** Round half-up to whole major units, for lifetime figures ("$412,300"). */
  wholeUnits?: boolean;
}

const ZERO_DECIMAL = new Set([
  'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV',
  'XAF', 'XOF', 'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/**
 * ISO 4217 minor-unit digits. Deliberately not Intl's default fraction digits: CLDR uses
 * "cash" conventions for some currencies (HUF 0, IQD 0) while payment providers count in
 * ISO minor units, and our stored amounts must mean what the provider meant.
 */
export function currencyExponent(code: string): number {
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

// Built on first use: supportedValuesOf allocates an array of ~160 codes.
let knownCurrencies: ReadonlySet<string> | undefined;

export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies.has(code);
}

export function normaliseCurrency(input: string): string | null {
  const code = input.trim().toUpperCase();
  return isCurrencyCode(code) ? code : null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a major-unit amount as people and CSV exports write it ("1250.00", "1250").
 * Strict on purpose: a misread separator silently changes an amount by 1000×, so anything
 * ambiguous is refused with a message saying what to change rather than guessed at.
 */
export function parseMajorAmount(amount: string, currency: string): ParseAmountResult {
  const code = normaliseCurrency(currency);
  if (code === null) return { ok: false, error: `unknown currency "${currency}"` };
  const text = amount.trim();
  if (text === '') return { ok: false, error: 'amount is empty' };
  if (text.startsWith('-')) return { ok: false, error: `"${text}" is negative` };
  if (/^[+]?[\d.]*\d[eE][+-]?\d+$/.test(text)) {
    return { ok: false, error: `"${text}" uses exponent notation; write the digits out` };
  }
  if (/^\d{1,3}([,'’ _\u00a0\u202f]\d{3})+(\.\d+)?$/.test(text)) {
    return { ok: false, error: `"${text}" has thousands separators; remove them` };
  }
  if (/^\d+,\d+$/.test(text)) {
    return { ok: false, error: `"${text}" uses a decimal comma; use "." for decimals` };
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) {
    return { ok: false, error: `"${text}" is not a plain amount like 1250.00` };
  }
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  const exponent = currencyExponent(code);
  // Trailing zeros beyond the currency's digits change nothing ("5000.00" JPY from a
  // spreadsheet is exactly ¥5,000), so only significant extra digits are refused.
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    return {
      ok: false,
      error: `"${text}" has more decimal places than ${code} allows (${exponent})`,
    };
  }
  const minorDigits = whole + significant.padEnd(exponent, '0');
  const minor = BigInt(minorDigits);
  if (minor > MAX_SAFE) {
    return { ok: false, error: `"${text}" is too large to store exactly` };
  }
  return { ok: true, amountMinor: Number(minor) };
}

function assertMinor(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
  }
}

/** "125000" minor USD → "1250.00": the plain decimal string, the inverse of parseMajorAmount. */
export function toMajorString(m: Money): string {
  assertMinor(m.amountMinor);
  const exponent = currencyExponent(m.currency);
  const sign = m.amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(m.amountMinor));
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** Whole major units, halves rounded away from zero, so -$2.50 and $2.50 mirror each other. */
function roundToWholeUnits(m: Money): bigint {
  const unit = 10n ** BigInt(currencyExponent(m.currency));
  const minor = BigInt(m.amountMinor);
  const magnitude = minor < 0n ? -minor : minor;
  const rounded = (magnitude * 2n + unit) / (unit * 2n);
  return minor < 0n ? -rounded : rounded;
}

// One formatter per (currency, digits): constructing Intl.NumberFormat is the slow part.
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, digits: number): Intl.NumberFormat {
  const key = `${currency}:${digits}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** "$1,250.00", "¥5,000", "KWD 1.250" (with a no-break space, as Intl writes it). */
export function formatMoney(m: Money, opts: FormatOptions = {}): string {
  assertMinor(m.amountMinor);
  if (opts.wholeUnits === true) {
    return formatterFor(m.currency, 0).format(roundToWholeUnits(m));
  }
  // A decimal string keeps Intl away from binary floating point, so amounts near
  // MAX_SAFE_INTEGER still print exactly.
  const major = toMajorString(m) as Intl.StringNumericLiteral;
  return formatterFor(m.currency, currencyExponent(m.currency)).format(major);
}

/** `currency`'s total in `totals` once `delta` is added, checked: a currency code, whole minor units, within safe range. */
function nextTotal(totals: Totals, currency: string, delta: number): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new TypeError(`not a currency code: "${currency}"`);
  assertMinor(delta);
  const next = (totals[currency] ?? 0) + delta;
  if (!Number.isSafeInteger(next)) throw new RangeError(`${currency} total out of safe range`);
  return next;
}

function withAmount(totals: Totals, currency: string, delta: number): Totals {
  const next = nextTotal(totals, currency, delta);
  const { [currency]: _previous, ...rest } = totals;
  // Dropping zeros keeps "added then subtracted" identical to "never added".
  return next === 0 ? rest : { ...rest, [currency]: next };
}

export function addMoney(totals: Totals, m: Money): Totals {
  return withAmount(totals, m.currency, m.amountMinor);
}

export function subtractMoney(totals: Totals, m: Money): Totals {
  return withAmount(totals, m.currency, -m.amountMinor);
}

/**
 * The totals addMoney would reach adding each in turn (the same checks at every step, zeros
 * dropped), kept in one object instead of a new one per amount: a celebration sums an account's
 * whole history, and the copies were a measurable share of applying a payment.
 */
export function sumByCurrency(moneys: readonly Money[]): Totals {
  const totals: Record<string, number> = {};
  for (const m of moneys) totals[m.currency] = nextTotal(totals, m.currency, m.amountMinor);
  for (const currency of Object.keys(totals)) if (totals[currency] === 0) delete totals[currency];
  return totals;
}

/**
 * Compares amounts in major units without converting currencies: there is no exchange
 * rate here, only "which number reads bigger", which is what ordering a line needs.
 */
function compareMajorDescending(a: Money, b: Money): number {
  const ea = currencyExponent(a.currency);
  const eb = currencyExponent(b.currency);
  const scaledA = BigInt(a.amountMinor) * 10n ** BigInt(Math.max(ea, eb) - ea);
  const scaledB = BigInt(b.amountMinor) * 10n ** BigInt(Math.max(ea, eb) - eb);
  if (scaledA !== scaledB) return scaledA > scaledB ? -1 : 1;
  return a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0;
}

/** "$91,250 + €3,200": largest first, "" when there is nothing to show. */
export function formatTotals(totals: Totals, opts: FormatOptions = {}): string {
  return Object.entries(totals)
    .filter(([, amountMinor]) => amountMinor !== 0)
    .map(([currency, amountMinor]): Money => ({ currency, amountMinor }))
    .sort(compareMajorDescending)
    .map((m) => formatMoney(m, opts))
    .join(' + ');
}
