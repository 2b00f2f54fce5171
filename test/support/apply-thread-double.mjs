// A stand-in for src/ingest/apply-thread.ts that speaks the same messages (inbox-thread.ts) and
// misbehaves on request, so the main thread's side is tried against a real worker thread:
// workerData.config.double says how.
//   ok             ready; each "stored" (a wake) answered with "committed"; metrics count, by source, the
//                  events handed over as the route parsed them (raw body left out, dates still dates); stops.
//   crash-on-wake  ready; throws at the first wake (the thread dies); the next thread is "ok".
//   crash-then-fail-once  as crash-on-wake, but the second thread throws before it is ready; the third is "ok".
//   fail-at-start  throws before it is ready.
//   die-when-ready every thread says it is ready, then dies at once (a thread that cannot run).
//   deaf           ready; never answers metrics and ignores stop.
import { parentPort, workerData } from 'node:worker_threads';

const { double: mode, starts } = workerData.config;
// Each start of the thread is counted in memory shared with the test (an Int32Array over a
// SharedArrayBuffer, which workerData shares rather than copies): a restart knows it is one.
const start = Atomics.add(starts, 0, 1) + 1;
const restarted = start > 1;
if (mode === 'fail-at-start') throw new Error('the double could not start');
if (mode === 'crash-then-fail-once' && start === 2) throw new Error('the double could not start again');

const handed = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'stored') {
    if ((mode === 'crash-on-wake' || mode === 'crash-then-fail-once') && !restarted) throw new Error('the double crashed');
    for (const { source, events } of message.stored) {
      const whole = events.filter(({ id, event }) => typeof id === 'number' && event.raw === '' && event.event.at instanceof Date);
      handed.set(source, (handed.get(source) ?? 0) + whole.length);
    }
    parentPort.postMessage({ type: 'committed' });
  } else if (message.type === 'metrics') {
    if (mode === 'deaf') return;
    parentPort.postMessage({
      type: 'metrics',
      id: message.id,
      metrics: [{ name: 'appreciation_inbox_events_applied_total', help: 'Stored webhook events applied, by source.', type: 'counter', aggregator: 'sum', values: [...handed].map(([source, value]) => ({ value, labels: { source } })) }],
    });
  } else if (message.type === 'stop') {
    if (mode === 'deaf') return;
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
if (mode === 'die-when-ready') setTimeout(() => {
  throw new Error('the double died');
}, 5);
