import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ProxyConfig } from './config';
import { ProxyConfigSchema } from './schema';

/**
 * Reads a YAML or JSON configuration and validates it with ProxyConfigSchema. Every problem is reported, each as
 * `<file>:<line>:<col>: <field path>: expected ..., got ...`, pointing at the offending node of the source text
 * (or its nearest existing parent when the field is missing).
 */

export type ConfigFormat = 'yaml' | 'json';

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    /** One line per problem, sorted by position. */
    readonly errors: string[],
  ) {
    super(errors.join('\n'));
    this.name = 'ConfigError';
  }
}

type PathKey = string | number;

interface Located {
  line: number;
  col: number;
  text: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `clusters[0].endpoints[1].port`; `(root)` for the document itself. */
export function formatFieldPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '(root)';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PathKey, unknown>)[key];
  }
  return v;
}

/** Finds where a path (or, failing that, its nearest existing parent) starts in the source text. */
class SourceLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  node(path: readonly PathKey[]): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  /** The key of `key` inside the mapping at `path`: where an unknown field is written. */
  key(path: readonly PathKey[], key: string): { line: number; col: number } {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair && isNode(pair.key) && pair.key.range) return this.lines.linePos(pair.key.range[0]);
    }
    return this.node(path);
  }
}

function issueMessages(issue: z.core.$ZodIssue, input: unknown, locate: SourceLocator): Located[] {
  const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      ...locate.key(path, key),
      text: `${formatFieldPath([...path, key])}: unknown field "${key}"; ${issue.message}`,
    }));
  }
  const value = valueAt(input, path);
  let text = `${formatFieldPath(path)}: `;
  if (issue.code === 'custom' && issue.params?.crossField) text += issue.message;
  else if (value === undefined) text += `missing required field, ${issue.message}`;
  else text += `${issue.message}, got ${describeValue(value)}`;
  return [{ ...locate.node(path), text }];
}

/** Wording for the few issues the schema does not word itself. */
const fallbackMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return undefined;
};

function syntaxErrors(doc: Document, text: string, source: string, format: ConfigFormat, lines: LineCounter) {
  const errors: Located[] = doc.errors.map((e) => {
    const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    // yaml appends " at line L, column C:" and a source excerpt to its messages; we print the position ourselves.
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { line: at.line, col: at.col, text: `${format.toUpperCase()} syntax error: ${message}` };
  });
  if (errors.length === 0 && format === 'json') {
    // yaml accepts a superset of JSON (comments, trailing commas): JSON files must be strict JSON.
    try {
      JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const pos = /at position (\d+)/.exec(message);
      const at = pos ? lines.linePos(Number(pos[1])) : { line: 1, col: 1 };
      errors.push({ ...at, text: `JSON syntax error: ${message.replace(/ in JSON at position.*$/, '')}` });
    }
  }
  return errors.map((e) => `${source}:${e.line}:${e.col}: ${e.text}`);
}

/** Parses and validates configuration text; `source` names it in errors (a file path or `<request body>`). */
export function parseConfig(text: string, source: string, format: ConfigFormat): ProxyConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: true,
    schema: format === 'json' ? 'json' : 'core',
  });
  const syntax = syntaxErrors(doc, text, source, format, lines);
  if (syntax.length) throw new ConfigError(source, syntax);
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ConfigError(source, [`${source}:1:1: ${(err as Error).message}`]);
  }
  return validate(input, source, new SourceLocator(doc, lines));
}

/** Validates an already-parsed value (e.g. built from CLI flags): errors name field paths but no position. */
export function validateConfig(input: unknown, source: string): ProxyConfig {
  return validate(input, source);
}

function validate(input: unknown, source: string, locator?: SourceLocator): ProxyConfig {
  const result = ProxyConfigSchema.safeParse(input, { error: fallbackMessage });
  if (result.success) return result.data;
  const locate = locator ?? new SourceLocator(parseDocument('{}'), new LineCounter());
  // A value can fail several checks with the same wording (e.g. -1.5 is neither an integer nor >= 0).
  const unique = new Map<string, Located>();
  for (const issue of result.error.issues) {
    for (const e of issueMessages(issue, input, locate)) if (!unique.has(e.text)) unique.set(e.text, e);
  }
  const located = [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col);
  const errors = located.map((e) => (locator ? `${source}:${e.line}:${e.col}: ${e.text}` : `${source}: ${e.text}`));
  throw new ConfigError(source, errors);
}

export function formatForPath(path: string): ConfigFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return undefined;
}

/** Loads a config file, YAML or JSON by its extension. Throws ConfigError naming the file. */
export function loadConfigFile(path: string): ProxyConfig {
  const format = formatForPath(path);
  if (!format) {
    throw new ConfigError(path, [`${path}: expected a config file ending in .yaml, .yml or .json`]);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(path, [`${path}: cannot read the config file (${e.code ?? e.message})`]);
  }
  return parseConfig(text, path, format);
}
