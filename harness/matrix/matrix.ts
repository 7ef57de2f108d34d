import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScenarioIdentity } from '../report/scenario_ids';
import { featureSlug } from '../report/scenario_ids';
import type { ExpectedFailure, Profile } from './baseline';
import { type Cell, type Comparison, profileOf } from './compare';

/** The conformance matrix: proxies as columns, scenarios grouped by feature file as rows. Renderers read only this. */

/** How a proxy's column came to be. */
export type ColumnState = 'ran' | 'not-installed' | 'run-failed';

export interface ProfileCounts {
  passed: number;
  failed: number;
  xfail: number;
  notSupported: number;
}

export interface MatrixColumn {
  target: string;
  state: ColumnState;
  /** Why it did not run, or where it was found. */
  detail: string;
  /** As the adapter reported it; undefined when it did not run. */
  version?: string;
  baselineVersion?: string;
  /** The baseline's entries, for listing the reasons. */
  expected?: ExpectedFailure[];
  comparison?: Comparison;
  /** The conformance process, start to exit (image builds and proxy start-up included). */
  durationMs?: number;
  /** The suite's own wall time (cucumber's run), comparable between environments. */
  wallTimeMs?: number;
  /** With --env docker: the same proxy's suite wall time in the local matrix, when one was found. */
  localWallTimeMs?: number;
}

export interface MatrixRow {
  id: string;
  /** The id without its feature part: shorter, and unique within its group. */
  shortId: string;
  name: string;
  uri: string;
  line: number;
  profile: Profile;
}

export interface MatrixGroup {
  /** Feature slug, e.g. 'stage1_downstream_read_request'. */
  key: string;
  /** The `Feature:` line's title. */
  title: string;
  uri: string;
  rows: MatrixRow[];
}

export interface Matrix {
  /** ISO date and time of the run. */
  date: string;
  /** Where the proxies ran (npm run matrix -- --env); local when absent. */
  environment?: 'local' | 'docker';
  suite: { name: string; version: string };
  groups: MatrixGroup[];
  columns: MatrixColumn[];
}

export const SUMMARY_PROFILES: readonly Profile[] = ['core', 'extended', 'envoy'];

/** Groups in the order of the catalog (feature files sorted by path, scenarios by line). */
export function groupScenarios(catalog: readonly ScenarioIdentity[], root: string): MatrixGroup[] {
  const groups = new Map<string, MatrixGroup>();
  for (const s of catalog) {
    const key = featureSlug(s.uri);
    let g = groups.get(key);
    if (!g) {
      g = { key, title: featureTitle(path.join(root, s.uri)) ?? key, uri: s.uri, rows: [] };
      groups.set(key, g);
    }
    g.rows.push({
      id: s.id,
      shortId: s.id.startsWith(`${key}/`) ? s.id.slice(key.length + 1) : s.id,
      name: s.name,
      uri: s.uri,
      line: s.line,
      profile: profileOf(s.tags),
    });
  }
  return [...groups.values()];
}

function featureTitle(file: string): string | undefined {
  try {
    return /^\s*Feature:\s*(.+?)\s*$/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Counts per profile of a column: xpass counts as passed, flaky as xfail; fail, skip and absent as failed. */
export function profileCounts(matrix: Matrix, column: MatrixColumn): Map<Profile, ProfileCounts> {
  const out = new Map<Profile, ProfileCounts>(
    SUMMARY_PROFILES.map((p) => [p, { passed: 0, failed: 0, xfail: 0, notSupported: 0 }]),
  );
  if (!column.comparison) return out;
  for (const g of matrix.groups) {
    for (const row of g.rows) {
      const counts = out.get(row.profile);
      const cell = column.comparison.cells.get(row.id);
      if (!counts || !cell) continue;
      if (cell === 'pass' || cell === 'xpass') counts.passed++;
      else if (cell === 'xfail' || cell === 'flaky') counts.xfail++;
      else if (cell === 'n/s') counts.notSupported++;
      else counts.failed++;
    }
  }
  return out;
}

/** Does the column match its baseline? 'not installed' and a failed run are not a match. */
export function columnVerdict(column: MatrixColumn): string {
  if (column.state === 'not-installed') return 'not installed';
  if (column.state === 'run-failed' || !column.comparison) return 'run failed';
  const n = column.comparison.errors.length;
  return n === 0 ? 'matches baseline' : `${n} difference${n === 1 ? '' : 's'} from baseline`;
}

export function cellOf(column: MatrixColumn, id: string): Cell | undefined {
  return column.comparison?.cells.get(id);
}
