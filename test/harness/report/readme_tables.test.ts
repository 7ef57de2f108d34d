import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { FeatureScenario } from '../../../harness/report/feature_catalog';
import { invariantTable, replaceGenerated, seedStepTable } from '../../../harness/report/readme_tables';
import { run } from '../../../scripts/gen-readme-tables';

const scenario = (id: string, tags: string[], steps: string[] = []): FeatureScenario => ({
  id,
  name: id,
  uri: `features/${id.split('/')[0]}.feature`,
  line: 7,
  tags,
  pickleId: id,
  steps,
});

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('README tables', () => {
  it('maps seed steps and whole stages to the scenarios tagged with them, keeping unknown tags', () => {
    const { table, unknownTags } = seedStepTable([
      scenario('stage1/a', ['@seed-1.5', '@core']),
      scenario('stage4/b', ['@seed-4']),
      scenario('stage9/c', ['@seed-9.9']),
    ]);
    assert.match(
      table,
      /^\| 1\.5 \| onMessageCompleteBase\(\) first stops .* \| \[stage1\/a\]\(features\/stage1\.feature#L7\) \|$/m,
    );
    assert.match(
      table,
      /^\| \*\*4\*\* \| \*\*Upstream read response\*\* \(the stage as a whole\) \| 1 \| \[stage4\/b\]/m,
    );
    assert.match(table, /^\| 1\.1 \| .* \| 0 \| not covered yet \|$/m);
    assert.match(table, /^\| 9\.9 \| \(no such step in the seed\) \| 1 \| \[stage9\/c\]/m);
    assert.deepEqual(unknownTags, ['@seed-9.9']);
  });

  it('counts the scenarios of a step and links at most four, one example row per outline first', () => {
    const rows = ['a', 'b', 'c', 'd', 'e'].map((x) => scenario(`stage2/outline/${x}`, ['@seed-2.3']));
    const { table } = seedStepTable([...rows, scenario('stage2/plain', ['@seed-2.3'])]);
    const row = table.split('\n').find((l) => l.startsWith('| 2.3 |')) ?? '';
    assert.match(row, /^\| 2\.3 \| .* \| 6 \| /);
    assert.equal((row.match(/\]\(/g) ?? []).length, 4, row);
    assert.match(row, /\[stage2\/outline\/a\].*<br>\[stage2\/plain\].*<br>\[stage2\/outline\/b\]/);
    assert.match(row, /<br>\+2 more \|$/);
    const few = seedStepTable([scenario('stage2/plain', ['@seed-2.3'])]).table;
    assert.doesNotMatch(few, /more/);
  });

  it('finds the scenarios demonstrating an invariant by tag or by a step naming it', () => {
    const table = invariantTable([
      scenario('inv/a', ['@inv-01-no-early-bytes']),
      scenario('inv/b', ['@inv-inv-01-no-early-bytes']),
      scenario('inv/c', [], ['invariant "INV-02-ONE-OUTSTANDING-REQUEST" was exercised']),
    ]);
    assert.match(table, /^\| INV-01-NO-EARLY-BYTES \| .* \| \[inv\/a\].*<br>\[inv\/b\]/m);
    assert.match(table, /^\| INV-02-ONE-OUTSTANDING-REQUEST \| .* \| \[inv\/c\]/m);
    assert.match(table, /^\| INV-03-PIPELINE-WAITS-FOR-UPSTREAM \| .* \| no scenario yet \|$/m);
  });

  it('replaces only what lies between the markers, and names missing markers', () => {
    const text = 'a\n<!-- BEGIN GENERATED: x -->\nold\n<!-- END GENERATED: x -->\nb\n';
    assert.equal(
      replaceGenerated(text, 'x', 'new', 'R.md'),
      'a\n<!-- BEGIN GENERATED: x -->\nnew\n<!-- END GENERATED: x -->\nb\n',
    );
    assert.throws(
      () => replaceGenerated('nothing', 'x', 'new', 'R.md'),
      /R\.md: expected the markers <!-- BEGIN GENERATED: x -->/,
    );
  });
});

describe('scripts/gen-readme-tables.ts', () => {
  const setup = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    dirs.push(dir);
    const features = path.join(dir, 'features');
    fs.mkdirSync(features);
    fs.writeFileSync(
      path.join(features, 'stage1.feature'),
      'Feature: F\n  @seed-1.5\n  Scenario: Reads stop\n    Given x\n',
    );
    const readme = path.join(dir, 'README.md');
    fs.writeFileSync(
      readme,
      '# T\n<!-- BEGIN GENERATED: seed-steps -->\n<!-- END GENERATED: seed-steps -->\n<!-- BEGIN GENERATED: invariants -->\n<!-- END GENERATED: invariants -->\n',
    );
    return { features, readme };
  };

  it('writes the tables, then --check passes until a feature changes', () => {
    const { features, readme } = setup();
    const args = ['--readme', readme, '--features', features];
    assert.equal(run(args, sink(), sink()), 0);
    assert.match(fs.readFileSync(readme, 'utf8'), /\| 1\.5 \| .*\[stage1\/reads-stop\]/);
    assert.equal(run([...args, '--check'], sink(), sink()), 0);
    fs.writeFileSync(
      path.join(features, 'stage1.feature'),
      'Feature: F\n  @seed-1.6\n  Scenario: Reads stop\n    Given x\n',
    );
    const err = sink();
    assert.equal(run([...args, '--check'], sink(), err), 1);
    assert.match(err.text, /README\.md is out of date/);
  });

  it('prints the tables when there is no README, and fails on a bad feature or missing markers', () => {
    const { features, readme } = setup();
    fs.rmSync(readme);
    const out = sink();
    assert.equal(run(['--readme', readme, '--features', features], out, sink()), 0);
    assert.match(out.text, /\| Invariant \| Statement \| Scenarios \| Demonstrated by \|/);
    fs.writeFileSync(readme, '# no markers\n');
    const err = sink();
    assert.equal(run(['--readme', readme, '--features', features], sink(), err), 1);
    assert.match(err.text, /expected the markers <!-- BEGIN GENERATED: seed-steps -->/);
    fs.writeFileSync(path.join(features, 'bad.feature'), 'Feature: F\n  Scenario: S\n    Given x\n  Nonsense line\n');
    const parseErr = sink();
    assert.equal(run(['--readme', readme, '--features', features], sink(), parseErr), 1);
    assert.match(parseErr.text, /features\/bad\.feature:4:3: expected: .*got 'Nonsense line'/);
  });
});
