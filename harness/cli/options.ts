import parseTagExpression from '@cucumber/tag-expressions';
import {
  composeProjectProblem,
  DEFAULT_COMPOSE_PROJECT,
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
} from '../environment_kind';

/** Command-line options of `npm run conformance -- [options]`. */
export interface ConformanceOptions {
  target: string;
  env: EnvironmentKind;
  /** The compose project `--env compose` attaches to. */
  composeProject: string;
  tags: string;
  failFast: boolean;
  parallel: number;
  dryRun: boolean;
  reportDir: string;
  help: boolean;
}

/** A bad command line: the message names the flag; the CLI exits 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: npm run conformance -- [options]

Runs the HTTP/1.1 reverse-proxy conformance suite (features/**/*.feature) against a target proxy and writes
reports (Cucumber HTML, JSON, JUnit XML, message NDJSON, conformance-report.json/.yaml).

Options:
  --target NAME      proxy adapter to test (default: reference); steps see it as CONFORMANCE_TARGET
  --env local|docker|compose
                     where the target runs (default: local); docker: the proxy and the upstream agent in
                     containers on a network of the run's own (targets reference, nginx, haproxy, caddy; needs
                     a Docker engine); compose: the running docker-compose.yml stack, left as found (target
                     reference only; --parallel 0 or 1: the stack has one proxy configuration)
  --compose-project NAME
                     the compose project --env compose attaches to (default: h1pc)
  --tags EXPR        Cucumber tag expression, e.g. '@core and not @stage-4'
  --fail-fast        stop at the first failing scenario
  --parallel N       run scenarios in N worker processes (default: 0, in this process)
  --dry-run          list the selected scenarios (id, name, tags) without running them
  --report-dir DIR   where reports go (default: reports/)
  --help             show this help

Exit status: 0 when every selected scenario passed or is not supported by the target; 1 when any failed, was
skipped, or has undefined, ambiguous or pending steps; 2 for a bad command line or configuration.`;

const WITH_VALUE = new Set(['--target', '--env', '--compose-project', '--tags', '--parallel', '--report-dir']);
const FLAGS = new Set(['--fail-fast', '--dry-run', '--help', '-h']);

export function parseOptions(argv: readonly string[]): ConformanceOptions {
  const o: ConformanceOptions = {
    target: 'reference',
    env: 'local',
    composeProject: DEFAULT_COMPOSE_PROJECT,
    tags: '',
    failFast: false,
    parallel: 0,
    dryRun: false,
    reportDir: 'reports',
    help: false,
  };
  let composeProjectGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (FLAGS.has(flag)) {
      if (eq > 0) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(arg)})`);
      if (flag === '--fail-fast') o.failFast = true;
      else if (flag === '--dry-run') o.dryRun = true;
      else o.help = true;
      continue;
    }
    if (!WITH_VALUE.has(flag)) {
      throw new UsageError(
        flag.startsWith('-')
          ? `unknown option ${flag}`
          : `unexpected argument ${JSON.stringify(arg)} (options start with --)`,
      );
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`${flag} needs a value`);
      value = next;
      i++;
    }
    if (value === '') throw new UsageError(`${flag} needs a non-empty value`);
    switch (flag) {
      case '--target':
        if (!/^[A-Za-z0-9_.-]+$/.test(value))
          throw new UsageError(`--target ${JSON.stringify(value)}: expected a name of letters, digits, '_', '.', '-'`);
        o.target = value;
        break;
      case '--env':
        {
          const kind = ENVIRONMENT_KINDS.find((k) => k === value);
          if (!kind) throw new UsageError(`--env ${JSON.stringify(value)}: expected ${ENVIRONMENT_KINDS.join(', ')}`);
          o.env = kind;
        }
        break;
      case '--compose-project':
        {
          const bad = composeProjectProblem(value);
          if (bad) throw new UsageError(`--compose-project ${JSON.stringify(value)}: ${bad}`);
        }
        o.composeProject = value;
        composeProjectGiven = true;
        break;
      case '--tags':
        try {
          parseTagExpression(value);
        } catch (err) {
          throw new UsageError(`--tags ${JSON.stringify(value)}: ${(err as Error).message}`);
        }
        o.tags = value;
        break;
      case '--parallel':
        if (!/^[0-9]+$/.test(value) || Number(value) > 64)
          throw new UsageError(`--parallel ${JSON.stringify(value)}: expected a whole number of workers from 0 to 64`);
        o.parallel = Number(value);
        break;
      case '--report-dir':
        o.reportDir = value;
        break;
    }
  }
  if (o.env === 'compose') {
    if (o.target !== 'reference')
      throw new UsageError(
        `--env compose: the compose stack runs the reference only, not --target ${o.target}; use --env docker or --env local`,
      );
    // One proxy, one admin configuration: two workers would reconfigure it under each other's scenarios.
    if (o.parallel > 1)
      throw new UsageError(
        `--env compose: --parallel ${o.parallel} is not supported (the stack has one reference, reconfigured per scenario); use --parallel 0 or 1, or --env docker for parallel runs`,
      );
  } else if (composeProjectGiven) throw new UsageError('--compose-project needs --env compose');
  return o;
}

/** The command line that reproduces a run (for the report). */
export function reproduceCommand(o: ConformanceOptions): string {
  const parts = ['npm run conformance --', '--target', o.target, '--env', o.env];
  if (o.env === 'compose' && o.composeProject !== DEFAULT_COMPOSE_PROJECT)
    parts.push('--compose-project', o.composeProject);
  if (o.tags !== '') parts.push('--tags', shellQuote(o.tags));
  return parts.join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9@_.\-/]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
