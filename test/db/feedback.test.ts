import { mergeAccounts } from '../../src/accounts/account-merge.js';
import { createAccount } from '../../src/accounts/account-queries.js';
import { feedbackWeek } from '../../src/feedback/feedback-queries.js';
import type { Score } from '../../src/feedback/feedback-score.js';
import { signFeedbackToken, type FeedbackClaims } from '../../src/feedback/feedback-token.js';
import { recordFeedbackAnswer } from '../../src/feedback/record-answer.js';
import { silentLogger } from '../../src/log.js';
import { TEST_FEEDBACK_SECRET } from '../support/feedback-client.js';
import { describeEachEngine } from '../support/test-database.js';

const NOW = new Date('2026-11-27T16:00:00Z');
const START = new Date('2026-11-20T16:00:00Z');
const MINUTE = 60_000;
const routing = { celebrationChannel: 'C0CELEBRATE', fallbackChannel: 'C0FALLBACK' };

describeEachEngine('feedback answers in the database on %s', (database) => {
  const db = () => database.handle.db;
  let nonce = 0;

  async function newAccount(externalId: string, name: string): Promise<number> {
    return db().transaction().execute(async (trx) => (await createAccount(trx, { source: 'generic', externalId, name }, new Date('2026-01-01T00:00:00Z'))).id);
  }

  function link(accountId: number): { token: string; claims: FeedbackClaims } {
    nonce += 1;
    const claims: FeedbackClaims = { accountId, repId: null, expiresAt: new Date(NOW.getTime() + 30 * 86_400_000), nonce };
    return { token: signFeedbackToken(claims, TEST_FEEDBACK_SECRET), claims };
  }

  const record = (accountId: number, score: Score, comment: string | null, at: Date, token = link(accountId)) =>
    recordFeedbackAnswer(db(), { ...token, score, comment }, { now: at, log: silentLogger(), routing });

  it('the digest counts the answers first given in (start, end], averages them and quotes the best praise first', async () => {
    const acme = await newAccount('acme', 'Acme');
    const globex = await newAccount('globex', 'Globex');
    await record(acme, 5, 'before the week', START); // on the boundary: last week's
    await record(acme, 5, 'Wonderful', new Date(START.getTime() + MINUTE));
    await record(globex, 4, 'Good work', new Date(NOW.getTime() - 60 * MINUTE));
    await record(globex, 5, null, new Date(NOW.getTime() - 30 * MINUTE));
    await record(acme, 2, 'Slow reply', new Date(NOW.getTime() - 10 * MINUTE));
    await record(acme, 5, 'next week', new Date(NOW.getTime() + 1));
    const week = await feedbackWeek(db(), { start: START, end: NOW, quotes: 3 });
    expect(week).toEqual({
      answers: 4,
      average: 4,
      quotes: [
        { accountId: acme, accountName: 'Acme', score: 5, comment: 'Wonderful' },
        { accountId: globex, accountName: 'Globex', score: 4, comment: 'Good work' },
      ],
    });
    expect(await feedbackWeek(db(), { start: NOW, end: new Date(NOW.getTime() + 1), quotes: 3 })).toMatchObject({ answers: 1, average: 5 });
    expect(await feedbackWeek(db(), { start: new Date(0), end: new Date(1), quotes: 3 })).toEqual({ answers: 0, average: null, quotes: [] });
  });

  it('the same link answered from many requests at once: one answer, one touchpoint, one message', async () => {
    const acme = await newAccount('acme', 'Acme');
    const token = link(acme);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => record(acme, 5, 'Same', NOW, token)));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['recorded', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await db().selectFrom('feedback_answers').selectAll().execute()).toHaveLength(1);
    expect(await db().selectFrom('touchpoints').selectAll().execute()).toHaveLength(1);
    expect(await db().selectFrom('outbox').select(['kind', 'channel', 'dedupe_key']).execute()).toEqual([{ kind: 'post', channel: 'C0CELEBRATE', dedupe_key: expect.stringMatching(/^feedback:\d+:praise$/) }]);
  });

  it('different answers at once take turns: each later one is a revision, one post and an update per change', async () => {
    const acme = await newAccount('acme', 'Acme');
    const token = link(acme);
    const outcomes = await Promise.all(([5, 4, 5, 4] as const).map((score, i) => record(acme, score, `answer ${i}`, NOW, token)));
    expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(1);
    const row = await db().selectFrom('feedback_answers').selectAll().executeTakeFirstOrThrow();
    expect(row.revision).toBe(4);
    const outbox = await db().selectFrom('outbox').select('kind').orderBy('id').execute();
    expect(outbox.map((o) => o.kind)).toEqual(['post', 'update', 'update', 'update']);
  });

  it('after 15 minutes the answer stands; a link for an account that is gone records nothing', async () => {
    const acme = await newAccount('acme', 'Acme');
    const token = link(acme);
    await record(acme, 3, null, NOW, token);
    expect((await record(acme, 1, 'late', new Date(NOW.getTime() + 15 * MINUTE + 1), token)).kind).toBe('already-answered');
    expect((await record(acme + 99, 5, null, NOW)).kind).toBe('unknown-account');
    expect(await db().selectFrom('feedback_answers').select(['score', 'comment']).execute()).toEqual([{ score: 3, comment: null }]);
    expect(await db().selectFrom('touchpoints').selectAll().execute()).toHaveLength(1);
  });

  it('merging two accounts moves the answers with the touchpoints', async () => {
    const from = await newAccount('stripe-acme', 'Acme (Stripe)');
    const into = await newAccount('acme', 'Acme');
    await record(from, 4, 'Nice', NOW);
    await db().transaction().execute((trx) => mergeAccounts(trx, from, into, NOW));
    expect(await db().selectFrom('feedback_answers').select('account_id').execute()).toEqual([{ account_id: into }]);
  });
});
