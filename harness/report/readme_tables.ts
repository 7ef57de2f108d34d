import { INVARIANTS } from '../invariants';
import type { FeatureScenario } from './feature_catalog';
import type { ScenarioIdentity } from './scenario_ids';
import { SEED_STAGES, SEED_STEPS } from './seed_steps';

const link = (s: ScenarioIdentity) => `[${s.id}](${s.uri}#L${s.line})`;
const cell = (text: string) => text.replace(/\|/g, '\\|');

/**
 * Seed step -> scenarios tagged `@seed-<stage>.<step>`, with a row per stage for scenarios tagged with the whole
 * stage (`@seed-<stage>`). Unknown seed tags get their own rows so nothing is lost.
 */
export function seedStepTable(scenarios: readonly ScenarioIdentity[]): { table: string; unknownTags: string[] } {
  const byStep = new Map<string, ScenarioIdentity[]>();
  for (const s of scenarios) {
    for (const tag of s.tags) {
      const m = /^@seed-(\d+(?:\.\d+)?)$/.exec(tag);
      if (!m) continue;
      const list = byStep.get(m[1]) ?? [];
      list.push(s);
      byStep.set(m[1], list);
    }
  }
  const known = new Set([...SEED_STEPS.map((s) => s.step), ...Object.keys(SEED_STAGES)]);
  const unknownTags = [...byStep.keys()].filter((k) => !known.has(k)).sort();
  const rows = ['| Seed step | What happens | Checked by |', '|---|---|---|'];
  const scenariosOf = (step: string, none: string) => {
    const list = byStep.get(step) ?? [];
    return list.length > 0 ? list.map(link).join('<br>') : none;
  };
  for (const [stage, name] of Object.entries(SEED_STAGES)) {
    rows.push(`| **${stage}** | **${name}** (the stage as a whole) | ${scenariosOf(stage, '')} |`);
    for (const step of SEED_STEPS.filter((s) => String(s.stage) === stage)) {
      rows.push(`| ${step.step} | ${cell(step.text)} | ${scenariosOf(step.step, 'not covered yet')} |`);
    }
  }
  for (const step of unknownTags) {
    rows.push(`| ${step} | (no such step in the seed) | ${(byStep.get(step) ?? []).map(link).join('<br>')} |`);
  }
  return { table: rows.join('\n'), unknownTags: unknownTags.map((s) => `@seed-${s}`) };
}

/**
 * Invariant -> scenarios that demonstrate it: tagged `@<id>` or `@inv-<id>` (id in lower case), or with a step
 * that names the id in quotes (`Then invariant "INV-01-..." was exercised`).
 */
export function invariantTable(scenarios: readonly FeatureScenario[]): string {
  const rows = ['| Invariant | Statement | Demonstrated by |', '|---|---|---|'];
  for (const inv of INVARIANTS) {
    const tags = new Set([`@${inv.id.toLowerCase()}`, `@inv-${inv.id.toLowerCase()}`]);
    const quoted = `"${inv.id}"`;
    const list = scenarios.filter((s) => s.tags.some((t) => tags.has(t)) || s.steps.some((st) => st.includes(quoted)));
    rows.push(
      `| ${inv.id} | ${cell(inv.statement)} | ${list.length > 0 ? list.map(link).join('<br>') : 'no scenario yet'} |`,
    );
  }
  return rows.join('\n');
}

/** Replaces what lies between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`. */
export function replaceGenerated(text: string, name: string, content: string, file: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b < 0 || e < 0 || e < b) {
    throw new Error(`${file}: expected the markers ${begin} and, after it, ${end}`);
  }
  return `${text.slice(0, b + begin.length)}\n${content}\n${text.slice(e)}`;
}
