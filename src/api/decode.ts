/**
 * Decodes manifest text (YAML or JSON, several `---`-separated documents) into plain objects,
 * keeping the line of every field so that errors can name it.
 *
 * Scalars are resolved as Kubernetes' YAML decoder (go-yaml v2, YAML 1.1) does: `0644` is octal,
 * `yes`/`on` are booleans. Timestamps and sexagesimal numbers stay strings, as they do there.
 */
import {
  Composer,
  LineCounter,
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type CST,
  type Document,
  type Node as YamlNode,
  type Tags,
} from 'yaml';
import { DecodeError } from './errors.js';
import { parseFieldPath } from './field-path.js';
import { maxManifestDepth, maxYamlAliasCount } from './limits.js';
import { measureCstNesting, measureValueNesting } from './nesting.js';

export interface DecodedDocument {
  object: Record<string, unknown>;
  file: string;
  /** 1-based line where the document's content (or the List item) starts. */
  line: number;
  /**
   * Returns the 1-based line of a field path such as `spec.containers[0].image` or
   * `metadata.labels[app]`. A path missing from the document gets the line of its closest
   * present ancestor, so a missing required field points at its parent.
   */
  lineOf(path: string): number;
}

export interface DecodeResult {
  documents: DecodedDocument[];
  errors: DecodeError[];
}

interface LineNode {
  line: number;
  children: Map<string, LineNode>;
}

// Bounds the line map. Documents deeper than maxManifestDepth are rejected before it is built.
const maxDepth = maxManifestDepth;

// go-yaml v2 leaves timestamps and sexagesimal numbers (`1:30`) as strings.
function dropNonKubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) => {
    if (typeof tag === 'string') return true;
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });
}

const parseOptions = {
  prettyErrors: false,
  version: '1.1',
  merge: true,
  uniqueKeys: true,
  customTags: dropNonKubernetesTags,
} as const;

/**
 * Decodes every non-empty document of `text`. A `kind: List` document is expanded into its
 * items. A document with syntax errors, mappings and sequences nested deeper than
 * maxManifestDepth, or aliases that expand beyond maxYamlAliasCount is left out of `documents`,
 * and its first error goes to `errors`. The other documents are still returned.
 */
export function decodeManifests(text: string, file: string): DecodeResult {
  const lineCounter = new LineCounter();
  const documents: DecodedDocument[] = [];
  const errors: DecodeError[] = [];
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  // A document nested too deeply is left out before composition, because the composer recurses
  // once per level and would overflow the stack.
  const tokens = new Parser(lineCounter.addNewLine).parse(text);
  const shallow = withoutDeepDocuments(tokens, (offset, depth) => {
    errors.push(new DecodeError(file, nestingMessage(depth), lineAt(offset)));
  });
  const parsed = Array.from(new Composer(parseOptions).compose(shallow));

  for (const doc of parsed) {
    const syntaxError = doc.errors[0];
    if (syntaxError) {
      const position = lineCounter.linePos(syntaxError.pos[0]);
      errors.push(new DecodeError(file, syntaxError.message, position.line, position.col));
      continue;
    }

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: maxYamlAliasCount });
    } catch (error) {
      errors.push(new DecodeError(file, toJsErrorMessage(error), lineAt(doc.range[0])));
      continue;
    }
    if (value === null || value === undefined) continue;

    const contents = doc.contents as YamlNode | null;
    const line = contents?.range ? lineAt(contents.range[0]) : 1;
    // Aliases copy anchored nodes into deeper places, so the decoded value can nest deeper than
    // the text, and an alias inside its own anchor makes the value contain itself.
    const depth = measureValueNesting(value);
    if (depth > maxManifestDepth) {
      const message =
        depth === Number.POSITIVE_INFINITY
          ? 'a YAML alias refers to a node that contains the alias, so the value would be infinite'
          : `${nestingMessage(depth)} once the YAML aliases are expanded`;
      errors.push(new DecodeError(file, message, line));
      continue;
    }
    if (!isPlainObject(value)) {
      const found = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      errors.push(
        new DecodeError(file, `expected an object with apiVersion and kind, found ${found}`, line),
      );
      continue;
    }

    const tree = buildLineTree(contents, line, doc, lineAt, 0, new Set());
    if (value.kind === 'List' && value.apiVersion === 'v1') {
      expandList(value, tree, file, documents, errors);
      continue;
    }
    documents.push({
      object: value,
      file,
      line,
      lineOf: (path) => findLine(tree, parseFieldPath(path)),
    });
  }
  // Nesting errors are found before the other documents are composed, so they come first.
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { documents, errors };
}

/** Passes the parser's tokens on, except documents that nest deeper than maxManifestDepth. */
function* withoutDeepDocuments(
  tokens: Iterable<CST.Token>,
  reject: (offset: number, depth: number) => void,
): Generator<CST.Token> {
  for (const token of tokens) {
    if (token.type === 'document') {
      const nesting = measureCstNesting(token, maxManifestDepth);
      if (nesting.offsetBeyondLimit !== undefined) {
        reject(nesting.offsetBeyondLimit, nesting.depth);
        continue;
      }
    }
    yield token;
  }
}

function nestingMessage(depth: number): string {
  return (
    `mappings and sequences are nested ${depth} levels deep, more than the limit of ` +
    `${maxManifestDepth} levels`
  );
}

/** Returns the message for an error of toJS, naming the limit when aliases exceed it. */
function toJsErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The yaml package (2.x) throws a ReferenceError with this text when maxAliasCount is exceeded.
  if (error instanceof ReferenceError && message.startsWith('Excessive alias count')) {
    return (
      `YAML aliases copy their anchored nodes more than ${maxYamlAliasCount} times, the limit ` +
      'that stops alias expansion ("billion laughs") attacks'
    );
  }
  return message;
}

function expandList(
  list: Record<string, unknown>,
  tree: LineNode,
  file: string,
  documents: DecodedDocument[],
  errors: DecodeError[],
): void {
  const items = list.items ?? [];
  if (!Array.isArray(items)) {
    errors.push(new DecodeError(file, 'items of a List must be a list', findLine(tree, ['items'])));
    return;
  }
  items.forEach((item: unknown, index) => {
    const prefix = ['items', String(index)];
    const line = findLine(tree, prefix);
    if (!isPlainObject(item)) {
      errors.push(
        new DecodeError(file, `items[${index}] must be an object with apiVersion and kind`, line),
      );
      return;
    }
    documents.push({
      object: item,
      file,
      line,
      lineOf: (path) => findLine(tree, [...prefix, ...parseFieldPath(path)]),
    });
  });
}

function buildLineTree(
  node: unknown,
  line: number,
  doc: Document,
  lineAt: (offset: number) => number,
  depth: number,
  resolving: Set<unknown>,
): LineNode {
  const result: LineNode = { line, children: new Map() };
  if (depth > maxDepth || node === null || node === undefined) return result;

  if (isAlias(node)) {
    const target = node.resolve(doc);
    // An alias may point at one of its own ancestors, so stop instead of recursing forever.
    if (!target || resolving.has(target)) return result;
    resolving.add(target);
    const resolved = buildLineTree(target, line, doc, lineAt, depth + 1, resolving);
    resolving.delete(target);
    return { line, children: resolved.children };
  }

  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      // With merge keys on, the yaml package represents `<<` as a Scalar holding a symbol.
      const isMerge = isScalar(keyNode) && typeof keyNode.value === 'symbol';
      const key =
        isScalar(keyNode) && typeof keyNode.value !== 'symbol'
          ? String(keyNode.value)
          : String(keyNode);
      const keyLine = keyNode?.range ? lineAt(keyNode.range[0]) : line;
      const child = buildLineTree(pair.value, keyLine, doc, lineAt, depth + 1, resolving);
      if (isMerge) {
        // Merge keys contribute their fields to this map, unless a key is set explicitly.
        for (const [name, merged] of child.children) {
          if (!result.children.has(name)) result.children.set(name, merged);
        }
        continue;
      }
      result.children.set(key, child);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const itemNode = item as YamlNode | null;
      const itemLine = itemNode?.range ? lineAt(itemNode.range[0]) : line;
      result.children.set(
        String(index),
        buildLineTree(item, itemLine, doc, lineAt, depth + 1, resolving),
      );
    });
  }
  return result;
}

function findLine(tree: LineNode, segments: readonly string[]): number {
  let node = tree;
  for (const segment of segments) {
    const child = node.children.get(segment);
    if (!child) break;
    node = child;
  }
  return node.line;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
