/**
 * Writes the generated tables of README.md from the feature files: seed stage steps -> scenarios (@seed-N.M tags)
 * and invariants -> demonstrating scenarios (@inv-... tags).
 *
 *   node -r ts-node/register/transpile-only scripts/gen-readme-tables.ts [--check] [--readme FILE] [--features DIR]
 *
 * --check writes nothing and exits 1 when README.md is out of date (for CI). Without a README.md the tables are
 * printed instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { loadScenarios } from '../harness/report/feature_catalog';
import { invariantTable, replaceGenerated, seedStepTable } from '../harness/report/readme_tables';

const ROOT = path.resolve(__dirname, '..');

export function run(argv: readonly string[], out: Writable = process.stdout, err: Writable = process.stderr): number {
  let check = false;
  let readme = path.join(ROOT, 'README.md');
  let features = path.join(ROOT, 'features');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if ((a === '--readme' || a === '--features') && argv[i + 1] !== undefined) {
      const value = path.resolve(argv[++i]);
      if (a === '--readme') readme = value;
      else features = value;
    } else {
      err.write(
        `gen-readme-tables: unknown or incomplete option ${JSON.stringify(a)} (expected --check, --readme FILE, --features DIR)\n`,
      );
      return 2;
    }
  }
  try {
    const scenarios = loadScenarios(ROOT, features);
    const seed = seedStepTable(scenarios);
    for (const tag of seed.unknownTags) err.write(`gen-readme-tables: warning: ${tag} names no step of the seed\n`);
    const invariants = invariantTable(scenarios);
    if (!fs.existsSync(readme)) {
      err.write(`gen-readme-tables: ${path.relative(ROOT, readme)} does not exist yet; the tables are:\n`);
      out.write(`${seed.table}\n\n${invariants}\n`);
      return 0;
    }
    const before = fs.readFileSync(readme, 'utf8');
    const file = path.relative(ROOT, readme);
    const after = replaceGenerated(
      replaceGenerated(before, 'seed-steps', seed.table, file),
      'invariants',
      invariants,
      file,
    );
    if (check) {
      if (after === before) return 0;
      err.write(`gen-readme-tables: ${file} is out of date: run scripts/gen-readme-tables.ts and commit the result\n`);
      return 1;
    }
    if (after !== before) fs.writeFileSync(readme, after);
    out.write(
      `gen-readme-tables: ${file} ${after === before ? 'already up to date' : 'updated'} (${scenarios.length} scenarios)\n`,
    );
    return 0;
  } catch (e) {
    err.write(`gen-readme-tables: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = run(process.argv.slice(2));
