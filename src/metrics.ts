import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** Backlog figures older than this are left out of a scrape rather than shown as current. */
export const BACKLOG_MAX_AGE_MS = 15_000;

/** What a registry in another thread reports (`registry.getMetricsAsJSON()`), to be added to a scrape. */
export type RemoteMetrics = () => Promise<Array<MetricObjectWithValues<MetricValue<string>>>>;

export interface BacklogFigures {
  outbox: { pending: number; sending: number; failed: number };
  inbox: { unapplied: number; failed: number };
}

/**
 * The bot's Prometheus metrics, on a registry of its own (not prom-client's global one) so two bots
 * in one process — tests, benchmarks — keep separate counts.
 *
 * The backlog gauges are read from the database by a background refresh (BacklogRefresh), never by
 * a scrape: a scrape costs no query, however many clients loop on /metrics. They sit in a registry
 * of their own so that, when the last refresh failed or is too old, they can be left out of the
 * answer instead of showing older figures as current.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #backlogRegistry = new Registry();
  /** performance.now() of the read behind the backlog figures; null while there are none to show. */
  #backlogReadAt: number | null = null;
  /** Registries kept by other threads of this process (the apply thread), summed into each scrape. */
  readonly #remote: RemoteMetrics[] = [];

  readonly webhooksReceived = new Counter({
    name: 'appreciation_webhooks_received_total',
    help: 'Webhook requests accepted and stored, by source (duplicates included).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhooksRefused = new Counter({
    name: 'appreciation_webhooks_refused_total',
    help: 'Webhook requests refused, by source and reason.',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: 'appreciation_webhook_ack_seconds',
    help: 'Time from request to acknowledgement, by source.',
    labelNames: ['source'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly messagesSent = new Counter({
    name: 'appreciation_slack_messages_sent_total',
    help: 'Messages delivered to Slack (or the console), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly messagesFailed = new Counter({
    name: 'appreciation_slack_messages_failed_total',
    help: 'Messages given up on, by reason (channel_not_found, not_in_channel, …).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly messagesRetried = new Counter({
    name: 'appreciation_slack_messages_retried_total',
    help: 'Sends put off for another try, by kind of failure (rate_limited, transient).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly jobRuns = new Counter({
    name: 'appreciation_job_runs_total',
    help: 'Scheduled job runs, by job and outcome (done, failed, skipped when another replica had it).',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'appreciation_outbox_messages',
    help: 'Outbox messages not yet delivered, by status (pending, sending, failed). Read in the background, at most 15 s old; absent when the last read failed.',
    labelNames: ['status'] as const,
    registers: [this.#backlogRegistry],
  });

  readonly inboxApplied = new Counter({
    name: 'appreciation_inbox_events_applied_total',
    help: 'Stored webhook events applied by the inbox worker (payments recorded, celebrations queued), by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly inboxFailures = new Counter({
    name: 'appreciation_inbox_apply_failures_total',
    help: 'Failed attempts at applying a stored webhook event, by source and outcome (retry, given_up).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly inboxApplyLag = new Histogram({
    name: 'appreciation_inbox_apply_lag_seconds',
    help: 'Time from a webhook event being stored to it being applied, by source.',
    labelNames: ['source'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly inboxBacklog = new Gauge({
    name: 'appreciation_inbox_events',
    help: 'Stored webhook events not applied, by state (unapplied: waiting or retrying; failed: given up, see inbox_events.last_error). Read in the background, at most 15 s old; absent when the last read failed.',
    labelNames: ['state'] as const,
    registers: [this.#backlogRegistry],
  });

  readonly booksConnection = new Gauge({
    name: 'appreciation_books_connection_up',
    help: 'Whether the OAuth connection to an accounting system works (1) or needs re-authorising (0), by provider (quickbooks, xero).',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly booksReads = new Counter({
    name: 'appreciation_books_reads_total',
    help: 'Reads from an accounting system API and token refreshes, by provider, kind (read, refresh) and outcome (ok, retry_later, rate_limited, revoked, failed).',
    labelNames: ['provider', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly databaseUp = new Gauge({
    name: 'appreciation_database_up',
    help: 'Whether the last background read of the backlog reached the database (1) or failed (0).',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A background read succeeded: these figures are shown for the next BACKLOG_MAX_AGE_MS. */
  recordBacklog(figures: BacklogFigures, readAt: number = performance.now()): void {
    for (const [status, n] of Object.entries(figures.outbox)) this.outboxBacklog.set({ status }, n);
    for (const [state, n] of Object.entries(figures.inbox)) this.inboxBacklog.set({ state }, n);
    this.databaseUp.set(1);
    this.#backlogReadAt = readAt;
  }

  /** A background read failed: no backlog figures until one succeeds again. */
  backlogUnavailable(): void {
    this.databaseUp.set(0);
    this.#backlogReadAt = null;
  }

  /**
   * Adds the counts another thread keeps to every scrape: its counters and histograms are summed
   * with this registry's (prom-client's aggregation, as for a cluster's workers).
   */
  addRemote(read: RemoteMetrics): void {
    this.#remote.push(read);
  }

  /** The Prometheus text: what is in memory, and nothing else (no database read). */
  async render(now: number = performance.now()): Promise<{ contentType: string; body: string }> {
    const readAt = this.#backlogReadAt;
    const fresh = readAt !== null && now - readAt <= BACKLOG_MAX_AGE_MS;
    // Too old means the refresh has stopped or hangs: the database is not answering it in time.
    if (readAt !== null && !fresh) this.databaseUp.set(0);
    const main =
      this.#remote.length === 0
        ? await this.registry.metrics()
        : await AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...(await Promise.all(this.#remote.map((read) => read())))]).metrics();
    return { contentType: this.registry.contentType, body: fresh ? `${main}${await this.#backlogRegistry.metrics()}` : main };
  }
}
