import cliProgress from 'cli-progress';
import type { ImportProgress } from './csv-import.js';
import { noProgress } from './csv-import.js';

/**
 * A progress bar for a person at a terminal. Piped or redirected output gets nothing: a bar redrawn
 * with carriage returns is noise in a log file or a CI transcript.
 */
export function terminalProgress(stream: NodeJS.WriteStream, label: string): ImportProgress {
  if (!stream.isTTY) return noProgress;
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} [{bar}] {percentage}% | {rows} rows`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (totalBytes) => bar.start(Math.max(totalBytes, 1), 0, { rows: 0 }),
    update: (bytesDone, rowsDone) => bar.update(bytesDone, { rows: rowsDone }),
    stop: () => bar.stop(),
  };
}
