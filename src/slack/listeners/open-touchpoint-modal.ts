import type { WebClient } from '@slack/web-api';
import type { TouchpointKind } from '../../db/schema.js';
import { isoLocalDate } from '../../domain/zoned-time.js';
import { buildTouchpointModal, type ModalPurpose } from '../views/touchpoint-modal.js';
import type { ListenerDeps } from './listener-deps.js';

/**
 * Opens the log-a-touchpoint modal, dated today on the team's calendar, whichever button or command
 * asked for it. A null account lets the rep pick one in the modal.
 */
export async function openTouchpointModal(
  client: WebClient,
  triggerId: string,
  modal: { account: { id: number; name: string } | null; purpose: ModalPurpose; defaultKind: TouchpointKind },
  deps: Pick<ListenerDeps, 'clock' | 'tz'>,
): Promise<void> {
  await client.views.open({
    trigger_id: triggerId,
    view: buildTouchpointModal({ ...modal, today: isoLocalDate(deps.clock.now(), deps.tz) }),
  });
}
