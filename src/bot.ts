import { childLogger } from './log.js';
import type { Config } from './config.js';
import { createContext, type AppContext, type ContextOverrides } from './context.js';
import { HttpServer, type Route } from './http/server.js';
import { healthRoutes } from './http/health-routes.js';
import { sendJson } from './http/http-io.js';
import { webhookRoutes } from './ingest/webhook-routes.js';
import { InboxThread } from './ingest/inbox-thread.js';
import { IntervalTask } from './jobs/interval-task.js';
import { createJobScheduler } from './jobs/scheduler.js';
import { jobs } from './jobs/jobs.js';
import { gatherDueRollups } from './celebrate/rollups.js';
import { celebrationSettings } from './celebrate/celebration-settings.js';
import { feedbackRoutes } from './feedback/feedback-routes.js';
import { feedbackSettings } from './feedback/feedback-settings.js';
import { previewRoutes } from './preview/preview-routes.js';
import { previewAccess, previewAddress } from './preview/preview-access.js';

/** How often held-back celebrations are checked for a roll-up that is due. */
const ROLLUP_CHECK_MS = 30_000;

/** What applies the stored payment webhooks: the context's inbox worker, or the apply thread. */
interface Applier {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

/**
 * The running service: HTTP (Slack, webhooks, health, metrics), the outbox dispatcher and the
 * schedules, over one context. `create` builds and migrates; `start` listens; `stop` drains.
 */
export class Bot {
  #port: number | null = null;
  #stopping: Promise<void> | null = null;

  private constructor(
    readonly context: AppContext,
    private readonly http: HttpServer,
    /** Background work started with the bot and stopped (runs in flight awaited) before the database closes. */
    private readonly tasks: Array<Pick<IntervalTask, 'start' | 'stop'>>,
    private readonly applier: Applier,
  ) {}

  /**
   * `applyInThread` (PostgreSQL only: `start` sets it there) applies stored webhooks on a thread of
   * their own (inbox-thread.ts), so answering webhooks has the main thread to itself.
   */
  static async create(config: Config, overrides: ContextOverrides & { schedules?: boolean; applyInThread?: boolean } = {}): Promise<Bot> {
    // Refused before anything is opened or migrated.
    if (overrides.applyInThread && (overrides.database?.embedded ?? config.database.kind !== 'postgres')) {
      throw new Error('stored webhooks can be applied on a thread of their own only on a PostgreSQL server (DATABASE_URL)');
    }
    const context = await createContext(config, overrides);
    const thread = overrides.applyInThread
      ? new InboxThread({ data: { config, pretty: Boolean(process.stdout.isTTY) }, log: childLogger(context.log, 'ingest'), afterCommit: () => context.dispatcher.wake() })
      : null;
    if (thread) context.metrics.addRemote(thread.metrics);
    const health = healthRoutes({ database: context.database, metrics: context.metrics, log: childLogger(context.log, 'http'), metricsToken: config.metricsToken });
    const routes: Route[] = [...health, ...webhookRoutes(context, thread ?? context.inbox), await slackRoute(context), ...pageRoutes(context), ...previewRoutes(context)];
    const jobsLog = childLogger(context.log, 'jobs');
    const rollups = new IntervalTask(
      'celebration roll-ups',
      ROLLUP_CHECK_MS,
      async () => {
        const queued = await gatherDueRollups(context.database.db, celebrationSettings(config), context.wallClock.now());
        if (queued > 0) context.dispatcher.wake();
      },
      jobsLog,
    );
    return new Bot(
      context,
      new HttpServer(routes, childLogger(context.log, 'http')),
      [rollups, ...(overrides.schedules === false ? [] : [createJobScheduler(context, jobs)])],
      thread ?? context.inbox,
    );
  }

  get port(): number {
    if (this.#port === null) throw new Error('the bot is not listening yet');
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const { config, log, dispatcher, backlogRefresh } = this.context;
    // Read once before listening, so the first scrape already has backlog figures.
    await backlogRefresh.start();
    // The apply thread loads its modules while the server starts listening; if either fails, the
    // other is stopped and the context closed, so a failed start leaves nothing running.
    const [listening, applying] = await Promise.allSettled([this.http.listen(config.port), this.applier.start()]);
    if (listening.status === 'rejected' || applying.status === 'rejected') {
      await Promise.allSettled([this.http.close(), this.applier.stop()]);
      await this.context.close();
      throw listening.status === 'rejected' ? listening.reason : (applying as PromiseRejectedResult).reason;
    }
    this.#port = listening.value;
    dispatcher.start();
    for (const task of this.tasks) task.start();
    log.info(
      { port: this.#port, database: config.database.kind, slack: config.slack.mode, tz: config.tz },
      config.slack.mode === 'console' ? 'appreciation-bot ready (console mode: messages are printed, not sent)' : 'appreciation-bot ready',
    );
    const preview = previewAddress(previewAccess(config), this.#port);
    if (preview) log.info({ preview }, `see the messages as Slack shows them: ${preview}`);
  }

  /** Stop taking requests, finish what is in flight, close the database. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const { log } = this.context;
      log.info('shutting down');
      await this.http.close();
      await Promise.all(this.tasks.map((t) => t.stop()));
      await this.applier.stop();
      await this.context.close();
      log.info('stopped');
    })();
    return this.#stopping;
  }
}

/** The pages customers open: the feedback link's question and answer. */
function pageRoutes(context: AppContext): Route[] {
  const { config } = context;
  return feedbackRoutes({
    db: context.database.db,
    clock: context.clock,
    log: childLogger(context.log, 'http'),
    settings: feedbackSettings(config),
    trustProxy: config.trustProxy,
    afterCommit: () => context.dispatcher.wake(),
  });
}

async function slackRoute(context: AppContext): Promise<Route> {
  const { config } = context;
  if (config.slack.mode === 'console') {
    return {
      method: 'POST',
      path: '/slack/events',
      handler: (_req, res) => sendJson(res, 404, { error: 'Slack is not configured (console mode): set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET' }),
    };
  }
  // Loaded only here: Bolt (~0.3 s to import) and the listeners are not needed in console mode.
  const [{ createBoltApp }, { registerListeners }, { slackEventsRoute }] = await Promise.all([
    import('./slack/bolt-app.js'),
    import('./slack/register-listeners.js'),
    import('./slack/slack-events-route.js'),
  ]);
  const { app, requestListener } = createBoltApp(config.slack, childLogger(context.log, 'slack'));
  registerListeners(app, {
    db: context.database.db,
    clock: context.clock,
    log: childLogger(context.log, 'slack'),
    tz: config.tz,
    quietAfterDays: config.quietAfterDays,
    quietAfterDaysByTier: config.quietAfterDaysByTier,
    feedback: feedbackSettings(config),
    afterCommit: () => context.dispatcher.wake(),
  });
  return {
    method: 'POST',
    path: '/slack/events',
    handler: slackEventsRoute({ signingSecret: config.slack.signingSecret, requestListener, log: childLogger(context.log, 'slack') }),
  };
}
