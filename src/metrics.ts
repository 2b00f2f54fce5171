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

  readonly webhooksReceived = counter(this.registry, 'appreciation_webhooks_received_total',
    'Webhook requests accepted and stored, by source (duplicates included).', ['source', 'outcome']);

  readonly webhooksRefused = counter(this.registry, 'appreciation_webhooks_refused_total',
    'Webhook requests refused, by source and reason.', ['source', 'reason']);

  readonly webhookLatency = histogram(this.registry, 'appreciation_webhook_ack_seconds',
    'Time from request to acknowledgement, by source.', ['source'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

  readonly messagesSent = counter(this.registry, 'appreciation_slack_messages_sent_total',
    'Messages delivered to Slack (or the console), by kind.', ['kind']);

  readonly messagesFailed = counter(this.registry, 'appreciation_slack_messages_failed_total',
    'Messages given up on, by reason (channel_not_found, not_in_channel, …).', ['reason']);

  readonly messagesRetried = counter(this.registry, 'appreciation_slack_messages_retried_total',
    'Sends put off for another try, by kind of failure (rate_limited, transient).', ['kind']);

  readonly jobRuns = counter(this.registry, 'appreciation_job_runs_total',
    'Scheduled job runs, by job and outcome (done, failed, skipped when another replica had it).', ['job', 'outcome']);

  readonly outboxBacklog = gauge(this.#backlogRegistry, 'appreciation_outbox_messages',
    'Outbox messages not yet delivered, by status (pending, sending, failed). Read in the background, at most 15 s old; absent when the last read failed.', ['status']);

  readonly inboxApplied = counter(this.registry, 'appreciation_inbox_events_applied_total',
    'Stored webhook events applied by the inbox worker (payments recorded, celebrations queued), by source.', ['source']);

  readonly inboxFailures = counter(this.registry, 'appreciation_inbox_apply_failures_total',
    'Failed attempts at applying a stored webhook event, by source and outcome (retry, given_up).', ['source', 'outcome']);

  readonly inboxApplyLag = histogram(this.registry, 'appreciation_inbox_apply_lag_seconds',
    'Time from a webhook event being stored to it being applied, by source.', ['source'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]);

  readonly inboxBacklog = gauge(this.#backlogRegistry, 'appreciation_inbox_events',
    'Stored webhook events not applied, by state (unapplied: waiting or retrying; failed: given up, see inbox_events.last_error). Read in the background, at most 15 s old; absent when the last read failed.', ['state']);

  readonly booksConnection = gauge(this.registry, 'appreciation_books_connection_up',
    'Whether the OAuth connection to an accounting system works (1) or needs re-authorising (0), by provider (quickbooks, xero).', ['provider']);

  readonly booksReads = counter(this.registry, 'appreciation_books_reads_total',
    'Reads from an accounting system API and token refreshes, by provider, kind (read, refresh) and outcome (ok, retry_later, rate_limited, revoked, failed).', ['provider', 'kind', 'outcome']);

  readonly databaseUp = gauge(this.registry, 'appreciation_database_up',
    'Whether the last background read of the backlog reached the database (1) or failed (0).');

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

// Each metric is registered on the registry given, never on prom-client's global one (see Metrics).

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames?: readonly L[]): Gauge<L> {
  // Left out when there are none: prom-client assigns its config over its defaults, so an undefined
  // labelNames would replace the empty list.
  return new Gauge({ name, help, ...(labelNames ? { labelNames } : {}), registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
