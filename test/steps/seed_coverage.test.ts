/**
 * Every step of the seed's five stages is checked by at least one scenario (tagged `@seed-<stage>.<step>`), and no
 * scenario names a step the seed does not have.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadScenarios } from '../../harness/report/feature_catalog';
import { SEED_STAGES, SEED_STEPS } from '../../harness/report/seed_steps';

const ROOT = path.join(__dirname, '..', '..');
const scenarios = loadScenarios(ROOT, path.join(ROOT, 'features'));
const seedTags = (tags: readonly string[]) => tags.filter((t) => t.startsWith('@seed-')).map((t) => t.slice(6));

test('every seed step is checked by at least one scenario', () => {
  const uncovered = SEED_STEPS.filter((s) => !scenarios.some((sc) => seedTags(sc.tags).includes(s.step)));
  assert.deepEqual(
    uncovered.map((s) => `${s.step} ${s.text}`),
    [],
    'seed steps no scenario is tagged with (tag a scenario that checks it @seed-<step>)',
  );
});

test('seed tags name real steps or whole stages', () => {
  const known = new Set([...SEED_STEPS.map((s) => s.step), ...Object.keys(SEED_STAGES)]);
  const unknown = scenarios.flatMap((sc) =>
    seedTags(sc.tags)
      .filter((t) => !known.has(t))
      .map((t) => `${sc.id} @seed-${t}`),
  );
  assert.deepEqual(unknown, []);
});
