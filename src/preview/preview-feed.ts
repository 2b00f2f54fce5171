import { createHash } from 'node:crypto';
import type { HomeView } from '@slack/types';
import type { Kysely } from 'kysely';
import type { Database, OutboxRow } from '../db/schema.js';
import { appHomeFor } from '../slack/app-home-for.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { assembleMessages, userIdsIn, type PreviewMessage } from './message-state.js';
import type { NameSource } from './mrkdwn-html.js';
import { recentOpenedViews, type OpenedView } from './opened-view-queries.js';
import { homeViewers, ownerNames, recentPosts, updatesOf } from './preview-queries.js';

/** Messages on the page: the newest, as a Slack channel shows its latest. */
export const PREVIEW_MESSAGES = 50;
export const PREVIEW_MODALS = 10;
/** Home tabs shown: one per owner on Slack, the first few. */
export const PREVIEW_HOMES = 5;

export interface PreviewMessages {
  /** Changes whenever anything the page shows about messages or modals changes. */
  version: string;
  messages: PreviewMessage[];
  modals: OpenedView[];
}

export interface PreviewFeed extends PreviewMessages {
  homes: Array<{ userId: string; view: HomeView }>;
  names: NameSource;
  now: Date;
}

/** The messages and modals, and their version: all a poll needs to tell whether anything changed. */
export async function loadPreviewMessages(db: Kysely<Database>, now: Date): Promise<PreviewMessages> {
  const posts = await recentPosts(db, PREVIEW_MESSAGES);
  const updates = await updatesOf(
    db,
    posts.map((p) => p.id),
  );
  const modals = await recentOpenedViews(db, PREVIEW_MODALS);
  return { version: versionOf([...posts, ...updates], modals, now), messages: assembleMessages(posts, updates, now), modals };
}

/** Names asked of Slack per render, for people the owners table does not know (each answer is cached). */
const DIRECTORY_LOOKUPS = 20;

/**
 * Everything the page shows. The Home tabs are built as Slack would build them if opened now. A
 * mentioned person is named from the owners table, else (with Slack configured) from Slack's user
 * directory, else shown by id.
 */
export async function loadPreviewFeed(
  db: Kysely<Database>,
  options: { now: Date; tz: string; directory?: Pick<UserDirectory, 'nameOf'> },
  loaded?: PreviewMessages,
): Promise<PreviewFeed> {
  const { now, tz, directory } = options;
  const head = loaded ?? (await loadPreviewMessages(db, now));
  const viewers = await homeViewers(db, PREVIEW_HOMES);
  const homes = [];
  for (const userId of viewers) homes.push({ userId, view: await appHomeFor(db, userId, now, tz) });
  const ids = [
    // A direct message's channel is the person's user id.
    ...head.messages.map((m) => m.channel).filter((c) => /^[UW][A-Z0-9]+$/.test(c)),
    ...userIdsIn(head.messages.flatMap((m) => [m.current, ...m.earlier.map((v) => v.payload)])),
    ...head.modals.map((m) => m.userId),
    ...userIdsIn(head.modals.map((m) => m.view)),
    ...viewers,
    ...userIdsIn(homes.map((h) => h.view)),
  ];
  const known = await ownerNames(db, ids);
  const nameOf = directory?.nameOf?.bind(directory);
  if (nameOf) {
    const unknown = [...new Set(ids)].filter((id) => !known.has(id)).slice(0, DIRECTORY_LOOKUPS);
    const found = await Promise.all(unknown.map(async (id) => [id, await nameOf(id)] as const));
    for (const [id, name] of found) if (name) known.set(id, name);
  }
  return { ...head, homes, names: { userName: (id) => known.get(id) ?? null }, now };
}

/**
 * A digest of what the page shows: each row's id, status and last change, and whether a held
 * message's time has come (that changes its label without changing its row).
 */
function versionOf(rows: readonly OutboxRow[], modals: readonly OpenedView[], now: Date): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(`${r.id}:${r.status}:${r.updated_at.getTime()}:${r.status === 'pending' && r.next_attempt_at <= now ? 'due' : ''};`);
  for (const m of modals) hash.update(`v${m.id};`);
  return hash.digest('base64url').slice(0, 22);
}
