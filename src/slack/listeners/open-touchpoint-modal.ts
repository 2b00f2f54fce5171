import type { WebClient } from '@slack/web-api';
import type { TouchpointKind } from '../../db/schema.js';
import { isoLocalDate } from '../../domain/zoned-time.js';
import { recordOpenedView } from '../../preview/opened-view-queries.js';
import { buildTouchpointModal, type ModalPurpose } from '../views/touchpoint-modal.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * Opens the log-a-touchpoint modal, dated today on the team's calendar, whichever button or command
 * asked for it. A null account lets the rep pick one in the modal. Once Slack has opened it, it is
 * kept for the preview page (after, never before: the trigger id is only good for 3 s).
 */
export async function openTouchpointModal(
  client: WebClient,
  triggerId: string,
  modal: { account: { id: number; name: string } | null; purpose: ModalPurpose; defaultKind: TouchpointKind; userId: string },
  deps: Pick<ListenerDeps, 'clock' | 'tz' | 'db'>,
): Promise<void> {
  const now = deps.clock.now();
  const view = buildTouchpointModal({ ...modal, today: isoLocalDate(now, deps.tz) });
  await client.views.open({ trigger_id: triggerId, view });
  await recordOpenedView(deps.db, { userId: modal.userId, view, openedAt: now });
}
