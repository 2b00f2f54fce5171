import { pathToFileURL } from 'node:url';
import { createPglite } from '../../src/db/database.js';

/**
 * The memory reference for the embedded database: a Node process holding nothing but a PGlite
 * instance opened the way the bot opens it (same extensions, same data directory) after one query.
 * The bot's idle memory minus this is what the bot itself costs on top of PGlite.
 *
 * Child entry: `node pglite-alone.js <dir>`; reports over IPC when open, closes on SIGTERM.
 */
async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: pglite-alone.js <data directory>');
  const pglite = await createPglite(dir);
  await pglite.query('select 1');
  // PGlite holds no handle of its own: without this timer the process would end right here.
  const idle = setInterval(() => undefined, 60_000);
  process.send?.({ ready: true });
  process.once('SIGTERM', () => {
    clearInterval(idle);
    void pglite.close().then(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`pglite-alone: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
