import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectSources, relativeImports, writeAppBundle } from '../../../harness/docker/app_bundle';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Starts a bundled program and resolves with its first stdout line matching `ready` (bounded). */
function startProgram(
  args: string[],
  cwd: string,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`no ${ready} within 20 s; output: ${out}`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.once('exit', (code) => fail(new Error(`exited with ${code} before ready; output: ${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('app bundle (what the agent and reference images run)', () => {
  let dir = '';
  const children: ChildProcess[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-bundle-'));
    writeAppBundle(ROOT, dir);
  });

  after(async () => {
    for (const c of children) await stop(c);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds relative imports of every form', () => {
    const src = [
      "import { a } from './a';",
      "import type { B } from '../b/b';",
      "export { c } from './c';",
      "import './side-effect';",
      "const d = require('./d');",
      "const e = await import('./e');",
      "import * as fs from 'node:fs';",
      "import { z } from 'zod';",
    ].join('\n');
    assert.deepEqual(relativeImports(src).sort(), ['../b/b', './a', './c', './d', './e', './side-effect']);
  });

  it('bundles what the entry points reach and nothing of the tests or steps', () => {
    const files = collectSources(ROOT);
    assert.ok(files.includes('reference/main.ts'));
    assert.ok(files.includes('harness/upstream/agent.ts'));
    assert.ok(files.includes('harness/timeline/timeline.ts'));
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('steps/') || f.startsWith('harness/docker/')));
  });

  it('the bundled agent runs on plain node and serves an echo upstream', async () => {
    const { child, match } = await startProgram(
      ['harness/upstream/agent.js', '--control', '127.0.0.1:0', '--echo', 'app:0'],
      path.join(dir, 'app'),
      /upstream app \(echo\) on 127\.0\.0\.1:(\d+)/,
    );
    children.push(child);
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: Number(match[1]), path: '/hello' }, (res) => {
          let text = '';
          res.on('data', (b: Buffer) => {
            text += b.toString();
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const echoed = JSON.parse(body) as { method: string; target: string; upstream: string };
    assert.equal(echoed.method, 'GET');
    assert.equal(echoed.target, '/hello');
    assert.equal(echoed.upstream, 'app');
  });

  it('the bundled reference runs on plain node with the bundled packages', async () => {
    const { child } = await startProgram(
      ['reference/main.js', '--admin', '127.0.0.1:0'],
      path.join(dir, 'app'),
      /admin on 127\.0\.0\.1:\d+/,
    );
    children.push(child);
    assert.ok(fs.existsSync(path.join(dir, 'app', 'node_modules', 'zod', 'package.json')));
  });
});
