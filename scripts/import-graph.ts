// The import graph of BabyBot's own code (the folders of scripts/lint/layers.js): how many
// files and imports, the import cycles (strongly connected groups of files), and the
// imports that go against the layers. `npx tsx scripts/import-graph.ts [--base REV]`
// prints the counts; tests/structure/import-graph.test.ts asserts there are none.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { LAYERS, mayImport } from './lint/layers.js';

export interface ImportGraph {
  files: string[];
  edges: Map<string, string[]>;
  cycles: string[][];
  /** `from -> to` for each import a folder may not make, with the file and the import. */
  upward: { from: string; to: string; file: string; target: string }[];
}

export function importGraph(root: string): ImportGraph {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (entry.name.endsWith('.ts')) files.push(path.relative(root, full));
    }
  };
  for (const folder of Object.keys(LAYERS)) walk(path.join(root, folder));
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const imports = ts.preProcessFile(fs.readFileSync(path.join(root, file), 'utf8'), true, true).importedFiles;
    const targets = imports
      .map((imported) => imported.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts'))
      .filter((target) => known.has(target));
    edges.set(file, [...new Set(targets)]);
  }
  const upward: ImportGraph['upward'] = [];
  for (const [file, targets] of edges) {
    const from = file.split(path.sep)[0];
    for (const target of targets) {
      const to = target.split(path.sep)[0];
      if (!mayImport(from, to)) upward.push({ from, to, file, target });
    }
  }
  return { files, edges, cycles: stronglyConnected(edges), upward };
}

/** Tarjan's algorithm: every group of two or more files that import each other, directly or not. */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of edges.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return groups;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) {
  const graph = importGraph(path.resolve(import.meta.dirname, '..'));
  const edgeCount = [...graph.edges.values()].reduce((sum, targets) => sum + targets.length, 0);
  console.log(`${graph.files.length} files, ${edgeCount} imports, ${graph.cycles.length} cycles, ${graph.upward.length} imports against the layers`);
  for (const cycle of graph.cycles) console.log(`  cycle of ${cycle.length}: ${cycle.join(' → ')}`);
  for (const edge of graph.upward) console.log(`  ${edge.from}/ → ${edge.to}/: ${edge.file} imports ${edge.target}`);
}
