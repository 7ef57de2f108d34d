import { knownTargets } from '../adapters';
import { DOCKER_TARGETS } from '../docker/images';
import { MATRIX_TARGETS } from './targets';

/** Where the proxies run: processes on this machine, or containers (`npm run conformance -- --env docker`). */
export type MatrixEnv = 'local' | 'docker';

/** Command-line options of `npm run matrix -- [options]`. */
export interface MatrixOptions {
  /** Explicit --targets, else undefined (every matrix target, or the recorded ones). */
  targets: string[] | undefined;
  check: boolean;
  record: string[];
  reportDir: string;
  /** Proxies run at once. */
  parallel: number;
  strictVersion: boolean;
  updateDocs: boolean;
  /** Read each proxy's results from an earlier run in the report directory instead of running it. */
  reuse: boolean;
  baselinesDir: string;
  env: MatrixEnv;
  /** With --env docker: a local matrix's report directory, whose wall times are shown beside the docker ones. */
  localReportDir: string;
  /** A proxy's whole run is stopped after this long. */
  timeoutMs: number;
  help: boolean;
}

export class MatrixUsageError extends Error {}

export const MATRIX_USAGE = `Usage: npm run matrix -- [options]

Runs the conformance suite against every installed proxy (${MATRIX_TARGETS.join(', ')}), one after another,
compares each with its baseline of expected deviations (baselines/<proxy>.yaml), and writes the conformance matrix
as matrix.md and matrix.html in the report directory.

Options:
  --targets A,B,...   proxies to run (default: all of the above; skipped when not installed)
  --env local|docker  where each proxy runs (default: local). docker: \`npm run conformance -- --env docker\` for
                      each proxy that has a container image (${DOCKER_TARGETS.join(', ')}; the default targets),
                      checked against the same baselines; reports go to reports/matrix-docker and each proxy's
                      wall time is shown beside the local one found in --local-report-dir
  --local-report-dir DIR  with --env docker: the local matrix's report directory (default: reports/matrix)
  --check             exit 1 unless every proxy ran and its results equal its baseline (CI); a proxy that is not
                      installed is then an error
  --strict-version    with --check, a proxy whose version differs from its baseline's fails (default: a warning)
  --record A,B|all    write baselines/<proxy>.yaml from this run, keeping the observed text and reason of entries
                      already there; new entries get reason TODO, which --check rejects until someone writes it.
                      Without --targets, runs only the recorded proxies
  --report-dir DIR    where each proxy's reports (DIR/<proxy>/) and the matrix go (default: reports/matrix)
  --parallel N        proxies run at once (default: 1; more makes timing-sensitive scenarios less reliable)
  --timeout SECONDS   stop a proxy's run after this long (default: 300)
  --update-docs       also write docs/matrix.md and docs/matrix.html (needs the full local matrix: no --targets)
  --reuse             do not run: read each proxy's results left in DIR/<proxy>/ by an earlier run
  --baselines DIR     where the baselines are (default: baselines)
  --help              show this help

Exit status: 0 (with --check: only when every proxy's results equal its baseline); 1 when --check finds a
difference; 2 for a bad command line.`;

const WITH_VALUE = new Set([
  '--targets',
  '--record',
  '--report-dir',
  '--parallel',
  '--timeout',
  '--baselines',
  '--env',
  '--local-report-dir',
]);
const FLAGS = new Set(['--check', '--strict-version', '--update-docs', '--reuse', '--help', '-h']);

export function parseMatrixOptions(argv: readonly string[]): MatrixOptions {
  const o: MatrixOptions = {
    targets: undefined,
    check: false,
    record: [],
    reportDir: '',
    parallel: 1,
    strictVersion: false,
    updateDocs: false,
    reuse: false,
    baselinesDir: 'baselines',
    env: 'local',
    localReportDir: 'reports/matrix',
    timeoutMs: 300_000,
    help: false,
  };
  const known = knownTargets();
  const targetList = (flag: string, value: string, allowAll: boolean): string[] => {
    if (allowAll && value === 'all') return [...MATRIX_TARGETS];
    const list = value.split(',').map((t) => t.trim());
    for (const t of list) {
      if (!known.includes(t))
        throw new MatrixUsageError(`${flag}: unknown target ${JSON.stringify(t)}; known targets: ${known.join(', ')}`);
    }
    return [...new Set(list)];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (FLAGS.has(flag)) {
      if (eq > 0) throw new MatrixUsageError(`${flag} takes no value (got ${JSON.stringify(arg)})`);
      if (flag === '--check') o.check = true;
      else if (flag === '--strict-version') o.strictVersion = true;
      else if (flag === '--update-docs') o.updateDocs = true;
      else if (flag === '--reuse') o.reuse = true;
      else o.help = true;
      continue;
    }
    if (!WITH_VALUE.has(flag))
      throw new MatrixUsageError(
        flag.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(arg)}`,
      );
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new MatrixUsageError(`${flag} needs a value`);
      value = next;
      i++;
    }
    if (value === '') throw new MatrixUsageError(`${flag} needs a non-empty value`);
    switch (flag) {
      case '--targets':
        o.targets = targetList(flag, value, false);
        break;
      case '--record':
        o.record = targetList(flag, value, true);
        break;
      case '--report-dir':
        o.reportDir = value;
        break;
      case '--baselines':
        o.baselinesDir = value;
        break;
      case '--env':
        if (value !== 'local' && value !== 'docker')
          throw new MatrixUsageError(`--env ${JSON.stringify(value)}: expected local or docker`);
        o.env = value;
        break;
      case '--local-report-dir':
        o.localReportDir = value;
        break;
      case '--parallel':
        if (!/^[1-9][0-9]?$/.test(value))
          throw new MatrixUsageError(
            `--parallel ${JSON.stringify(value)}: expected a whole number of proxies from 1 to 99`,
          );
        o.parallel = Number(value);
        break;
      case '--timeout':
        if (!/^[1-9][0-9]*$/.test(value))
          throw new MatrixUsageError(`--timeout ${JSON.stringify(value)}: expected a whole number of seconds`);
        o.timeoutMs = Number(value) * 1000;
        break;
    }
  }
  if (o.reportDir === '') o.reportDir = o.env === 'docker' ? 'reports/matrix-docker' : 'reports/matrix';
  if (o.env === 'docker') {
    const noImage = (o.targets ?? []).filter((t) => !(DOCKER_TARGETS as readonly string[]).includes(t));
    if (noImage.length > 0)
      throw new MatrixUsageError(
        `--env docker: no container image for ${noImage.join(', ')}; docker targets: ${DOCKER_TARGETS.join(', ')}`,
      );
    // The baselines and docs/matrix describe the proxies as released; a docker run is checked against them.
    if (o.record.length > 0)
      throw new MatrixUsageError('--record writes the baselines from a local run: drop --env docker');
    if (o.updateDocs)
      throw new MatrixUsageError('--update-docs writes the local matrix (docs/matrix.md): drop --env docker');
  }
  if (o.targets && o.record.length > 0) {
    const missing = o.record.filter((t) => !o.targets?.includes(t));
    if (missing.length > 0)
      throw new MatrixUsageError(`--record ${missing.join(',')}: not among --targets ${o.targets.join(',')}`);
  }
  if (o.updateDocs && (o.targets || o.record.length > 0) && !coversMatrix(o.targets ?? o.record))
    throw new MatrixUsageError(
      `--update-docs writes the full matrix: run every proxy (drop --targets, or record all), not ${(o.targets ?? o.record).join(',')}`,
    );
  return o;
}

/** The targets a run covers. */
export function selectedTargets(o: MatrixOptions): string[] {
  if (o.env === 'docker')
    return o.targets ?? MATRIX_TARGETS.filter((t) => (DOCKER_TARGETS as readonly string[]).includes(t));
  return o.targets ?? (o.record.length > 0 ? o.record : [...MATRIX_TARGETS]);
}

function coversMatrix(list: readonly string[]): boolean {
  return MATRIX_TARGETS.every((t) => list.includes(t));
}
