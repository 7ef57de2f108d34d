/**
 * The conformance command end to end, on a fixture suite whose scenarios pass, fail, skip, lack a capability or
 * have an undefined step. Each run is its own process (Cucumber loads step files once per process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RUNNER = path.join(__dirname, 'run_fixture_suite.ts');
const LIMIT_MS = 60_000;
const dirs: string[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-cli-'));
  dirs.push(d);
  return d;
}

function run(args: string[], suiteRoot = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', RUNNER, ...args], {
      cwd: ROOT,
      env: { ...process.env, CONFORMANCE_TARGET: '', CONFORMANCE_REPORT_DIR: '', FIXTURE_SUITE_ROOT: suiteRoot },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conformance ${args.join(' ')} did not end within ${LIMIT_MS} ms\n${stdout}\n${stderr}`));
    }, LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('npm run conformance', () => {
  it('runs everything, prints the summary, writes every report and fails on failures', async () => {
    const dir = tempDir();
    const r = await run(['--target', 'fixture', '--report-dir', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^@stage-1 +3 +0 +0 +1 /m);
    assert.match(r.stdout, /^@envoy +0 +1 +0 +0 /m);
    assert.match(r.stdout, /FAILED {2}failures\/a-failing-scenario/);
    for (const f of [
      'cucumber.html',
      'cucumber.json',
      'cucumber-junit.xml',
      'cucumber-messages.ndjson',
      'conformance-report.json',
      'conformance-report.yaml',
    ]) {
      assert.ok(fs.statSync(path.join(dir, f)).size > 0, f);
    }
    assert.match(fs.readFileSync(path.join(dir, 'cucumber-junit.xml'), 'utf8'), /<testsuite[^>]*tests="7"/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'conformance-report.json'), 'utf8'));
    assert.deepEqual(report.implementation, {
      name: 'fixture-proxy',
      version: '9.9.9',
      url: 'https://example.test/fixture',
    });
    assert.equal(report.target, 'fixture');
    assert.equal(report.profiles.core.result, 'failure');
    assert.deepEqual(report.profiles.core.notSupportedTests, [
      { id: 'stage_one/a-scenario-the-target-does-not-support', capabilities: ['trailers'] },
    ]);
    assert.equal(report.reproduce, 'npm run conformance -- --target fixture --env local');
  });

  it('exits 0 when everything selected passed or is not supported', async () => {
    const dir = tempDir();
    const r = await run(['--target', 'fixture', '--tags', 'not @failures', '--report-dir', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'conformance-report.json'), 'utf8'));
    assert.equal(report.profiles.core.result, 'partial');
    assert.equal(report.profiles.extended.result, 'success');
    assert.equal(report.tags, 'not @failures');
  });

  it('lists scenarios in a dry run without running them or writing reports', async () => {
    const dir = path.join(tempDir(), 'never');
    const ok = await run(['--dry-run', '--tags', 'not @failures', '--report-dir', dir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^stage_one\/an-outline-with-n-rows\/two +An outline with two rows +@stage-1 @extended @stage-4$/m,
    );
    assert.match(ok.stdout, /^4 scenario\(s\)$/m);
    assert.equal(fs.existsSync(dir), false);
    const undefinedStep = await run(['--dry-run']);
    assert.equal(undefinedStep.code, 1);
    assert.match(undefinedStep.stdout, /UNDEFINED steps in failures\/a-scenario-with-an-undefined-step/);
  });

  it('refuses to run a suite with two scenarios of the same id', async () => {
    const suite = tempDir();
    fs.mkdirSync(path.join(suite, 'features'));
    fs.writeFileSync(
      path.join(suite, 'cucumber.js'),
      "module.exports = { default: { paths: ['features/**/*.feature'] } };\n",
    );
    fs.writeFileSync(
      path.join(suite, 'features', 'dup.feature'),
      'Feature: D\n  Scenario: Same name\n    Given a\n  Scenario: Same name!\n    Given b\n',
    );
    const r = await run(['--report-dir', path.join(suite, 'reports')], suite);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /duplicate scenario id dup\/same-name: features\/dup\.feature:2 and features\/dup\.feature:4/,
    );
  });

  it('rejects bad flags and docker mode with exit status 2', async () => {
    const bad = await run(['--paralel', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --paralel/);
    const docker = await run(['--env', 'docker', '--target', 'no-such-proxy']);
    assert.equal(docker.code, 2);
    assert.match(docker.stderr, /--env docker: no container image for target "no-such-proxy"/);
    const compose = await run(['--env', 'compose', '--target', 'nginx']);
    assert.equal(compose.code, 2);
    assert.match(compose.stderr, /--env compose: the compose stack runs the reference only, not --target nginx/);
    const parallel = await run(['--env', 'compose', '--parallel', '4']);
    assert.equal(parallel.code, 2);
    assert.match(parallel.stderr, /--env compose: --parallel 4 is not supported/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: npm run conformance -- \[options\]/);
  });
});
