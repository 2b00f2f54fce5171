// Jest's TypeScript transform. `npm test` type-checks the source and the tests with one tsc before
// jest starts (scripts/build-and-typecheck.mjs); that tsc also writes the JavaScript and source maps
// to node_modules/.cache/test-build/, for about 2 s of CPU more than --noEmit. This transform hands
// jest that output instead of compiling each file again in each worker: ts-jest did it once per
// jest project (unit, db, e2e, browser each keep their own cache) and loaded TypeScript in every
// worker, ~33 s of CPU in a fresh clone, whose transform cache is empty (CI's, every run).
//
// tsc's output is what ts-jest produced (same tsconfig, isolatedModules, ES modules). A file whose
// text is not the one that output was made from (sources.json, written beside it with each
// source's SHA-1) — jest run on its own after an edit, without `npm test` — goes through ts-jest as
// before, so what runs is never stale.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const root = resolve(__dirname, '..', '..');
const outDir = join(root, 'node_modules', '.cache', 'test-build');
const tsconfigText = readFileSync(join(root, 'tsconfig.json'), 'utf8');
const thisFile = readFileSync(__filename, 'utf8');

let tsJest;
const compileWithTsJest = () =>
  (tsJest ??= require('ts-jest').default.createTransformer({ useESM: true, tsconfig: join(root, 'tsconfig.json') }));

let built;
const builtFrom = () => {
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(join(outDir, 'sources.json'), 'utf8'));
    } catch {
      built = {};
    }
  }
  return built;
};

function prebuilt(sourceText, sourcePath) {
  const rel = relative(root, sourcePath);
  const hash = builtFrom()[rel];
  if (hash === undefined || hash !== createHash('sha1').update(sourceText).digest('hex')) return undefined;
  const jsPath = join(outDir, rel.replace(/\.ts$/, '.js'));
  let code;
  let map;
  try {
    code = readFileSync(jsPath, 'utf8');
    map = JSON.parse(readFileSync(`${jsPath}.map`, 'utf8'));
  } catch {
    return undefined;
  }
  code = code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  // tsc names the source relative to the map's own folder; jest reads the map as the .ts file's.
  map.sources = [sourcePath];
  map.sourceRoot = '';
  return { code, map };
}

module.exports = {
  getCacheKey(sourceText, sourcePath, options) {
    return createHash('sha1')
      .update(thisFile)
      .update(tsconfigText)
      .update(options.configString)
      .update(options.instrument ? 'instrument' : '')
      .update(sourcePath)
      .update(sourceText)
      .digest('hex');
  },
  process(sourceText, sourcePath, options) {
    return prebuilt(sourceText, sourcePath) ?? compileWithTsJest().process(sourceText, sourcePath, options);
  },
};
