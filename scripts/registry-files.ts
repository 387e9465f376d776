/**
 * Writes the parts of hand-kept files that list roles, from the role registry (cli/registry.ts):
 *   compose.yaml                  one service per role, its port, worker id, dependencies and health check
 *   config/router.example.yaml    router.subgraphs: the URL of every subgraph
 *   config/gochat.example.yaml    the same, commented out
 * Each lives between a `# >>> <name>` and a `# <<< <name>` line; the rest of the file is kept as is.
 * `npm run check:generated` fails when a committed file differs.
 */
import fs from 'node:fs';
import path from 'node:path';

import * as prettier from 'prettier';

import { ROLES, ROLE_NAMES, roleSpec, subgraphOf } from '../cli/registry.ts';
import { planStart } from '../cli/selection.ts';

const root = path.resolve(import.meta.dirname, '..');

const START = (name: string) => `# >>> ${name}: generated from cli/registry.ts by \`npm run generate\``;
const END = (name: string) => `# <<< ${name}`;

/** The compose service of a role: what follows its last ':' (subgraph:accounts runs as accounts). */
const serviceOf = (role: string) => role.split(':').at(-1)!;
const subgraphs = () =>
  Object.entries(ROLES).flatMap(([role, spec]) => {
    const name = subgraphOf(spec);
    return name ? [{ name, service: serviceOf(role), port: spec.defaultPort }] : [];
  });
const urlVariable = (subgraph: string) => `${subgraph.toUpperCase()}_URL`;

/** compose.yaml's role services, in start order: every role before the router that depends on them. */
function composeServices(): string[] {
  return planStart(ROLE_NAMES).roles.flatMap((role, index) => {
    const spec = roleSpec(role);
    const needs = new Set<string>(spec.needs);
    const isRouter = spec.serves.kind === 'router';
    const isEndpoint = spec.serves.kind === 'endpoint';
    const ready = `fetch('http://127.0.0.1:${spec.defaultPort}/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
    return [
      `${serviceOf(role)}:`,
      `  <<: *gochat`,
      `  command: ['start', '${role}']`,
      `  environment:`,
      `    <<: *env`,
      `    PORT: '${spec.defaultPort}'`,
      `    WORKER_ID: '${index + 1}'`,
      ...(isRouter
        ? subgraphs().map((s) => `    ${urlVariable(s.name)}: http://${s.service}:${s.port}`)
        : []),
      ...(isRouter ? [`  ports: ['${spec.defaultPort}:${spec.defaultPort}']`] : []),
      // An SFU node: its signalling, and its media ports (one worker here: SFU_WORKERS=1).
      ...(isEndpoint
        ? [
            `    SFU_URL: ws://localhost:${spec.defaultPort}/sfu`,
            `    SFU_WORKERS: '1'`,
            `    SFU_ANNOUNCED_ADDRESS: 127.0.0.1`,
            `  ports: ['${spec.defaultPort}:${spec.defaultPort}', '40000:40000/udp', '40000:40000/tcp']`,
          ]
        : []),
      `  depends_on:`,
      ...(needs.has('database')
        ? [
            `    postgres: { condition: service_healthy }`,
            `    migrate: { condition: service_completed_successfully }`,
          ]
        : []),
      ...(needs.has('bus') ? [`    nats: { condition: service_started }`] : []),
      ...(needs.has('cache') || needs.has('presence') ? [`    redis: { condition: service_healthy }`] : []),
      ...(needs.has('blob') ? [`    minio-bucket: { condition: service_completed_successfully }`] : []),
      ...(needs.has('search') ? [`    opensearch: { condition: service_healthy }`] : []),
      ...(needs.has('voiceNodes') ? [`    etcd: { condition: service_healthy }`] : []),
      ...(isRouter ? subgraphs().map((s) => `    ${s.service}: { condition: service_healthy }`) : []),
      `  healthcheck:`,
      `    test: ['CMD', 'node', '-e', "${ready}"]`,
      `    <<: *ready`,
      ``,
    ];
  });
}

/** router.subgraphs as the examples show it. */
function subgraphUrls(commented: boolean): string[] {
  const mark = commented ? '# ' : '';
  return [
    `${mark}subgraphs: # the subgraphs outside the router's process (\`gochat start router\`)`,
    ...subgraphs().map((s) => `${mark}  ${s.name}: http://${s.service}:${s.port} # ${urlVariable(s.name)}`),
  ];
}

const REGIONS: Record<string, Record<string, () => string[]>> = {
  'compose.yaml': { roles: composeServices },
  'config/router.example.yaml': { 'router.subgraphs': () => subgraphUrls(false) },
  'config/gochat.example.yaml': { 'router.subgraphs': () => subgraphUrls(true) },
};

/** Replaces each region's lines, indented as its start marker is. */
function replaceRegions(file: string, text: string, regions: Record<string, () => string[]>): string {
  let result = text;
  for (const [name, render] of Object.entries(regions)) {
    const pattern = new RegExp(
      `^([ \\t]*)${escape(START(name))}\\n[\\s\\S]*?^[ \\t]*${escape(END(name))}$`,
      'm',
    );
    const match = pattern.exec(result);
    if (!match) throw new Error(`${file}: no "${START(name)}" … "${END(name)}" region`);
    const indent = match[1]!;
    const body = render().map((line) => (line ? `${indent}${line}` : ''));
    result = result.replace(
      pattern,
      [`${indent}${START(name)}`, ...body, `${indent}${END(name)}`].join('\n'),
    );
  }
  return result;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every file with regions, as it should be (formatted as prettier would). */
export async function renderRegistryFiles(): Promise<Record<string, string>> {
  const rendered: Record<string, string> = {};
  for (const [file, regions] of Object.entries(REGIONS)) {
    const absolute = path.join(root, file);
    const text = replaceRegions(file, fs.readFileSync(absolute, 'utf8'), regions);
    const options = await prettier.resolveConfig(absolute);
    rendered[file] = await prettier.format(text, { ...options, filepath: absolute });
  }
  return rendered;
}

/** The files whose committed text differs from the registry's. */
export async function staleRegistryFiles(): Promise<string[]> {
  const rendered = await renderRegistryFiles();
  return Object.keys(rendered).filter(
    (file) => fs.readFileSync(path.join(root, file), 'utf8') !== rendered[file],
  );
}

/** A file's text without its generated regions: what the hand-list test scans. */
export function withoutGeneratedRegions(text: string): string {
  return text.replace(/^[ \t]*# >>> [\s\S]*?^[ \t]*# <<< .*$/gm, '');
}

if (import.meta.filename === process.argv[1]) {
  for (const [file, text] of Object.entries(await renderRegistryFiles()))
    fs.writeFileSync(path.join(root, file), text);
  console.log(`registry files: wrote ${Object.keys(REGIONS).join(', ')}`);
}
