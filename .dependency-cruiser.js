// @ts-check
/**
 * Import boundaries (decision 0039), checked by dependency-cruiser in `npm run lint`:
 *
 *   bin → cli → subgraphs/<name>, router, workers, sfu → packages (+ drizzle, the schema package)
 *
 * A layer imports only the layers below it and external modules; subgraphs never import each other;
 * nothing but bin/ imports cli/; and there is no import cycle anywhere. e2e/, bench/ and scripts/
 * are tools over the whole code and may import any layer but cli/. scripts/boundaries.test.ts runs
 * these rules over a fixture tree, one violation of each.
 *
 * Paths are regular expressions over paths from the repository root; workspace imports
 * (`@gochat/bus`) resolve to the package's files (`packages/bus/src/index.ts`).
 */

/** The package layer: packages/* and drizzle/ (the @gochat/drizzle workspace). */
const PACKAGES = '^(packages|drizzle)/';
/** Node's own modules and node_modules are external; a `pathNot` of a layer rule lists them. */
const EXTERNAL = '(^|/)node_modules/';
/** Imports of cli/ are not-to-cli's to report (once), whichever layer they come from. */
const CLI = '^cli/';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'package-layer',
      severity: 'error',
      comment:
        'A package imports only other packages and external modules: it is the bottom layer, shared by ' +
        'subgraphs, the router, workers and the CLI. Move what it needs into a package, or pass it in.',
      from: { path: PACKAGES },
      to: { pathNot: [PACKAGES, EXTERNAL, CLI], dependencyTypesNot: ['core'] },
    },
    {
      name: 'subgraphs-apart',
      severity: 'error',
      comment:
        'A subgraph never imports another subgraph: shared code goes into a package, and data of ' +
        'another domain is read through its port (see docs/decisions/0003).',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'subgraph-layer',
      severity: 'error',
      comment: 'A subgraph imports its own folder, packages and external modules only.',
      from: { path: '^subgraphs/' },
      to: { pathNot: ['^subgraphs/', PACKAGES, EXTERNAL, CLI], dependencyTypesNot: ['core'] },
    },
    {
      name: 'router-layer',
      severity: 'error',
      comment:
        "The router imports its own folder, packages and external modules only, never a subgraph's " +
        'internals: what it shares with a subgraph lives in a package.',
      from: { path: '^router/' },
      to: { pathNot: ['^router/', PACKAGES, EXTERNAL, CLI], dependencyTypesNot: ['core'] },
    },
    {
      name: 'worker-layer',
      severity: 'error',
      comment:
        'Workers import workers/ (the harness and their own files), packages and external modules only.',
      from: { path: '^workers/' },
      to: { pathNot: ['^workers/', PACKAGES, EXTERNAL, CLI], dependencyTypesNot: ['core'] },
    },
    {
      name: 'sfu-layer',
      severity: 'error',
      comment: 'The SFU imports its own folder, packages and external modules only: it deploys on its own.',
      from: { path: '^sfu/' },
      to: { pathNot: ['^sfu/', PACKAGES, EXTERNAL, CLI], dependencyTypesNot: ['core'] },
    },
    {
      name: 'not-to-cli',
      severity: 'error',
      comment:
        'Nothing imports cli/ but bin/: the CLI is the host on top of every role. Take what is needed ' +
        'as a parameter, or move it into a package. The build tools (scripts/, codegen.ts, bench/) sit ' +
        'above the CLI and read the role registry (cli/registry.ts), which is what they derive from.',
      from: { pathNot: ['^(cli|bin|scripts|bench)/', '^codegen\\.ts$'] },
      to: { path: '^cli/' },
    },
    {
      // Folders of one deployable (router/, workers/, sfu/) never import each other, directly or around a
      // loop: each area has one direction (router/realtime and router/subscriptions both use router/live).
      name: 'folders-one-way',
      severity: 'error',
      scope: 'folder',
      comment:
        'These folders of one deployable import each other. Give them one direction: move what both ' +
        'need into a third folder (or a package), or pass it in.',
      from: { path: '^(router|workers|sfu)(/|$)' },
      to: { path: '^$1(/|$)', circular: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This import closes a cycle. Give the modules one direction: move what both need into a third ' +
        'module, or pass it in.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports count too: a type from cli/ ties a package to the CLI as much as a value does.
    tsPreCompilationDeps: true,
    doNotFollow: { path: EXTERNAL },
    exclude: { path: ['^(node_modules|data|\\.git)/', '^clients/web/dist/', EXTERNAL] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      // Types-only packages (@graphql-typed-document-node/core) name their entry in `typings`.
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
