/**
 * `npm run matrix` end to end on a fixture suite (fixture_suite/: one scenario passes, two fail unless FIXTURE_PASS
 * names them, one needs a capability): real conformance runs in child processes, recording, checking, rendering.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadBaseline } from '../../../harness/matrix/baseline';
import { type MatrixIo, main, wallTimeLine } from '../../../harness/matrix/cli';
import { runTarget } from '../../../harness/matrix/run_target';

const SCRIPT = path.join(__dirname, 'run_fixture_conformance.ts');
const FIXTURE = path.join(__dirname, 'fixture_suite');
const NOW = new Date('2026-11-25T10:30:00Z');

let root = '';
let reports = '';
let baselines = '';

before(() => {
  // The matrix's root: the fixture's features (the catalog) and a docs/ directory of its own.
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'matrix-cli-'));
  fs.cpSync(path.join(FIXTURE, 'features'), path.join(root, 'features'), { recursive: true });
  reports = path.join(root, 'reports');
  baselines = path.join(root, 'baselines');
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** Runs `npm run matrix -- args` on the fixture; only the reference counts as installed unless `installed` says. */
async function matrix(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  installed = ['reference'],
  extra: Partial<MatrixIo> & { reportDir?: string } = {},
) {
  const out = sink();
  const { reportDir, ...io } = extra;
  const code = await main([...args, '--report-dir', reportDir ?? reports, '--baselines', baselines], {
    ...io,
    root,
    out,
    now: NOW,
    conformance: { script: SCRIPT, env: { ...process.env, FIXTURE_PASS: '', FIXTURE_VERSION: '', ...env } },
    installation: (t) =>
      installed.includes(t) ? { installed: true, detail: 'here' } : { installed: false, detail: `${t} not found` },
  });
  return { code, out: out.text };
}

const baselineFile = () => path.join(baselines, 'reference.yaml');

describe('npm run matrix', { concurrency: false }, () => {
  it('records a baseline from a real run: failures with their observed line and reason TODO', async () => {
    const r = await matrix(['--record', 'reference']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /recorded .*reference\.yaml for reference 1\.0\.0: 0 kept, 2 added \(reason TODO/);
    const b = loadBaseline(baselineFile());
    assert.equal(b.version, '1.0.0');
    assert.equal(b.date, '2026-11-25');
    assert.deepEqual(
      b.expectedFailures.map((e) => [e.id, e.profile, e.observed, e.reason]),
      [
        [
          'proxy/a-scenario-the-proxy-fails',
          'core',
          'the response: expected status 400; observed HTTP/1.1 200 OK',
          'TODO',
        ],
        [
          'proxy/another-scenario-the-proxy-fails',
          'extended',
          'the response: expected status 400; observed HTTP/1.1 200 OK',
          'TODO',
        ],
      ],
    );
    assert.deepEqual(b.notSupported, ['proxy/a-scenario-the-proxy-does-not-support']);
    assert.ok(fs.existsSync(path.join(reports, 'matrix.md')));
  });

  it('--check rejects the TODO reasons until a human writes them', async () => {
    const r = await matrix(['--check', '--reuse', '--targets', 'reference']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /todo-reason: proxy\/a-scenario-the-proxy-fails: reason is TODO/);
    assert.match(r.out, /check failed: reference 2 difference\(s\)/);
  });

  it('--check passes once every reason is written, and the matrix shows the expected failures', async () => {
    const text = fs.readFileSync(baselineFile(), 'utf8');
    fs.writeFileSync(
      baselineFile(),
      text
        .replace('reason: TODO', 'reason: "proxy violates RFC 9110 7.6.1 MUST"')
        .replace('reason: TODO', 'reason: an extended behaviour it does not have'),
    );
    const r = await matrix(['--check', '--reuse', '--targets', 'reference']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /reference 1\.0\.0: 1 passed, 2 failed \(2 expected\), 1 not supported: matches its baseline/);
    const md = fs.readFileSync(path.join(reports, 'matrix.md'), 'utf8');
    assert.match(md, /\| \[a-scenario-the-proxy-fails\]\(\.\.\/features\/proxy\.feature#L9\) \| core \| xfail \|/);
    assert.match(md, /\| core: pass \/ FAIL \/ xfail \/ n\/s \| 1 \/ 0 \/ 1 \/ 0 \|/);
  });

  it('re-recording keeps the reasons written', async () => {
    const r = await matrix(['--record', 'reference', '--reuse']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /2 kept, 0 added, 0 removed/);
    assert.equal(loadBaseline(baselineFile()).expectedFailures[0].reason, 'proxy violates RFC 9110 7.6.1 MUST');
  });

  it('--check fails when a listed scenario passes now, saying to remove it', async () => {
    const r = await matrix(['--check', '--targets', 'reference'], { FIXTURE_PASS: 'fails' });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /newly-passing: proxy\/a-scenario-the-proxy-fails: passes now .*remove it from the baseline/);
    assert.match(fs.readFileSync(path.join(reports, 'matrix.html'), 'utf8'), /<td class="c xpass">XPASS<\/td>/);
  });

  it('warns about another version, and fails on it only with --strict-version', async () => {
    const r = await matrix(['--check', '--targets', 'reference'], { FIXTURE_VERSION: '2.0.0' });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /warning: installed version 2\.0\.0 differs from the baseline's 1\.0\.0/);
    assert.match(
      fs.readFileSync(path.join(reports, 'matrix.md'), 'utf8'),
      /2\.0\.0 \(baseline recorded with 1\.0\.0\)/,
    );
    const strict = await matrix(['--check', '--strict-version', '--reuse', '--targets', 'reference']);
    assert.equal(strict.code, 1, strict.out);
    assert.match(strict.out, /version-mismatch/);
  });

  it('says which proxies are not installed; --check then fails', async () => {
    const loose = await matrix(['--reuse', '--targets', 'reference,nginx'], {}, ['reference']);
    assert.equal(loose.code, 0, loose.out);
    assert.match(loose.out, /nginx \(2\/2\): not installed: nginx not found/);
    const checked = await matrix(['--check', '--reuse', '--targets', 'reference,nginx']);
    assert.equal(checked.code, 1, checked.out);
    assert.match(checked.out, /check failed: .*nginx not installed/);
    assert.match(
      fs.readFileSync(path.join(reports, 'matrix.md'), 'utf8'),
      /- \*\*nginx\*\*: not installed: nginx not found/,
    );
  });

  it('--update-docs writes docs/matrix.md and docs/matrix.html with links from docs/', async () => {
    const r = await matrix(['--update-docs', '--reuse']);
    assert.equal(r.code, 0, r.out);
    const md = fs.readFileSync(path.join(root, 'docs', 'matrix.md'), 'utf8');
    assert.match(
      md,
      /\| \*\*reference\*\* \| \*\*nginx\*\* \| \*\*haproxy\*\* \| \*\*caddy\*\* \| \*\*apache\*\* \| \*\*http-proxy\*\* \|/,
    );
    assert.match(md, /\(\.\.\/features\/proxy\.feature#L9\)/);
    assert.ok(fs.existsSync(path.join(root, 'docs', 'matrix.html')));
  });

  it('refuses a bad command line with exit status 2', async () => {
    const unknown = await matrix(['--targets', 'nginx,bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /--targets: unknown target "bogus"; known targets: reference, nginx/);
    const partialDocs = await matrix(['--update-docs', '--targets', 'nginx']);
    assert.equal(partialDocs.code, 2);
    assert.match(partialDocs.out, /--update-docs writes the full matrix/);
  });

  it('--env docker without an engine stops at once (exit 2) with the reason and what to do', async () => {
    const r = await matrix(['--env', 'docker', '--check', '--targets', 'reference'], {}, ['reference'], {
      probeEngine: async () => 'connect ENOENT /var/run/docker.sock',
    });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /--env docker: no Docker engine reachable at .*ENOENT.*scripts\/install-docker\.sh/);
    assert.doesNotMatch(r.out, /running the suite/);
  });

  it('--env docker checks against the same baseline and shows the wall time beside the local run', async () => {
    const dockerReports = path.join(root, 'reports-docker');
    fs.cpSync(path.join(reports, 'reference'), path.join(dockerReports, 'reference'), { recursive: true });
    const r = await matrix(
      ['--env', 'docker', '--check', '--reuse', '--targets', 'reference', '--local-report-dir', reports],
      {},
      ['reference'],
      { probeEngine: async () => undefined, reportDir: dockerReports },
    );
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /reference \d\.0\.0: 1 passed, 2 failed \(2 expected\), 1 not supported: matches its baseline/);
    assert.match(r.out, /wall time: docker \d+\.\ds, local \d+\.\ds \([+-]\d+\.\ds, \d+\.\d\dx\)/);
    const md = fs.readFileSync(path.join(dockerReports, 'matrix.md'), 'utf8');
    assert.match(md, /^# HTTP\/1\.1 reverse-proxy conformance matrix \(docker-hosted\)/);
    assert.match(md, /\| local wall time \| \d+\.\d s \|/);
  });

  it('--env docker refuses proxies without an image, recording and the docs', async () => {
    const noImage = await matrix(['--env', 'docker', '--targets', 'http-proxy']);
    assert.equal(noImage.code, 2);
    assert.match(noImage.out, /--env docker: no container image for http-proxy; docker targets: reference, nginx/);
    const record = await matrix(['--env', 'docker', '--record', 'reference']);
    assert.equal(record.code, 2);
    assert.match(record.out, /--record writes the baselines from a local run: drop --env docker/);
    const bad = await matrix(['--env', 'kubernetes']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /--env "kubernetes": expected local or docker/);
  });
});

describe('wall time beside the local run', () => {
  it('says how much longer the docker run took, or that there is no local run', () => {
    assert.equal(
      wallTimeLine(19_100, 14_500, 'reports/matrix/reference'),
      'wall time: docker 19.1s, local 14.5s (+4.6s, 1.32x)',
    );
    assert.equal(wallTimeLine(9_000, 10_000, 'x'), 'wall time: docker 9.0s, local 10.0s (-1.0s, 0.90x)');
    assert.equal(
      wallTimeLine(9_000, undefined, 'reports/matrix/nginx'),
      'wall time: docker 9.0s; no local run in reports/matrix/nginx to compare with',
    );
  });
});

describe('runTarget', () => {
  it('passes --env to the conformance command, and nothing for local', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-target-'));
    try {
      const script = path.join(dir, 'argv.js');
      fs.writeFileSync(
        script,
        "require('fs').writeFileSync(process.argv[process.argv.indexOf('--report-dir') + 1] + '/argv.json', JSON.stringify(process.argv.slice(2)));",
      );
      const argsOf = async (environment: 'local' | 'docker') => {
        const reportDir = path.join(dir, environment);
        const run = await runTarget({
          target: 'nginx',
          reportDir,
          timeoutMs: 30_000,
          script,
          cwd: process.cwd(),
          environment,
        });
        assert.equal(run.exitCode, 0, fs.readFileSync(run.logFile, 'utf8'));
        return JSON.parse(fs.readFileSync(path.join(reportDir, 'argv.json'), 'utf8')) as string[];
      };
      assert.deepEqual((await argsOf('docker')).slice(-2), ['--env', 'docker']);
      assert.ok(!(await argsOf('local')).includes('--env'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
