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
import { main } from '../../../harness/matrix/cli';

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
async function matrix(args: string[], env: NodeJS.ProcessEnv = {}, installed = ['reference']) {
  const out = sink();
  const code = await main([...args, '--report-dir', reports, '--baselines', baselines], {
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
});
