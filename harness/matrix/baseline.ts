import * as fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify } from 'yaml';

/**
 * A proxy's expected deviations from the suite (`baselines/<target>.yaml`): the scenarios it is known to fail at
 * one version, each with what it did and why. The matrix check passes only when a run fails exactly these.
 */
export const PROFILES = ['core', 'extended', 'envoy', 'none'] as const;
export type Profile = (typeof PROFILES)[number];

/** Written by `--record` for a new entry; the check rejects it until a human gives the reason. */
export const TODO_REASON = 'TODO';

export interface ExpectedFailure {
  /** Scenario id (harness/report/scenario_ids.ts). */
  id: string;
  profile: Profile;
  /** One line: what the proxy did. */
  observed: string;
  /** Why it deviates; for a core scenario, a verdict: the proxy violates a requirement, or the scenario is wrong. */
  reason: string;
  /**
   * Known to fail only sometimes (a race in the proxy or the scenario): either outcome is accepted. For what a
   * scenario cannot pin down yet; the reason says why, and the scenario should be fixed.
   */
  intermittent?: boolean;
  /** Line of the entry in its file (0 when built in memory). */
  line: number;
}

export interface Baseline {
  target: string;
  /** The proxy's version the baseline was recorded against, as its adapter reports it (e.g. 1.22.1). */
  version: string;
  /** YYYY-MM-DD. */
  date: string;
  expectedFailures: ExpectedFailure[];
  /** Scenarios the adapter cannot run (derived, for information; never compared). */
  notSupported: string[];
  /** Where it was read from ('' when built in memory). */
  file: string;
}

/** A baseline file that does not parse or has a bad field; the message starts with `file:line:`. */
export class BaselineError extends Error {}

const TOP_KEYS = ['target', 'version', 'date', 'expected_failures', 'not_supported'];
const ENTRY_KEYS = ['id', 'profile', 'observed', 'reason', 'intermittent'];

export function loadBaseline(file: string): Baseline {
  return parseBaseline(fs.readFileSync(file, 'utf8'), file);
}

/** Parses and validates a baseline; every error names the file, the line and the field, and what was expected. */
export function parseBaseline(text: string, file: string): Baseline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0].line ?? 1;
    throw new BaselineError(`${file}:${line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (node: Node | null | undefined, fallback = 1): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  function fail(line: number, message: string): never {
    throw new BaselineError(`${file}:${line}: ${message}`);
  }

  const root = doc.contents;
  if (!isMap(root)) fail(lineOf(root), 'expected a mapping with target, version, date, expected_failures');
  const fields = new Map<string, { keyLine: number; value: Node | null }>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const keyLine = lineOf(pair.key as Node);
    if (!TOP_KEYS.includes(key))
      fail(keyLine, `unknown field ${JSON.stringify(key)}; expected one of ${TOP_KEYS.join(', ')}`);
    fields.set(key, { keyLine, value: (pair.value as Node | null) ?? null });
  }
  const endLine = lineCounter.lineStarts.length;

  const str = (
    key: string,
    where: string,
    value: Node | null,
    line: number,
    pattern?: RegExp,
    what?: string,
  ): string => {
    if (!isScalar(value)) return fail(line, `${where}: expected ${what ?? 'a string'}`);
    if (typeof value.value !== 'string') {
      const hint = typeof value.value === 'number' ? ` (quote it: "${String(value.source ?? value.value)}")` : '';
      return fail(lineOf(value, line), `${where}: expected ${what ?? 'a string'}, got ${String(value.value)}${hint}`);
    }
    const s = value.value.trim();
    if (s === '') fail(lineOf(value, line), `${where}: expected ${what ?? 'a non-empty string'}, got an empty value`);
    if (pattern && !pattern.test(s)) fail(lineOf(value, line), `${where}: expected ${what}, got ${JSON.stringify(s)}`);
    if (/[\r\n]/.test(s) && key !== 'reason') fail(lineOf(value, line), `${where}: expected one line`);
    return s;
  };
  const required = (key: string, pattern?: RegExp, what?: string): string => {
    const f = fields.get(key);
    if (!f) return fail(1, `missing field ${key}: expected ${what ?? 'a string'}`);
    return str(key, key, f.value, f.keyLine, pattern, what);
  };

  const target = required('target', /^[A-Za-z0-9_.-]+$/, "a target name (letters, digits, '_', '.', '-')");
  const version = required('version', undefined, 'the version string the adapter reports, e.g. 1.22.1');
  const date = required('date', /^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

  const failures = fields.get('expected_failures');
  if (!failures) fail(endLine, 'missing field expected_failures: expected a list (use [] for none)');
  const expectedFailures: ExpectedFailure[] = [];
  const seen = new Map<string, number>();
  const seq = failures.value;
  if (!isSeq(seq))
    fail(lineOf(seq, failures.keyLine), 'expected_failures: expected a list of {id, profile, observed, reason}');
  for (const [i, item] of seq.items.entries()) {
    const itemNode = item as Node;
    const line = lineOf(itemNode, failures.keyLine);
    const where = `expected_failures[${i}]`;
    if (!isMap(itemNode)) fail(line, `${where}: expected a mapping with ${ENTRY_KEYS.join(', ')}`);
    const entry = new Map<string, { keyLine: number; value: Node | null }>();
    for (const pair of itemNode.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineOf(pair.key as Node, line);
      if (!ENTRY_KEYS.includes(key))
        fail(keyLine, `${where}: unknown field ${JSON.stringify(key)}; expected ${ENTRY_KEYS.join(', ')}`);
      entry.set(key, { keyLine, value: (pair.value as Node | null) ?? null });
    }
    const get = (key: string, pattern?: RegExp, what?: string): string => {
      const f = entry.get(key);
      if (!f) return fail(line, `${where}.${key}: missing; expected ${what ?? 'a string'}`);
      return str(key, `${where}.${key}`, f.value, f.keyLine, pattern, what);
    };
    const id = get('id', /^[a-z0-9_/-]+$/, 'a scenario id (lower-case words joined by -, / between parts)');
    const profile = get('profile', new RegExp(`^(${PROFILES.join('|')})$`), `one of ${PROFILES.join(', ')}`) as Profile;
    const observed = get('observed', undefined, 'one line saying what the proxy did');
    const reason = get('reason', undefined, `why the proxy deviates (or ${TODO_REASON} until someone decides)`);
    const flag = entry.get('intermittent');
    if (flag && !(isScalar(flag.value) && typeof flag.value.value === 'boolean'))
      fail(lineOf(flag.value, flag.keyLine), `${where}.intermittent: expected true or false`);
    const intermittent = flag !== undefined && isScalar(flag.value) && flag.value.value === true;
    const earlier = seen.get(id);
    if (earlier !== undefined) fail(line, `${where}.id: ${id} is listed twice (also at line ${earlier})`);
    seen.set(id, line);
    expectedFailures.push({ id, profile, observed, reason, ...(intermittent ? { intermittent } : {}), line });
  }

  const notSupported: string[] = [];
  const ns = fields.get('not_supported');
  if (ns && ns.value !== null && !(isScalar(ns.value) && ns.value.value === null)) {
    if (!isSeq(ns.value)) fail(lineOf(ns.value, ns.keyLine), 'not_supported: expected a list of scenario ids');
    ns.value.items.forEach((item, i) => {
      notSupported.push(
        str('not_supported', `not_supported[${i}]`, item as Node, ns.keyLine, /^[a-z0-9_/-]+$/, 'a scenario id'),
      );
    });
  }
  return { target, version, date, expectedFailures, notSupported, file };
}

/** The baseline as YAML, entries in the order given, with a header saying how the file is kept. */
export function renderBaseline(b: Baseline): string {
  const header = [
    `# Expected deviations of ${b.target} from the conformance suite (harness/matrix, docs/matrix.md).`,
    '# `npm run matrix -- --check` fails on any difference: a failure not listed here, or a listed scenario that passes.',
    `# \`npm run matrix -- --record ${b.target}\` rewrites this file from a run, keeping each entry's observed and reason;`,
    `# new entries get reason ${TODO_REASON}, which the check rejects. A core entry's reason must give a verdict:`,
    "# 'proxy violates <RFC section> <MUST>' or 'scenario too strict: <why>'. `intermittent: true` accepts either",
    '# outcome (a race the scenario should not have). Comments other than this header are not kept.',
  ].join('\n');
  const body = stringify(
    {
      target: b.target,
      version: b.version,
      date: b.date,
      expected_failures: b.expectedFailures.map((e) => ({
        id: e.id,
        profile: e.profile,
        observed: e.observed,
        reason: e.reason,
        ...(e.intermittent ? { intermittent: true } : {}),
      })),
      not_supported: b.notSupported,
    },
    { lineWidth: 0 },
  );
  return `${header}\n${body}`;
}
