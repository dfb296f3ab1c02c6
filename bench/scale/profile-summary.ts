// Summarizes a V8 CPU profile (`node --cpu-prof`): `node dist/bench/scale/profile-summary.js
// FILE [COUNT]` prints the functions with the most self time and the cronmesh functions with the
// most total time (self plus callees), as shares of all samples.

import { readFileSync } from 'node:fs';

import { formatPercent, formatTable } from '../table.js';
import { parsePositiveInteger } from './args.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Identifies a function by name, file and line, so that its nodes in every stack add up. */
function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim();
}

function summarize(profile: CpuProfile, count: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const sampleId of profile.samples) {
    const leaf = byId.get(sampleId);
    if (leaf === undefined) continue;
    const leafKey = functionKey(leaf);
    self.set(leafKey, (self.get(leafKey) ?? 0) + 1);
    // A recursive function appears several times in one stack but counts once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = sampleId; id !== undefined; id = parentOf.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const key = functionKey(node);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + 1);
    }
  }

  const samples = profile.samples.length;
  const top = (entries: Map<string, number>, filter: (key: string) => boolean): string[][] =>
    [...entries]
      .filter(([key]) => filter(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, hits]) => [formatPercent(hits / samples), key]);

  console.log(`${samples} samples\n\nSelf time:\n`);
  console.log(
    formatTable(
      ['share', 'function'],
      top(self, () => true),
    ),
  );
  console.log('\nTotal time of cronmesh functions (self plus callees):\n');
  console.log(
    formatTable(
      ['share', 'function'],
      top(total, (key) => key.includes('dist/src/')),
    ),
  );
}

const [file = '', countText = '25'] = process.argv.slice(2);
if (file === '') throw new RangeError('missing FILE: expected a .cpuprofile written by --cpu-prof');
summarize(
  JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
  parsePositiveInteger('COUNT', countText),
);
