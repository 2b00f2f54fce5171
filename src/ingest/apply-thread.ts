import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import { openDatabase } from '../db/database.js';
import { childLogger, createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { configuredDirectory } from '../slack/user-directory.js';
import { InboxWorker } from './inbox-worker.js';
import { AnsweringGauge } from './answering-gauge.js';
import type { ApplyThreadData, FromApplyThread, ToApplyThread } from './inbox-thread.js';
import { appliedLater, stopSources, webhookSources } from './webhook-sources.js';

/**
 * The apply thread (inbox-thread.ts starts it): the inbox worker with a pool, sources, directory
 * and metrics of its own, built from the same config as the main thread's. It decides and delivers
 * by the wall clock, as the worker does in a running bot.
 */

/**
 * Connections of the thread's own pool, beside the main thread's 10: one batch in flight at a time,
 * a read of the next batch beside it, and look-ups of the sources (books' tokens).
 */
const APPLY_POOL_SIZE = 4;

if (!parentPort) throw new Error('apply-thread.js runs as a worker thread: inbox-thread.ts starts it');
const port = parentPort;
const { config, pretty, answering } = workerData as ApplyThreadData;
const send = (message: FromApplyThread) => port.postMessage(message);

const log = createLogger({ level: config.logLevel, pretty });
const database = await openDatabase(config.database, { poolSize: APPLY_POOL_SIZE, log: childLogger(log, 'db') });
const metrics = new Metrics({ defaultMetrics: false });
const webhooks = webhookSources({ config, db: database.db, directory: configuredDirectory(config, log), log, metrics, clock: systemClock });
const inbox = new InboxWorker(
  { db: database.db, clock: systemClock, log: childLogger(log, 'ingest'), metrics, afterCommit: () => send({ type: 'committed' }), answering: new AnsweringGauge(answering) },
  appliedLater(webhooks),
);

let stopping: Promise<void> | null = null;
port.on('message', (message: ToApplyThread) => {
  switch (message.type) {
    case 'stored':
      for (const { source, events } of message.stored) inbox.stored(events, source);
      break;
    case 'metrics':
      void metrics.registry.getMetricsAsJSON().then((json) => send({ type: 'metrics', id: message.id, metrics: json }));
      break;
    case 'stop':
      stopping ??= (async () => {
        try {
          await inbox.stop();
          await stopSources(webhooks);
          await database.close();
        } catch (error) {
          log.error({ err: error }, 'the apply thread did not stop cleanly');
        } finally {
          // Nothing is left to keep the thread alive but the port: closing it ends the thread, which
          // is what the main thread waits for.
          port.close();
        }
      })();
      break;
  }
});
inbox.start();
send({ type: 'ready' });
