/**
 * Label selectors: the string syntax of `kubectl -l` (`a=b,c!=d,e in (x,y),f notin (z),g,!h`),
 * the `matchLabels`/`matchExpressions` object form, and matching against a label set.
 */
import { SelectorError } from './errors.js';
import { checkLabelValue, checkQualifiedName } from './names.js';
import type { Labels } from './types.js';

/** One requirement of a label selector such as `a=b,c!=d,e in (x,y),!f`. */
export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** The object form of a selector, as in `spec.selector` of a Job. */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

type Token =
  | { kind: 'word'; text: string; position: number }
  | { kind: 'symbol'; text: string; position: number }
  | { kind: 'end'; text: ''; position: number };

const symbols = ['==', '!=', '=', '!', ',', '(', ')', '<', '>'];
const wordPattern = /[^\s,()=!<>]+/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    if (/\s/.test(text[position] ?? '')) {
      position += 1;
      continue;
    }
    const symbol = symbols.find((candidate) => text.startsWith(candidate, position));
    if (symbol !== undefined) {
      tokens.push({ kind: 'symbol', text: symbol, position });
      position += symbol.length;
      continue;
    }
    wordPattern.lastIndex = position;
    const match = wordPattern.exec(text);
    const word = match?.[0] ?? '';
    tokens.push({ kind: 'word', text: word, position });
    position += word.length;
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

class SelectorParser {
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      requirements.push(this.parseRequirement());
      const next = this.take();
      if (next.kind === 'end') return requirements;
      if (next.text !== ',') throw this.unexpected(next, '"," or the end of the selector');
    }
  }

  private parseRequirement(): LabelRequirement {
    if (this.peek().text === '!') {
      this.take();
      return { key: this.parseKey(), operator: 'DoesNotExist', values: [] };
    }
    const key = this.parseKey();
    const next = this.peek();
    if (next.kind === 'end' || next.text === ',') return { key, operator: 'Exists', values: [] };

    this.take();
    if (next.text === '=' || next.text === '==')
      return { key, operator: 'In', values: [this.parseValue()] };
    if (next.text === '!=') return { key, operator: 'NotIn', values: [this.parseValue()] };
    if (next.kind === 'word' && (next.text === 'in' || next.text === 'notin')) {
      return {
        key,
        operator: next.text === 'in' ? 'In' : 'NotIn',
        values: this.parseValueSet(next.text),
      };
    }
    if (next.text === '<' || next.text === '>') {
      throw new SelectorError(
        this.text,
        `operator "${next.text}" at position ${next.position} is not supported: use =, ==, !=, in, notin, a bare key or !key`,
      );
    }
    throw this.unexpected(
      next,
      'one of "=", "==", "!=", "in", "notin", "," or the end of the selector',
    );
  }

  private parseKey(): string {
    const token = this.take();
    if (token.kind !== 'word') throw this.unexpected(token, 'a label key');
    const messages = checkQualifiedName(token.text);
    if (messages.length > 0)
      throw new SelectorError(
        this.text,
        `key ${JSON.stringify(token.text)}: ${messages.join('; ')}`,
      );
    return token.text;
  }

  /** Parses the value after `=` or `!=`. It may be empty (`app=`), which selects the empty label value. */
  private parseValue(): string {
    const token = this.peek();
    if (token.kind !== 'word') return '';
    this.take();
    return this.checkValue(token.text);
  }

  private parseValueSet(operator: string): string[] {
    const open = this.take();
    if (open.text !== '(') throw this.unexpected(open, `"(" after "${operator}"`);
    const values: string[] = [];
    let afterValue = false;
    for (;;) {
      const token = this.take();
      if (token.kind === 'word' && afterValue) throw this.unexpected(token, '"," or ")"');
      afterValue = token.kind === 'word';
      if (token.kind === 'word') values.push(this.checkValue(token.text));
      else if (token.text === ')') break;
      else if (token.text !== ',') throw this.unexpected(token, 'a value, "," or ")"');
    }
    if (values.length === 0)
      throw new SelectorError(this.text, `the value set of "${operator}" must not be empty`);
    return values;
  }

  private checkValue(value: string): string {
    const messages = checkLabelValue(value);
    if (messages.length > 0)
      throw new SelectorError(this.text, `value ${JSON.stringify(value)}: ${messages.join('; ')}`);
    return value;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? { kind: 'end', text: '', position: this.text.length };
  }

  private take(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length) this.index += 1;
    return token;
  }

  private unexpected(token: Token, expected: string): SelectorError {
    const found = token.kind === 'end' ? 'the end of the selector' : JSON.stringify(token.text);
    return new SelectorError(
      this.text,
      `found ${found} at position ${token.position}, expected ${expected}`,
    );
  }
}

/** Parses a selector string; the empty string selects everything. Throws SelectorError. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  return new SelectorParser(text, tokenize(text)).parse();
}

/** Returns whether `labels` satisfy every requirement. `NotIn` also matches an absent key, as in Kubernetes. */
export function matchesSelector(
  labels: Labels | undefined,
  requirements: readonly LabelRequirement[],
): boolean {
  return requirements.every((requirement) => {
    const has = labels !== undefined && Object.hasOwn(labels, requirement.key);
    const value = has ? labels[requirement.key] : undefined;
    switch (requirement.operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return value !== undefined && requirement.values.includes(value);
      case 'NotIn':
        return value === undefined || !requirement.values.includes(value);
    }
  });
}

/**
 * Converts the object form to requirements: each `matchLabels` entry becomes `In` with one value.
 * Throws SelectorError for an operator other than In, NotIn, Exists and DoesNotExist.
 */
export function labelSelectorToRequirements(
  selector: LabelSelector | undefined,
): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    requirements.push({ key, operator: 'In', values: [value] });
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const { operator } = expression;
    if (
      operator !== 'In' &&
      operator !== 'NotIn' &&
      operator !== 'Exists' &&
      operator !== 'DoesNotExist'
    ) {
      throw new SelectorError(
        JSON.stringify(selector),
        `${JSON.stringify(operator)} is not a valid selector operator`,
      );
    }
    requirements.push({ key: expression.key, operator, values: [...(expression.values ?? [])] });
  }
  return requirements;
}
