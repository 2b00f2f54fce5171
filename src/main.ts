import { Bot } from './bot.js';
import type { Config } from './config.js';

/** How long a shutdown may take before the process leaves anyway (orchestrators kill at 10 s). */
const SHUTDOWN_GRACE_MS = 9_000;

/**
 * Runs the bot until SIGTERM or SIGINT, then drains and exits 0. On a PostgreSQL server, stored
 * webhooks are applied on a thread of their own (inbox-thread.ts); PGlite's one session stays on one.
 */
export async function runBot(config: Config): Promise<void> {
  const bot = await Bot.create(config, { applyInThread: config.database.kind === 'postgres' });
  let starting: Promise<void> = Promise.resolve();
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      bot.context.log.info({ signal }, 'signal received');
      const force = setTimeout(() => {
        bot.context.log.error('shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      // A signal while the bot is starting (the server may already answer while the apply thread
      // loads) stops it once it has started, rather than killing it mid-start.
      void starting
        .catch(() => undefined)
        .then(() => bot.stop())
        .then(resolve, (error: unknown) => {
          bot.context.log.error({ err: error }, 'shutdown failed');
          resolve();
        });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  starting = bot.start();
  await starting;
  await stopped;
}
