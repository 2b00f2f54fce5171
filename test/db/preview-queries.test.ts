import { enqueuePost, enqueueUpdate } from '../../src/outbox/outbox-queries.js';
import { OPENED_VIEWS_KEPT, recentOpenedViews, recordOpenedView } from '../../src/preview/opened-view-queries.js';
import { loadPreviewMessages } from '../../src/preview/preview-feed.js';
import { homeViewers, ownerNames, recentPosts, updatesOf } from '../../src/preview/preview-queries.js';
import { describeEachEngine } from '../support/test-database.js';

const T0 = new Date('2026-12-05T12:00:00.000Z');

describeEachEngine('preview queries (%s)', (tdb) => {
  const db = () => tdb.handle.db;

  it('reads the newest posts first, and only the updates of those posts', async () => {
    const old = await enqueuePost(db(), { dedupeKey: 'p1', channel: 'C1', message: { text: 'old' } }, T0);
    const shown = await enqueuePost(db(), { dedupeKey: 'p2', channel: 'C1', message: { text: 'shown' } }, T0);
    await enqueueUpdate(db(), { dedupeKey: 'u1', updateOf: old.id, message: { text: 'old, edited' } }, T0);
    await enqueueUpdate(db(), { dedupeKey: 'u2', updateOf: shown.id, message: { text: 'shown, edited' } }, T0);

    const posts = await recentPosts(db(), 1);
    expect(posts.map((p) => p.payload.text)).toEqual(['shown']);
    const updates = await updatesOf(
      db(),
      posts.map((p) => p.id),
    );
    expect(updates.map((u) => u.payload.text)).toEqual(['shown, edited']);
    expect(await updatesOf(db(), [])).toEqual([]);
  });

  it('changes its version when a message is queued, sent, or its hold runs out', async () => {
    const held = new Date(T0.getTime() + 60_000);
    const first = await loadPreviewMessages(db(), T0);
    await enqueuePost(db(), { dedupeKey: 'p1', channel: 'C1', message: { text: 'later' }, notBefore: held }, T0);
    const queued = await loadPreviewMessages(db(), T0);
    expect(queued.version).not.toBe(first.version);
    expect(queued.messages[0]!.delivery).toEqual({ state: 'held', until: held });
    expect((await loadPreviewMessages(db(), T0)).version).toBe(queued.version);
    const due = await loadPreviewMessages(db(), new Date(held.getTime() + 1));
    expect(due.version).not.toBe(queued.version);
    expect(due.messages[0]!.delivery).toEqual({ state: 'queued' });
  });

  it('names people by display name, else by their email, and finds who has a Home tab', async () => {
    const [dana, lee] = await db()
      .insertInto('owners')
      .values([
        { slack_user_id: 'U0DANA', display_name: 'Dana', email: 'dana@example.com' },
        { slack_user_id: 'U0LEE', display_name: null, email: 'lee@example.com' },
        { slack_user_id: null, display_name: 'Pat', email: 'pat@example.com' },
      ])
      .returning('id')
      .execute();
    await db()
      .insertInto('accounts')
      .values([
        { name: 'Acme', owner_id: dana!.id },
        { name: 'Gone', owner_id: lee!.id, status: 'churned' },
      ])
      .execute();
    expect(Object.fromEntries(await ownerNames(db(), ['U0DANA', 'U0LEE', 'U0NOBODY']))).toEqual({ U0DANA: 'Dana', U0LEE: 'lee' });
    expect(await homeViewers(db(), 5)).toEqual(['U0DANA']);
  });

  it(`keeps the newest ${OPENED_VIEWS_KEPT} opened modals, newest first`, async () => {
    for (let i = 0; i < OPENED_VIEWS_KEPT + 3; i += 1) {
      await recordOpenedView(db(), { userId: 'U0DANA', view: { type: 'modal', n: i }, openedAt: T0 });
    }
    const count = await db().selectFrom('opened_views').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(OPENED_VIEWS_KEPT);
    const newest = await recentOpenedViews(db(), 2);
    expect(newest.map((v) => v.view)).toEqual([
      { type: 'modal', n: OPENED_VIEWS_KEPT + 2 },
      { type: 'modal', n: OPENED_VIEWS_KEPT + 1 },
    ]);
    expect(newest[0]).toMatchObject({ userId: 'U0DANA', openedAt: T0 });
  });
});
