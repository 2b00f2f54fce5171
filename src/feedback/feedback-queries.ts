import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, FeedbackAnswer, FeedbackAnswersTable } from '../db/schema.js';

/** Every query on feedback_answers. Writers take the transaction that also writes the touchpoint and the messages. */

type Db = Kysely<Database> | Transaction<Database>;

export async function findAnswer(db: Db, tokenDigest: string): Promise<FeedbackAnswer | null> {
  return (await db.selectFrom('feedback_answers').selectAll().where('token_digest', '=', tokenDigest).executeTakeFirst()) ?? null;
}

/** The link's answer, locked until the transaction ends: two answers to one link take turns. */
export async function lockAnswer(trx: Transaction<Database>, tokenDigest: string): Promise<FeedbackAnswer | null> {
  return (await trx.selectFrom('feedback_answers').selectAll().where('token_digest', '=', tokenDigest).forUpdate().executeTakeFirst()) ?? null;
}

export async function insertAnswer(trx: Transaction<Database>, row: Insertable<FeedbackAnswersTable>): Promise<FeedbackAnswer> {
  return trx.insertInto('feedback_answers').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateAnswer(trx: Transaction<Database>, id: number, patch: Updateable<FeedbackAnswersTable>): Promise<FeedbackAnswer> {
  return trx.updateTable('feedback_answers').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export interface FeedbackWeek {
  answers: number;
  /** Mean score, null when nobody answered. */
  average: number | null;
  /** Praise with a comment, best first, then newest. */
  quotes: Array<{ accountId: number; accountName: string; score: number; comment: string }>;
}

/** The week's answers (first answered in (start, end]) for the digest: how many, their average, the best quotes. */
export async function feedbackWeek(db: Db, week: { start: Date; end: Date; quotes: number }): Promise<FeedbackWeek> {
  const inWeek = db.selectFrom('feedback_answers as f').where('f.first_answered_at', '>', week.start).where('f.first_answered_at', '<=', week.end);
  const totals = await inWeek
    .select([(eb) => eb.fn.countAll<number>().as('n'), sql<number | null>`avg(f.score)::float8`.as('average')])
    .executeTakeFirstOrThrow();
  const quotes = await inWeek
    .innerJoin('accounts as a', 'a.id', 'f.account_id')
    .select(['f.account_id', 'a.name', 'f.score', 'f.comment'])
    .where('f.score', '>=', 4)
    .where('f.comment', 'is not', null)
    .orderBy('f.score', 'desc')
    .orderBy('f.first_answered_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(week.quotes)
    .execute();
  const answers = Number(totals.n);
  return {
    answers,
    average: answers === 0 || totals.average === null ? null : Number(totals.average),
    quotes: quotes.map((q) => ({ accountId: q.account_id, accountName: q.name, score: q.score, comment: q.comment ?? '' })),
  };
}
