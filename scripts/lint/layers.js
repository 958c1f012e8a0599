// The folders of BabyBot and what each may import (besides itself and npm packages): the
// map docs/architecture.md draws, enforced by the `babybot/layers` lint rule below. Lower
// layers never import higher ones, so the import graph has no upward edges and no cycles
// between folders. Tests, benchmarks and scripts may import anything.
import path from 'node:path';

export const LAYERS = {
  contracts: [], // pure, deterministic: types, ids, schemas, activity interfaces
  workflows: ['contracts'], // deterministic workflow code (also checked for Node built-ins)
  lib: ['contracts'], // config, logging, the store, safe file access
  container: ['lib', 'contracts'], // the sandbox: runtimes, IPC, image
  channel: ['lib', 'contracts'], // WhatsApp and the local web chat
  tasks: ['lib', 'contracts'], // recurring tasks: Temporal Schedules
  activities: ['channel', 'container', 'tasks', 'lib', 'contracts'], // side effects, called by workflows
  temporal: ['workflows', 'tasks', 'lib', 'contracts'], // the server and client-side plumbing
  workers: ['activities', 'workflows', 'temporal', 'tasks', 'channel', 'container', 'lib', 'contracts'], // the composition root
  cli: ['workers', 'activities', 'temporal', 'tasks', 'channel', 'container', 'lib', 'contracts'], // thin commands
};

/** Whether a file in folder `from` may import one in folder `to` (both top-level folders of the project). */
export function mayImport(from, to) {
  return from === to || (LAYERS[from] ?? []).includes(to);
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

function folderOf(file) {
  const relative = path.relative(ROOT, file);
  if (relative.startsWith('..')) return undefined;
  return relative.split(path.sep)[0];
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: { type: 'problem', messages: { upward: '{{from}}/ may import only from {{allowed}}; not from {{to}}/ ({{source}}). See docs/architecture.md.' } },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const from = folderOf(file);
    if (!from || !(from in LAYERS)) return {};
    const allowed = [from, ...LAYERS[from]].join(', ');
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      // A folder outside the map (tests/, scripts/, …) is as out of bounds as a higher layer.
      const to = folderOf(path.resolve(path.dirname(file), source)) ?? '(outside the project)';
      if (mayImport(from, to)) return;
      context.report({ node, messageId: 'upward', data: { from, to, source, allowed } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
