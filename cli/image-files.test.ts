import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

import { routerSection } from '@gochat/config';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Docker cannot run on these machines, so the image's file list is checked against the code instead:
 * every module the gochat command can load, statically or lazily (each role's code among them), and
 * every file it reads beside itself (`new URL('…', import.meta.url)`), is copied into the final stage
 * and not excluded by .dockerignore; every npm package it imports is a production dependency, since
 * the image installs with --omit=dev.
 */
const root = path.resolve(import.meta.dirname, '..');
const ENTRY = 'bin/gochat.js';

/** The source paths the Dockerfile's last stage copies from the build context. */
function copiedPaths(): string[] {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return lastStage
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
    .map((source) => path.posix.normalize(source).replace(/\/$/, ''));
}

/** .dockerignore patterns as regular expressions over repository paths. */
function ignoredPatterns(): RegExp[] {
  const file = path.join(root, '.dockerignore');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((pattern) => {
      const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*/g, '[^/]*');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

/** The workspace packages' entry modules, by specifier (`@gochat/x`, and subpaths such as `@gochat/x/scylla`). */
function workspaces(): Map<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const found = new Map<string, string>();
  for (const pattern of pkg.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? fs.readdirSync(path.join(root, pattern.slice(0, -2))).map((d) => path.join(pattern.slice(0, -2), d))
      : [pattern];
    for (const dir of dirs) {
      const file = path.join(root, dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        name: string;
        exports?: Record<string, string>;
      };
      // An application workspace (clients/web) exports nothing: nothing imports it.
      for (const [subpath, entry] of Object.entries(meta.exports ?? {}))
        found.set(path.posix.join(meta.name, subpath), path.join(root, dir, entry));
    }
  }
  return found;
}

interface References {
  /** Module specifiers the code loads at run time (type-only imports are erased, so left out). */
  modules: string[];
  /** Paths, relative to the file, of files it reads beside itself; a template keeps its fixed start. */
  files: string[];
}

function referencesOf(file: string): References {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: References = { modules: [], files: [] };
  const visit = (node: ts.Node) => {
    if (
      ts.isImportDeclaration(node) &&
      !node.importClause?.isTypeOnly &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.modules.push(node.moduleSpecifier.text);
    else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.modules.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.modules.push(argument.text);
    } else if (
      ts.isNewExpression(node) &&
      node.expression.getText() === 'URL' &&
      node.arguments?.length === 2
    ) {
      const [target, base] = node.arguments;
      if (base?.getText() === 'import.meta.url' && target) {
        if (ts.isStringLiteralLike(target)) found.files.push(target.text);
        else if (ts.isTemplateExpression(target)) found.files.push(target.head.text.replace(/[^/]*$/, ''));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names: `@scope/name` or `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Walks the import graph from the entry: every local module and file it can load, and the npm packages. */
function loadGraph() {
  const packages = workspaces();
  const modules = new Set<string>();
  const files = new Set<string>();
  const npm = new Map<string, string>();
  const queue = [path.join(root, ENTRY)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (modules.has(file)) continue;
    modules.add(file);
    const references = referencesOf(file);
    for (const specifier of references.modules) {
      if (specifier.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier));
      else if (packages.has(specifier)) queue.push(packages.get(specifier)!);
      else if (!isBuiltin(specifier)) npm.set(packageOf(specifier), path.relative(root, file));
    }
    for (const target of references.files) files.add(path.resolve(path.dirname(file), target));
  }
  return { modules, files, npm };
}

describe('the image (Dockerfile)', () => {
  const graph = loadGraph();
  const copied = copiedPaths();
  const ignored = ignoredPatterns();
  const inImage = (absolute: string) => {
    const relative = path.relative(root, absolute).split(path.sep).join('/').replace(/\/$/, '');
    const isCopied = copied.some(
      (source) => source === '.' || relative === source || relative.startsWith(`${source}/`),
    );
    return isCopied && !ignored.some((pattern) => pattern.test(relative));
  };

  it('finds every role module from the entry (the walk itself works)', () => {
    const relative = [...graph.modules].map((file) => path.relative(root, file));
    for (const module of [
      'cli/main.ts',
      'cli/registry.ts',
      'router/role.ts',
      'packages/lifecycle/src/index.ts',
    ])
      expect(relative).toContain(module);
    expect(relative.filter((file) => /^subgraphs\/[^/]+\/role\.ts$/.test(file)).length).toBeGreaterThan(1);
    // Loaded only with ScyllaDB configured: a dynamic import of a package subpath.
    expect(relative.some((file) => /(^|\/)scylla\//.test(file))).toBe(true);
  });

  it('copies only what exists (docker build fails on a missing source)', () => {
    const missing = copied.filter((source) => !fs.existsSync(path.join(root, source)));
    expect(missing, 'COPY sources that do not exist').toEqual([]);
  });

  it('copies every module the gochat command can load', () => {
    const missing = [...graph.modules]
      .filter((file) => !inImage(file))
      .map((file) => path.relative(root, file));
    expect(
      missing,
      `not copied by the Dockerfile (or excluded by .dockerignore):\n  ${missing.join('\n  ')}`,
    ).toEqual([]);
  });

  it('copies every file the code reads beside itself', () => {
    const missing = [...graph.files]
      .filter((file) => !inImage(file))
      .map((file) => path.relative(root, file));
    expect(missing, `read at run time but not in the image:\n  ${missing.join('\n  ')}`).toEqual([]);
  });

  it('carries the web client the router serves, built in a stage of its own', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copy = /^COPY --from=(\S+) \/app\/clients\/web\/dist \.\/clients\/web\/dist$/m.exec(lastStage);
    expect(copy, 'the final stage copies clients/web/dist from the build stage').not.toBeNull();
    const stage = dockerfile.slice(
      dockerfile.indexOf(` AS ${copy![1]}\n`),
      dockerfile.lastIndexOf('\nFROM '),
    );
    expect(stage, `stage ${copy![1]} builds the web client`).toMatch(/^RUN .*npm run build:web/m);
    // The folder the router reads by default (router.web.dir), and never a stale local build.
    expect(routerSection.parse({}).web.dir).toBe('clients/web/dist');
    expect(ignored.some((pattern) => pattern.test('clients/web/dist/index.html'))).toBe(true);
  });

  it('installs every npm package the code imports (production dependencies only)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const undeclared = [...graph.npm].filter(([name]) => !Object.hasOwn(pkg.dependencies, name));
    expect(
      undeclared.map(([name, file]) => `${name} (imported by ${file})`),
      'imported at run time but not in package.json dependencies',
    ).toEqual([]);
  });

  it('applies the dependency patches when it installs (patch-package in the postinstall)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.postinstall).toMatch(/^patch-package --error-on-fail &&/);
    // The install runs with --omit=dev: the tool must be a production dependency.
    expect(Object.hasOwn(pkg.dependencies, 'patch-package')).toBe(true);
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const install = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci --omit=dev'));
    const patchesStage = install.slice(install.lastIndexOf('\nFROM '));
    expect(patchesStage, 'patches/ is copied before npm ci').toMatch(/^COPY patches \.\/patches$/m);
    expect(fs.readdirSync(path.join(root, 'patches')).length).toBeGreaterThan(0);
    expect(ignored.some((pattern) => pattern.test('patches/x.patch'))).toBe(false);
  });
});
