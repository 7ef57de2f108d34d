import type { GherkinDocument, Pickle, Scenario, TableRow } from '@cucumber/messages';

/** A scenario (or one example row of an outline) with its stable id. */
export interface ScenarioIdentity {
  /** `<feature path under features/, without .feature>/<scenario name slug>[/<example row slug>]`. */
  id: string;
  name: string;
  uri: string;
  line: number;
  /** Tags including those inherited from the feature, rule and examples, with their '@'. */
  tags: string[];
  pickleId: string;
}

export class DuplicateScenarioIdError extends Error {}

/** Lower-case words joined by '-': 'Pipelined requests are served in order' -> 'pipelined-requests-are-served-in-order'. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** 'features/stage1_downstream_read.feature' -> 'stage1_downstream_read'. */
export function featureSlug(uri: string): string {
  const rel = uri.replace(/\\/g, '/').replace(/^(.*\/)?features\//, '');
  return rel
    .replace(/\.feature$/, '')
    .split('/')
    .map((part) =>
      part
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .join('/');
}

interface AstScenario {
  scenario: Scenario;
  rows: Map<string, TableRow>;
  /** The first cell names each row uniquely (a 'case' column): ids use it alone. */
  firstCellNames: boolean;
}

/**
 * Ids for every pickle. An example row of an outline adds the slug of its first cell when that names every row
 * uniquely, else of all its cells. Ids derive from names only (not line numbers or order), so they survive edits elsewhere
 * in the file. Two scenarios that would share an id are an error naming both places.
 */
export function scenarioIdentities(docs: readonly GherkinDocument[], pickles: readonly Pickle[]): ScenarioIdentity[] {
  const scenarios = new Map<string, AstScenario>();
  for (const doc of docs) {
    for (const child of doc.feature?.children ?? []) {
      const list = child.rule ? child.rule.children.map((c) => c.scenario) : [child.scenario];
      for (const scenario of list) {
        if (!scenario) continue;
        const rows = new Map<string, TableRow>();
        for (const ex of scenario.examples) for (const row of ex.tableBody) rows.set(row.id, row);
        const firsts = [...rows.values()].map((r) => slug(r.cells[0]?.value ?? ''));
        const firstCellNames = firsts.every((f) => f !== '') && new Set(firsts).size === firsts.length;
        scenarios.set(scenario.id, { scenario, rows, firstCellNames });
      }
    }
  }
  const seen = new Map<string, ScenarioIdentity>();
  const out: ScenarioIdentity[] = [];
  for (const pickle of pickles) {
    const ast = scenarios.get(pickle.astNodeIds[0]);
    const row =
      ast && pickle.astNodeIds.length > 1 ? ast.rows.get(pickle.astNodeIds[pickle.astNodeIds.length - 1]) : undefined;
    const name = ast?.scenario.name ?? pickle.name;
    let id = `${featureSlug(pickle.uri)}/${slug(name) || 'unnamed'}`;
    if (row && ast) {
      const cells = ast.firstCellNames ? [row.cells[0]] : row.cells;
      id += `/${slug(cells.map((c) => c.value).join(' ')) || 'row'}`;
    }
    const line = row?.location.line ?? ast?.scenario.location.line ?? pickle.location?.line ?? 0;
    const identity: ScenarioIdentity = {
      id,
      name: pickle.name,
      uri: pickle.uri,
      line,
      tags: pickle.tags.map((t) => t.name),
      pickleId: pickle.id,
    };
    const earlier = seen.get(id);
    if (earlier) {
      throw new DuplicateScenarioIdError(
        `duplicate scenario id ${id}: ${earlier.uri}:${earlier.line} and ${identity.uri}:${identity.line} ` +
          '(rename one scenario, or make the example rows differ)',
      );
    }
    seen.set(id, identity);
    out.push(identity);
  }
  return out;
}
