/**
 * invariants.feature only: proves a scenario exercised an always-on invariant (the checker examined at least one
 * case), so the invariant is not holding vacuously. Violations fail every scenario in the After hook.
 */
import { Then } from '@cucumber/cucumber';
import type { ConformanceWorld } from './world';

Then('invariant {string} was exercised', async function (this: ConformanceWorld, id: string) {
  await this.settle();
  const results = await this.invariantResults();
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no invariant "${id}"; known: ${results.map((x) => x.id).join(', ')}`);
  if (r.exercised < 1)
    throw new Error(`invariant ${id} was not exercised by this scenario (0 cases examined)\nstatement: ${r.statement}`);
});
