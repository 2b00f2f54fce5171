import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The bot's Prometheus metrics, on a registry of its own (not prom-client's global one) so two bots
 * in one process — tests, benchmarks — keep separate counts.
 */
export class Metrics {
  readonly registry = new Registry();

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
    help: 'Outbox messages not yet delivered, by status (pending, sending, failed).',
    labelNames: ['status'] as const,
    registers: [this.registry],
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
    help: 'Stored webhook events not applied, by state (unapplied: waiting or retrying; failed: given up, see inbox_events.last_error).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Called on each scrape, so the backlog is read from the database rather than guessed. */
  onScrape(refresh: () => Promise<void>): void {
    this.#refresh = refresh;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.#refresh?.().catch(() => undefined);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #refresh: (() => Promise<void>) | undefined;
}
