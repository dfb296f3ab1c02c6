/**
 * Nesting depth of YAML syntax trees and of decoded values, measured without recursion so that a
 * hostile input cannot overflow the stack while it is measured.
 */
import type { CST } from 'yaml';

/** The nesting of one YAML document. */
export interface CstNesting {
  /** Deepest level of mappings and sequences, where the document's top collection is level 1. */
  depth: number;
  /** Source offset of the first collection deeper than the limit, if any. */
  offsetBeyondLimit?: number;
}

function isCollection(
  token: CST.Token,
): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection {
  return (
    token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection'
  );
}

/** Measures how deeply the mappings and sequences of a parsed YAML document nest. */
export function measureCstNesting(document: CST.Document, limit: number): CstNesting {
  const result: CstNesting = { depth: 0 };
  const pending: Array<[CST.Token | null | undefined, number]> = [[document.value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, parentDepth] = next;
    if (token === null || token === undefined || !isCollection(token)) continue;
    const depth = parentDepth + 1;
    if (depth > result.depth) result.depth = depth;
    if (depth > limit && result.offsetBeyondLimit === undefined) {
      result.offsetBeyondLimit = token.offset;
    }
    for (const item of token.items) {
      pending.push(['key' in item ? item.key : undefined, depth]);
      pending.push([item.value, depth]);
    }
  }
  return result;
}

/**
 * Returns the nesting depth of objects and arrays in a decoded value, where a top-level object is
 * level 1, or Infinity when the value contains itself. YAML aliases make decoded values share
 * objects, so each object's depth is computed once and reused.
 */
export function measureValueNesting(value: unknown): number {
  const heights = new Map<object, number>();
  const onPath = new Set<object>();
  // Post-order walk: an object is visited once to push its children and once to sum them up.
  const pending: Array<{ node: object; expanded: boolean }> = [];
  if (isContainer(value)) pending.push({ node: value, expanded: false });
  while (pending.length > 0) {
    const entry = pending[pending.length - 1] as { node: object; expanded: boolean };
    const children = Object.values(entry.node).filter(isContainer);
    if (!entry.expanded) {
      if (heights.has(entry.node)) {
        pending.pop();
        continue;
      }
      entry.expanded = true;
      onPath.add(entry.node);
      for (const child of children) {
        if (onPath.has(child)) return Number.POSITIVE_INFINITY;
        if (!heights.has(child)) pending.push({ node: child, expanded: false });
      }
      continue;
    }
    pending.pop();
    onPath.delete(entry.node);
    const below = children.reduce((max, child) => Math.max(max, heights.get(child) ?? 0), 0);
    heights.set(entry.node, below + 1);
  }
  return isContainer(value) ? (heights.get(value) ?? 0) : 0;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
