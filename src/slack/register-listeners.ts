import type { App } from '@slack/bolt';
import type { ListenerDeps } from './listeners/listener-deps.js';
import { registerCelebrationThank } from './listeners/celebration-thank.js';
import { registerTouchpointModalSubmit } from './listeners/touchpoint-modal-submit.js';

/** Every Slack command, action, view and event the bot answers. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCelebrationThank(app, deps);
  registerTouchpointModalSubmit(app, deps);
}
