import { AMBIGUITY_MARGIN, decideMatch, MAX_CHOICES, type AccountCandidate } from '../../../src/accounts/account-match.js';

let nextId = 1;
function candidate(name: string, fit: Partial<AccountCandidate> = {}): AccountCandidate {
  return { id: nextId++, name, status: 'active', exact: false, prefix: false, wordPrefix: false, similarity: 0, wordSimilarity: 0, ...fit };
}

describe('deciding which account was meant', () => {
  it('finds nothing in nothing', () => {
    expect(decideMatch([])).toEqual({ kind: 'none', suggestions: [] });
  });

  it('an exact name beats names that merely start the same', () => {
    const exact = candidate('Acme', { exact: true, prefix: true, similarity: 1, wordSimilarity: 1 });
    const longer = candidate('Acme Labs', { prefix: true, similarity: 0.5, wordSimilarity: 1 });
    expect(decideMatch([longer, exact])).toMatchObject({ kind: 'found', account: { name: 'Acme' } });
  });

  it('asks when the best fits are within the margin, listing at most a few', () => {
    const many = Array.from({ length: MAX_CHOICES + 2 }, (_, i) => candidate(`Acme ${i}`, { prefix: true, similarity: 0.4, wordSimilarity: 1 }));
    const decision = decideMatch(many);
    expect(decision).toMatchObject({ kind: 'ambiguous', more: 2 });
    if (decision.kind === 'ambiguous') expect(decision.choices).toHaveLength(MAX_CHOICES);
  });

  it(`picks the best when the next is more than ${AMBIGUITY_MARGIN} behind`, () => {
    const best = candidate('Initech', { similarity: 0.5, wordSimilarity: 0.8 });
    const far = candidate('Initrode', { similarity: 0.2, wordSimilarity: 0.4 });
    expect(decideMatch([far, best])).toMatchObject({ kind: 'found', account: { name: 'Initech' } });
  });

  it('a faint resemblance is a suggestion, never a match', () => {
    const faint = candidate('Globex', { similarity: 0.3, wordSimilarity: 0.3 });
    expect(decideMatch([faint])).toMatchObject({ kind: 'none', suggestions: [{ name: 'Globex' }] });
  });

  it('churned accounts come after active ones that fit as well', () => {
    const churned = candidate('Stark Industries', { status: 'churned', prefix: true, similarity: 0.4, wordSimilarity: 1 });
    const active = candidate('Stark Labs', { prefix: true, similarity: 0.4, wordSimilarity: 1 });
    expect(decideMatch([churned, active])).toMatchObject({ kind: 'found', account: { name: 'Stark Labs' } });
  });
});
