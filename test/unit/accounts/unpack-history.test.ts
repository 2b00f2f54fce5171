// A batch's payment histories come back packed one string an account (paymentHistories); whatever
// was packed is read back exactly, in order.
import fc from 'fast-check';
import { unpackHistory, type HistoryEntry } from '../../../src/accounts/payment-queries.js';

/** What PostgreSQL's string_agg(concat_ws(',', …), ';') in paymentHistories writes. */
const pack = (entries: readonly HistoryEntry[]) => entries.map((e) => [e.id, e.amountMinor, e.refundedMinor, e.paidAt.getTime(), e.currency].join(',')).join(';');

const entry = fc.record({
  id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  amountMinor: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  refundedMinor: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY', 'KWD'),
  paidAt: fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2200-01-01T00:00:00.000Z'), noInvalidDate: true }),
});

describe('unpackHistory', () => {
  it('reads back every entry packed, in order (property)', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), (entries) => {
        const read: HistoryEntry[] = [];
        unpackHistory(pack(entries), read);
        expect(read).toEqual(entries);
      }),
    );
  });

  it('appends to what the account already has', () => {
    const first = { id: 1, amountMinor: 100, refundedMinor: 0, currency: 'USD', paidAt: new Date('2020-01-01T00:00:00.000Z') };
    const second = { id: 7, amountMinor: 250, refundedMinor: 50, currency: 'EUR', paidAt: new Date('2021-06-30T12:34:56.789Z') };
    const into = [first];
    unpackHistory(pack([second]), into);
    expect(into).toEqual([first, second]);
  });
});
