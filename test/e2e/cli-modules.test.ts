import { spawnSync } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';

/**
 * What `node dist/src/cli.js` loads before it runs a command: everything `start` needs, and not
 * Bolt (only API mode builds the Bolt app, and imports it then), nor the `import` and `backfill`
 * commands (imported when run). CommonJS packages imported from ES modules land in require.cache,
 * which is what this looks at.
 */

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

function packagesLoadedBy(args: string[]): string[] {
  const script = `
    import { createRequire } from 'node:module';
    process.argv = [process.argv[0], 'cli.js', ...${JSON.stringify(args)}];
    await import(${JSON.stringify(pathToFileURL(cli).href)});
    const files = Object.keys(createRequire(import.meta.url).cache);
    process.stderr.write('LOADED ' + JSON.stringify(files) + '\\n');
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SLACK_BOT_TOKEN: '' } });
  const line = result.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no module list; status ${result.status}, stderr:\n${result.stderr}`);
  const files = JSON.parse(line.slice('LOADED '.length)) as string[];
  const packages = new Set<string>();
  for (const file of files) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (match) packages.add(match[1]!);
  }
  return [...packages].sort();
}

describe('modules the CLI loads up front', () => {
  it('leaves out Bolt and the import/backfill command dependencies', () => {
    const packages = packagesLoadedBy(['help']);
    // CommonJS packages the bot always needs are there: the list reflects what was loaded.
    expect(packages).toEqual(expect.arrayContaining(['pg', 'pino']));
    expect(packages).not.toContain('@slack/bolt');
    expect(packages).not.toContain('express');
    expect(packages).not.toContain('cli-progress');
  });
});
