/**
 * `npm install`'s postinstall: makes the PGlite template (pglite-template.ts) so that the first
 * `npm start` copies a database instead of running initdb. It never fails the install: without a
 * template, a start makes one itself. The import is inside the try because an install may run
 * before the rest of the sources are there (the Dockerfile's dependency stage).
 */
try {
  const started = performance.now();
  const { ensureTemplate } = await import('./pglite-template.ts');
  const template = await ensureTemplate();
  console.log(
    `gochat: embedded database template ready in ${template} (${Math.round(performance.now() - started)} ms)`,
  );
} catch (error) {
  console.warn(
    `gochat: no embedded database template (${String(error)}); the first start will create its database`,
  );
}
