/**
 * `npm run conformance -- [options]`: runs the feature files against one target proxy through Cucumber's
 * programmatic API, shows progress, prints a summary per stage and per profile, and writes the reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfiguration, runCucumber } from '@cucumber/cucumber/api';
import type { Envelope } from '@cucumber/messages';
import { COMPOSE_PROJECT_ENV } from '../environment_kind';
import { buildConformanceReport, writeConformanceReport } from '../report/conformance_report';
import { loadScenarios } from '../report/feature_catalog';
import { readImplementationInfo } from '../report/implementation_info';
import { isFailure, readEnvelopes, resultsFromEnvelopes, type ScenarioResult } from '../report/run_results';
import { DuplicateScenarioIdError } from '../report/scenario_ids';
import { summaryTable } from '../report/summary';
import { type ConformanceOptions, parseOptions, reproduceCommand, USAGE, UsageError } from './options';

/** The suite's root: cucumber.js, package.json, features/ and steps/ are found here. */
const SUITE_ROOT = path.resolve(__dirname, '..', '..');

/** Report file names inside the report directory. */
export const REPORT_FILES = {
  html: 'cucumber.html',
  json: 'cucumber.json',
  junit: 'cucumber-junit.xml',
  message: 'cucumber-messages.ndjson',
} as const;

export interface CliIo {
  /** Another suite root (the CLI's own tests run it on a fixture suite). */
  root?: string;
  out?: Writable;
  err?: Writable;
}

/** Runs the command; resolves with the exit status. */
export async function main(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const ROOT = io.root ?? SUITE_ROOT;
  const out = io.out ?? process.stdout;
  const errOut = io.err ?? process.stderr;
  let options: ConformanceOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      errOut.write(`conformance: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  if (options.env === 'docker' && !options.dryRun) {
    const status = await prepareDocker(options.target, errOut);
    if (status !== 0) return status;
  }
  if (options.env === 'compose' && !options.dryRun) {
    const status = await checkComposeStack(options.composeProject, errOut);
    if (status !== 0) return status;
  }
  const reportDir = path.resolve(ROOT, options.reportDir);
  // Steps (also in parallel workers, which inherit the environment) read these.
  process.env.CONFORMANCE_TARGET = options.target;
  process.env.CONFORMANCE_ENV = options.env;
  process.env[COMPOSE_PROJECT_ENV] = options.composeProject;
  process.env.CONFORMANCE_REPORT_DIR = reportDir;

  let runConfiguration: Awaited<ReturnType<typeof loadConfiguration>>['runConfiguration'];
  try {
    ({ runConfiguration } = await loadConfiguration(
      {
        // Relative: Cucumber joins it to the cwd.
        file: 'cucumber.js',
        provided: {
          ...(options.tags !== '' ? { tags: options.tags } : {}),
          failFast: options.failFast,
          parallel: options.parallel,
          dryRun: options.dryRun,
        },
      },
      { cwd: ROOT },
    ));
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ` (${((err as Error).cause as Error).message})` : '';
    errOut.write(`conformance: cannot load ${path.join(ROOT, 'cucumber.js')}: ${(err as Error).message}${cause}\n`);
    return 2;
  }
  // Duplicate ids are a suite bug: refuse before spending a run on it (parse errors are Cucumber's to report).
  try {
    loadScenarios(ROOT, path.join(ROOT, 'features'));
  } catch (err) {
    if (err instanceof DuplicateScenarioIdError) {
      errOut.write(`conformance: ${err.message}\n`);
      return 2;
    }
  }
  const envelopes: Envelope[] = [];
  const runStartMs = Date.now();
  if (options.dryRun) {
    runConfiguration.formats = { ...runConfiguration.formats, stdout: 'summary', files: {} };
  } else {
    fs.mkdirSync(reportDir, { recursive: true });
    const files: Record<string, string> = {};
    for (const [format, name] of Object.entries(REPORT_FILES)) files[path.join(reportDir, name)] = format;
    runConfiguration.formats = {
      ...runConfiguration.formats,
      stdout: out === process.stdout && process.stdout.isTTY ? 'progress-bar' : 'progress',
      files,
    };
  }
  const stdout = options.dryRun ? discard() : out;
  try {
    await runCucumber(runConfiguration, { cwd: ROOT, stdout, stderr: errOut, env: process.env }, (e) =>
      envelopes.push(e),
    );
  } catch (err) {
    // Bad tag expressions and unloadable step files end here.
    errOut.write(`conformance: ${(err as Error).message}\n`);
    return 2;
  }
  const parseErrors = envelopes.filter((e) => e.parseError);
  if (parseErrors.length > 0) {
    for (const e of parseErrors) {
      const p = e.parseError!;
      errOut.write(`conformance: ${p.source.uri}:${p.source.location?.line ?? '?'}: ${p.message}\n`);
    }
    return 2;
  }

  let scenarios: ScenarioResult[];
  let wallTimeMs: number;
  // The report is built from the NDJSON file the message formatter wrote, the artefact users keep.
  const ndjson = path.join(reportDir, REPORT_FILES.message);
  const source = options.dryRun ? envelopes : readEnvelopes(ndjson);
  try {
    ({ scenarios, wallTimeMs } = resultsFromEnvelopes(source));
  } catch (err) {
    if (err instanceof DuplicateScenarioIdError) {
      errOut.write(`conformance: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  if (options.dryRun) {
    out.write(scenarioList(scenarios));
    const failing = scenarios.filter((s) => isFailure(s, true));
    for (const s of failing)
      out.write(`  ${s.status} steps in ${s.id} (${s.uri}:${s.line})${s.message ? `: ${s.message}` : ''}\n`);
    return failing.length > 0 ? 1 : 0;
  }

  out.write(`\n${summaryTable(scenarios, wallTimeMs, false)}\n`);
  const implementation = readImplementationInfo(reportDir, runStartMs - 1000) ?? {
    name: options.target,
    version: 'unknown',
  };
  const report = buildConformanceReport(source, {
    implementation,
    suite: suiteInfo(SUITE_ROOT),
    date: new Date().toISOString(),
    // The report knows local and docker; a compose stack is docker-hosted (reproduce names --env compose).
    mode: options.env,
    target: options.target,
    tags: options.tags,
    reproduce: reproduceCommand(options),
  });
  const written = writeConformanceReport(report, reportDir);
  const shown = path.relative(process.cwd(), reportDir);
  out.write(
    `\nreports in ${shown === '' ? '.' : shown.startsWith('..') ? reportDir : shown}/: ${[...Object.values(REPORT_FILES), path.basename(written.json), path.basename(written.yaml)].join(', ')}\n`,
  );
  if (scenarios.length === 0) {
    errOut.write('conformance: no scenario matched (check --tags and the features/ directory)\n');
    return 1;
  }
  return scenarios.some((s) => isFailure(s, false)) ? 1 : 0;
}

/**
 * `--env docker`: stops at once (exit 2) without an engine or for a target without a docker adapter; else builds
 * or finds the images once here, so cucumber workers (which inherit the environment) do not each build them.
 */
async function prepareDocker(target: string, errOut: Writable): Promise<number> {
  // Loaded only for docker runs: testcontainers is heavy, and local runs must not depend on it.
  const docker = await import('../docker/index');
  if (!(docker.DOCKER_TARGETS as readonly string[]).includes(target)) {
    errOut.write(
      `conformance: --env docker: no container image for target ${JSON.stringify(target)} ` +
        `(docker targets: ${docker.DOCKER_TARGETS.join(', ')}); use --env local\n`,
    );
    return 2;
  }
  const endpoint = docker.dockerEndpoint();
  const why = await docker.probeEngine(endpoint);
  if (why !== undefined) {
    errOut.write(`conformance: ${docker.noEngineMessage(endpoint, why)}\n`);
    return 2;
  }
  try {
    const started = Date.now();
    const images = await docker.ensureImages([target]);
    process.env[docker.IMAGES_ENV] = JSON.stringify(images);
    errOut.write(
      `conformance: docker images ready in ${Date.now() - started} ms: ${Object.values(images).join(', ')}\n`,
    );
  } catch (err) {
    errOut.write(`conformance: --env docker: ${(err as Error).message}\n`);
    return 2;
  }
  return 0;
}

/**
 * `--env compose`: stops at once (exit 2) without an engine or when the stack is not up (not there, not
 * running, or its containers not reachable from this host), saying which command brings it up.
 */
async function checkComposeStack(project: string, errOut: Writable): Promise<number> {
  // Loaded only for compose runs, as for docker.
  const docker = await import('../docker/index');
  const endpoint = docker.dockerEndpoint();
  const why = await docker.probeEngine(endpoint);
  if (why !== undefined) {
    errOut.write(`conformance: ${docker.noEngineMessage(endpoint, why)}\n`);
    return 2;
  }
  try {
    const { ComposeStack } = await import('../docker/compose_stack');
    const stack = await new ComposeStack(project).locate();
    errOut.write(
      `conformance: compose project ${project}: proxy ${stack.proxy.address}, agent ${stack.agent.address} on ${stack.network}\n`,
    );
  } catch (err) {
    errOut.write(`conformance: --env compose: ${(err as Error).message}\n`);
    return 2;
  }
  return 0;
}

/** One line per scenario: id, name, tags; then the count. */
export function scenarioList(scenarios: readonly ScenarioResult[]): string {
  const width = Math.max(0, ...scenarios.map((s) => s.id.length));
  const lines = scenarios.map((s) => `${s.id.padEnd(width)}  ${s.name}  ${s.tags.join(' ')}`.trimEnd());
  lines.push(`${scenarios.length} scenario(s)`);
  return `${lines.join('\n')}\n`;
}

function suiteInfo(root: string): { name: string; version: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`conformance: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
