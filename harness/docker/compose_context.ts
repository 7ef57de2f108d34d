/**
 * `bash scripts/docker-base.sh [--public]`: writes docker/context/ for docker-compose.yml and, without --public,
 * builds the host-made node base and tags it h1pc-base-node:local.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAppBundle } from './app_bundle';
import { buildHostNodeBase } from './images';

const ROOT = path.resolve(__dirname, '..', '..');
export const COMPOSE_CONTEXT = path.join(ROOT, 'docker', 'context');
export const LOCAL_NODE_BASE = 'h1pc-base-node:local';

/** Writes the compose build context: app/ plus the app Dockerfiles (compose builds them from this directory). */
export function writeComposeContext(dir = COMPOSE_CONTEXT): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Generated: never committed.
  fs.writeFileSync(path.join(dir, '.gitignore'), '*\n');
  writeAppBundle(ROOT, dir);
  for (const name of ['agent', 'reference'])
    fs.copyFileSync(path.join(ROOT, 'docker', name, 'Dockerfile'), path.join(dir, `${name}.Dockerfile`));
}

async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--public');
  if (unknown.length > 0) throw new Error(`docker-base: unknown argument ${unknown[0]}; expected [--public]`);
  writeComposeContext();
  process.stdout.write(`build context written to ${path.relative(process.cwd(), COMPOSE_CONTEXT) || '.'}/\n`);
  if (argv.includes('--public')) {
    process.stdout.write('next: docker compose up -d --build\n');
    return;
  }
  const tag = await buildHostNodeBase();
  execFileSync('docker', ['tag', tag, LOCAL_NODE_BASE]);
  process.stdout.write(`base image ${LOCAL_NODE_BASE} (${tag}) built from this host's node\n`);
  process.stdout.write(`next: H1PC_NODE_BASE=${LOCAL_NODE_BASE} docker compose up -d --build\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`docker-base: ${err.message}\n`);
    process.exit(1);
  });
}
