// The node flags the bot is deployed with are one list: the Docker image, `npm start` and the
// bench's bot all run with them, so the figures in BENCHMARKS.md are those of the deployed bot.
import { readFileSync } from 'node:fs';
import { BOT_NODE_FLAGS } from '../../scripts/bench/processes.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the bot runs with the same node flags everywhere', () => {
  it('the Docker image starts the CLI with them', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'));
    expect(entrypoint).not.toBeNull();
    expect(JSON.parse(entrypoint![1]!)).toEqual(['node', ...BOT_NODE_FLAGS, 'dist/src/cli.js']);
  });

  it('npm start runs the CLI with them', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`node ${BOT_NODE_FLAGS.join(' ')} dist/src/cli.js start`);
    // The bench applies payments in its own process beside the bare baseline: same flags for both.
    expect(scripts.bench).toContain(`node ${BOT_NODE_FLAGS.join(' ')} dist/scripts/bench/index.js`);
  });

  it('each flag is one node accepts', () => {
    for (const flag of BOT_NODE_FLAGS) expect(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!)).toBe(true);
  });
});
