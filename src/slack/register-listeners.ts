import type { App } from '@slack/bolt';
import type { ListenerDeps } from './listeners/listener-deps.js';
import { registerAppHome } from './listeners/app-home.js';
import { registerCelebrationThank } from './listeners/celebration-thank.js';
import { registerTouchpointModalSubmit } from './listeners/touchpoint-modal-submit.js';
import { registerAccountCommand } from './listeners/command-account.js';
import { registerQuietCommand } from './listeners/command-quiet.js';
import { registerTouchpointCommand } from './listeners/command-touchpoint.js';
import { registerAccountOptions } from './listeners/account-options.js';
import { registerTouchpointOpen } from './listeners/touchpoint-open.js';
import { registerTouchpointPick } from './listeners/touchpoint-pick.js';
import { registerNudgeLog } from './listeners/nudge-log.js';
import { registerNudgeSnooze } from './listeners/nudge-snooze.js';
import { registerNudgeReassign } from './listeners/nudge-reassign.js';
import { registerFeedbackCommand } from './listeners/command-feedback.js';
import { registerFeedbackLinkAction } from './listeners/feedback-link-action.js';
import { registerTopCommand } from './listeners/command-top.js';
import { registerTopArrows } from './listeners/top-arrow.js';

/** Every Slack command, action, view and event the bot answers. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerAppHome(app, deps);
  registerCelebrationThank(app, deps);
  registerTouchpointModalSubmit(app, deps);
  registerTouchpointCommand(app, deps);
  registerQuietCommand(app, deps);
  registerAccountCommand(app, deps);
  registerAccountOptions(app, deps);
  registerTouchpointOpen(app, deps);
  registerTouchpointPick(app, deps);
  registerNudgeLog(app, deps);
  registerNudgeSnooze(app, deps);
  registerNudgeReassign(app, deps);
  registerFeedbackCommand(app, deps);
  registerFeedbackLinkAction(app, deps);
  registerTopCommand(app, deps);
  registerTopArrows(app, deps);
}
