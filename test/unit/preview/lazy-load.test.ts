// `npm start` must not pay for a preview nobody opens: the renderer and its emoji table are imported
// by the preview routes on the first allowed request (a dynamic import), never by what the CLI loads
// up front. This walks the static imports from src/cli.ts, as Node loads them.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));
// Static value imports and re-exports; `import type` is erased and `import()` is lazy.
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier!.startsWith('.')) visit(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      else packages.add(specifier!);
    }
  };
  visit(resolve(src, entry));
  return { files, packages };
}

describe('the preview is loaded lazily', () => {
  const { files, packages } = staticGraph('cli.ts');
  const relative = [...files].map((f) => f.slice(src.length));

  it('the CLI loads the routes that decide access, and not the renderer or the emoji table', () => {
    expect(relative).toEqual(expect.arrayContaining(['bot.ts', 'preview/preview-routes.ts', 'preview/preview-access.ts']));
    for (const lazy of ['preview/preview-handlers.ts', 'preview/preview-page.ts', 'preview/block-kit-html.ts', 'preview/mrkdwn-html.ts', 'preview/emoji.ts']) {
      expect(relative).not.toContain(lazy);
    }
    expect(packages).not.toContain('gemoji');
  });

  it('the walk does find the renderer from the handlers (it is not vacuous)', () => {
    const handlers = staticGraph('preview/preview-handlers.ts');
    expect([...handlers.files].map((f) => f.slice(src.length))).toEqual(expect.arrayContaining(['preview/block-kit-html.ts', 'preview/emoji.ts']));
    expect(handlers.packages).toContain('gemoji');
  });
});
