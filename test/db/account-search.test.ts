import { closestAccounts, resolveAccountName, searchAccounts } from '../../src/accounts/account-search.js';
import { resolveTouchpointCommand } from '../../src/touchpoints/resolve-touchpoint-command.js';
import { parseTouchpointCommand } from '../../src/touchpoints/touchpoint-command.js';
import { describeEachEngine } from '../support/test-database.js';

const NAMES = [
  'Acme Co',
  'Globex Corporation',
  'Initech',
  "O'Brien & Sons",
  'Umbrella Health East',
  'Umbrella Health West',
  '100% Juice',
  'Acme Note Services',
];

describeEachEngine('finding an account by what a rep types (%s)', (tdb) => {
  const db = () => tdb.handle.db;
  const ids = new Map<string, number>();

  async function account(name: string, status: 'active' | 'churned' = 'active'): Promise<number> {
    const row = await db().insertInto('accounts').values({ name, status }).returning('id').executeTakeFirstOrThrow();
    ids.set(name, row.id);
    return row.id;
  }

  beforeAll(async () => {
    for (const name of NAMES) await account(name);
    await account('Stark Industries', 'churned');
    await account('Stark Labs');
  });

  async function found(query: string): Promise<string> {
    const r = await resolveAccountName(db(), query);
    if (r.kind !== 'found') throw new Error(`"${query}" was ${r.kind}: ${JSON.stringify(r)}`);
    return r.account.name;
  }

  it.each([
    ['exact', 'Initech', 'Initech'],
    ['case', 'GLOBEX CORPORATION', 'Globex Corporation'],
    ['punctuation in the query', 'acme co.', 'Acme Co'],
    ['punctuation in the name', 'obrien sons', "O'Brien & Sons"],
    ['partial, from the start', 'glob', 'Globex Corporation'],
    ['partial, a later word', 'corporation', 'Globex Corporation'],
    ['typo', 'initek', 'Initech'],
    ['typo in a longer name', 'globx corp', 'Globex Corporation'],
    ['LIKE wildcards typed are plain characters', '100%', '100% Juice'],
    ['an active account before a churned one that fits as well', 'stark', 'Stark Labs'],
    ['a churned account by its exact name', 'stark industries', 'Stark Industries'],
  ])('%s: "%s" finds %s', async (_case, query, name) => {
    expect(await found(query)).toBe(name);
  });

  it('asks which one when two fit about equally, best first', async () => {
    const r = await resolveAccountName(db(), 'umbrella');
    expect(r.kind).toBe('ambiguous');
    if (r.kind !== 'ambiguous') return;
    expect(r.choices.map((c) => c.name).sort()).toEqual(['Umbrella Health East', 'Umbrella Health West']);
    expect(r.more).toBe(0);
  });

  it('"acme" fits two accounts that start with it: ambiguous, not a guess', async () => {
    const r = await resolveAccountName(db(), 'acme');
    expect(r.kind).toBe('ambiguous');
  });

  it('finds none for a name nothing resembles, and names the closest when something is near', async () => {
    const none = await resolveAccountName(db(), 'zyxwvut');
    expect(none).toEqual({ kind: 'none', suggestions: [] });
    const near = await resolveAccountName(db(), 'umbrela west coast branch office');
    expect(near.kind).toBe('none');
    if (near.kind === 'none') expect(near.suggestions.map((s) => s.name)).toContain('Umbrella Health West');
  });

  it('searches nothing for an empty or blank query', async () => {
    expect(await searchAccounts(db(), '   ')).toEqual([]);
    expect(await closestAccounts(db(), '')).toEqual([]);
  });

  it('lists candidates best first for the modal picker, at most the limit', async () => {
    // One or two letters: names or words starting with them, not every name containing an "a".
    expect((await searchAccounts(db(), 'a', 100)).map((c) => c.name).sort()).toEqual(['Acme Co', 'Acme Note Services']);
    expect((await searchAccounts(db(), 'He', 100)).map((c) => c.name).sort()).toEqual(['Umbrella Health East', 'Umbrella Health West']);
    const two = await searchAccounts(db(), 'umbrella', 2);
    expect(two).toHaveLength(2);
    expect(two.every((c) => c.name.startsWith('Umbrella'))).toBe(true);
  });

  describe('reading /touchpoint text against the accounts', () => {
    async function read(text: string) {
      const parsed = parseTouchpointCommand(text);
      if (!parsed.ok) throw new Error(parsed.error);
      return resolveTouchpointCommand(db(), parsed.readings, parsed.explicitKind);
    }

    it('ends the name at the kind word', async () => {
      const r = await read('initech call caught up on renewal');
      expect(r.kind).toBe('found');
      expect(r.reading).toEqual({ name: 'initech', kind: 'call', note: 'caught up on renewal' });
    });

    it('keeps a kind word inside an exact account name', async () => {
      const r = await read('Acme Note Services email sent the deck');
      expect(r.kind === 'found' && r.account.name).toBe('Acme Note Services');
      expect(r.reading).toEqual({ name: 'Acme Note Services', kind: 'email', note: 'sent the deck' });
    });

    it('without a kind, takes the longest leading words that name an account and logs a note', async () => {
      const r = await read('globex corporation sent flowers');
      expect(r.kind === 'found' && r.account.name).toBe('Globex Corporation');
      expect(r.reading).toEqual({ name: 'globex corporation', kind: 'note', note: 'sent flowers' });
    });

    it('without a kind, a typo is forgiven only when the whole text is the name', async () => {
      const typo = await read('initek');
      expect(typo.kind === 'found' && typo.account.name).toBe('Initech');
      const withNote = await read('initek sent flowers');
      expect(withNote.kind).toBe('none');
    });

    it('keeps the kind and note with an ambiguous name', async () => {
      const r = await read('umbrella meeting quarterly review');
      expect(r.kind).toBe('ambiguous');
      expect(r.reading).toEqual({ name: 'umbrella', kind: 'meeting', note: 'quarterly review' });
    });
  });
}, { resetEachTest: false });
