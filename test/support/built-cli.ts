import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` first), which the CLI suites run as `node dist/src/cli.js`. */
export const builtCli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/**
 * `node`'s arguments to run the built CLI with `args`. --liftoff-only, as for jest's workers
 * (jest.config.js): a command here lives a second or two, and V8's optimising compiler spent about
 * 0.8 s of CPU on PGlite's WebAssembly in each one; the command does exactly the same.
 */
export function cliArgs(...args: string[]): string[] {
  return ['--liftoff-only', builtCli, ...args];
}
