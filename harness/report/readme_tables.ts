import { INVARIANTS } from '../invariants';
import type { FeatureScenario } from './feature_catalog';
import { featureSlug, type ScenarioIdentity } from './scenario_ids';
import { SEED_STAGES, SEED_STEPS } from './seed_steps';

const link = (s: ScenarioIdentity) => `[${s.id}](${s.uri}#L${s.line})`;
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** A table cell names at most this many scenarios; the rest are counted (`+N more`). */
export const MAX_LINKS_PER_CELL = 4;

/** The scenario an example row belongs to: its id without the example part (a plain scenario is its own). */
function outlineOf(s: ScenarioIdentity): string {
  const feature = featureSlug(s.uri);
  const rest = s.id.startsWith(`${feature}/`) ? s.id.slice(feature.length + 1) : s.id;
  return `${feature}/${rest.split('/')[0]}`;
}

/**
 * At most MAX_LINKS_PER_CELL links, then `+N more`. The links shown favour variety: one example row per outline
 * first, so a cell is not filled by the rows of a single outline; order within each pass is the input order.
 */
export function linkCell(list: readonly ScenarioIdentity[], none: string): string {
  if (list.length === 0) return none;
  const shown: ScenarioIdentity[] = [];
  const outlines = new Set<string>();
  for (const s of list) {
    if (shown.length === MAX_LINKS_PER_CELL) break;
    const key = outlineOf(s);
    if (outlines.has(key)) continue;
    outlines.add(key);
    shown.push(s);
  }
  for (const s of list) {
    if (shown.length === MAX_LINKS_PER_CELL) break;
    if (!shown.includes(s)) shown.push(s);
  }
  const more = list.length - shown.length;
  return shown.map(link).join('<br>') + (more > 0 ? `<br>+${more} more` : '');
}

/**
 * Seed step -> scenarios tagged `@seed-<stage>.<step>`, with a row per stage for scenarios tagged with the whole
 * stage (`@seed-<stage>`): how many, and links to a few of them. Unknown seed tags get their own rows so nothing is
 * lost.
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
  const rows = ['| Seed step | What happens | Scenarios | Checked by |', '|---|---|---|---|'];
  const scenariosOf = (step: string, none: string) => {
    const list = byStep.get(step) ?? [];
    return `${list.length} | ${linkCell(list, none)}`;
  };
  for (const [stage, name] of Object.entries(SEED_STAGES)) {
    rows.push(`| **${stage}** | **${name}** (the stage as a whole) | ${scenariosOf(stage, '')} |`);
    for (const step of SEED_STEPS.filter((s) => String(s.stage) === stage)) {
      rows.push(`| ${step.step} | ${cell(step.text)} | ${scenariosOf(step.step, 'not covered yet')} |`);
    }
  }
  for (const step of unknownTags) {
    rows.push(`| ${step} | (no such step in the seed) | ${scenariosOf(step, '')} |`);
  }
  return { table: rows.join('\n'), unknownTags: unknownTags.map((s) => `@seed-${s}`) };
}

/**
 * Invariant -> scenarios that demonstrate it: tagged `@<id>` or `@inv-<id>` (id in lower case), or with a step
 * that names the id in quotes (`Then invariant "INV-01-..." was exercised`).
 */
export function invariantTable(scenarios: readonly FeatureScenario[]): string {
  const rows = ['| Invariant | Statement | Scenarios | Demonstrated by |', '|---|---|---|---|'];
  for (const inv of INVARIANTS) {
    const tags = new Set([`@${inv.id.toLowerCase()}`, `@inv-${inv.id.toLowerCase()}`]);
    const quoted = `"${inv.id}"`;
    const list = scenarios.filter((s) => s.tags.some((t) => tags.has(t)) || s.steps.some((st) => st.includes(quoted)));
    rows.push(`| ${inv.id} | ${cell(inv.statement)} | ${list.length} | ${linkCell(list, 'no scenario yet')} |`);
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
