import { quietnessScore, quietState, type QuietState, type ThresholdBasis } from '../domain/quiet.js';
import type { OwnedAccount, OwnedAccountTouch } from './account-overview-queries.js';

/**
 * A rep's quiet accounts, quietest first, by the rules the nudges follow: the threshold the sweep
 * uses (override → tier → the account's own rhythm → the default), then the pure quietState and
 * quietnessScore, so an account is "quiet" here exactly when it would be nudged for it.
 */

export interface QuietAccount {
  id: number;
  name: string;
  state: Extract<QuietState, { kind: 'quiet' | 'urgent' }>;
  thresholdDays: number;
  thresholdBasis: ThresholdBasis;
  /** The latest outbound touchpoint, null when none was ever logged. */
  lastOutbound: OwnedAccountTouch | null;
  lastInbound: OwnedAccountTouch | null;
}

export function rankQuietAccounts(accounts: readonly OwnedAccount[], options: { now: Date; tz: string }): QuietAccount[] {
  const scored: Array<QuietAccount & { score: number }> = [];
  for (const a of accounts) {
    const state = quietState({
      status: a.status,
      snoozedUntil: a.snoozedUntil,
      // An account already nudged is still quiet to the rep who asks; the sweep's rule is about not nudging twice.
      hasOpenNudge: false,
      lastTouchAt: a.lastTouchAt,
      lastInboundAt: a.lastInboundAt,
      thresholdDays: a.thresholdDays,
      now: options.now,
      tz: options.tz,
    });
    if (state.kind !== 'quiet' && state.kind !== 'urgent') continue;
    scored.push({
      id: a.id,
      name: a.name,
      state,
      thresholdDays: a.thresholdDays,
      thresholdBasis: a.thresholdBasis,
      lastOutbound: a.lastOutbound,
      lastInbound: a.lastInbound,
      score: quietnessScore(state),
    });
  }
  scored.sort((x, y) => y.score - x.score || y.state.daysSilent - x.state.daysSilent || x.name.localeCompare(y.name) || x.id - y.id);
  return scored.map(({ score: _score, ...rest }) => rest);
}
