/**
 * The feature files' house rules, checked on the parsed Gherkin: one When per scenario, a stage tag, at least one
 * requirement tag, exactly one profile, known @needs- capabilities, enough scenarios per stage.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator, type Pickle } from '@cucumber/messages';
import { CAPABILITIES } from '../../steps/support/capabilities';

const FEATURES = path.join(__dirname, '..', '..', 'features');
const PROFILES = ['@core', '@extended', '@envoy'];
const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set(CAPABILITIES);

interface Parsed {
  file: string;
  pickles: readonly Pickle[];
  /** Keyword of each step by its AST id ('Given ', 'When ', 'And ', ...), resolved to Given/When/Then. */
  kindOf: Map<string, string>;
  scenarioHeadings: number;
}

function parseAll(): Parsed[] {
  return fs
    .readdirSync(FEATURES)
    .filter((f) => f.endsWith('.feature'))
    .map((file) => {
      const newId = IdGenerator.incrementing();
      const doc = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(
        fs.readFileSync(path.join(FEATURES, file), 'utf8'),
      );
      const kindOf = new Map<string, string>();
      let scenarioHeadings = 0;
      for (const child of doc.feature?.children ?? []) {
        const steps = child.background?.steps ?? child.scenario?.steps ?? [];
        if (child.scenario) scenarioHeadings++;
        let last = '';
        for (const s of steps) {
          const kw = s.keyword.trim();
          if (kw === 'Given' || kw === 'When' || kw === 'Then') last = kw;
          kindOf.set(s.id, last);
        }
      }
      return { file, pickles: compile(doc, file, newId), kindOf, scenarioHeadings };
    });
}

const parsed = parseAll();

test('every scenario has exactly one When, and the Background has none', () => {
  for (const p of parsed)
    for (const pickle of p.pickles) {
      const kinds = pickle.steps.map((s) => p.kindOf.get(s.astNodeIds[0]));
      assert.equal(kinds.filter((k) => k === 'When').length, 1, `${p.file}: "${pickle.name}" must have one When`);
    }
});

test('every scenario names its stage, a requirement and exactly one profile', () => {
  for (const p of parsed)
    for (const pickle of p.pickles) {
      const tags = pickle.tags.map((t) => t.name);
      const where = `${p.file}: "${pickle.name}" (tags ${tags.join(' ')})`;
      assert.ok(
        tags.some((t) => /^@stage-[1-5]$/.test(t) || t === '@invariant'),
        `${where}: no stage tag`,
      );
      assert.ok(
        tags.some((t) => /^@(rfc\d+|seed)-/.test(t) || /^@rfc\d+$/.test(t)),
        `${where}: no requirement tag`,
      );
      assert.equal(tags.filter((t) => PROFILES.includes(t)).length, 1, `${where}: needs exactly one of ${PROFILES}`);
      for (const t of tags.filter((x) => x.startsWith('@needs-')))
        assert.ok(KNOWN_CAPABILITIES.has(t.slice('@needs-'.length)), `${where}: unknown capability ${t}`);
    }
});

test('the stage tag matches the feature file', () => {
  for (const p of parsed) {
    const stage = /^stage(\d)_/.exec(p.file)?.[1];
    const expected = stage ? `@stage-${stage}` : '@invariant';
    for (const pickle of p.pickles)
      assert.ok(
        pickle.tags.some((t) => t.name === expected),
        `${p.file}: "${pickle.name}" should carry ${expected}`,
      );
  }
});

test('at least 10 scenarios per stage and 65 in all', () => {
  let total = 0;
  for (const p of parsed) {
    total += p.pickles.length;
    if (p.file.startsWith('stage')) assert.ok(p.scenarioHeadings >= 10, `${p.file}: ${p.scenarioHeadings} scenarios`);
  }
  assert.ok(total >= 65, `${total} scenarios in all`);
});

test('proxy-trace steps appear only in scenarios tagged @needs-proxy-trace', () => {
  for (const p of parsed)
    for (const pickle of p.pickles) {
      // `the proxy emitted "x"` (order) and `the proxy's "x" ...` (fields); `the proxy's response timeout` is a Given.
      const usesTrace = pickle.steps.some((s) => /the proxy emitted|the proxy's "/.test(s.text));
      const tagged = pickle.tags.some((t) => t.name === '@needs-proxy-trace');
      assert.equal(usesTrace, tagged, `${p.file}: "${pickle.name}" trace steps vs @needs-proxy-trace`);
    }
});
