// Jest resolves every import again for each test file (its own caches are emptied between files),
// about 0.3 s of CPU a suite that starts the bot. This resolver is loaded once per worker and keeps
// what it resolved for the whole run: files do not move while the tests run.
const resolved = new Map();

module.exports = function cachedResolver(request, options) {
  const key = `${options.basedir}\0${request}\0${(options.conditions ?? []).join(',')}\0${(options.extensions ?? []).join(',')}`;
  let path = resolved.get(key);
  if (path === undefined) {
    path = options.defaultResolver(request, options);
    resolved.set(key, path);
  }
  return path;
};
