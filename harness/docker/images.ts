import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBinary } from '../adapters/process_proxy';
import { writeAppBundle } from './app_bundle';
import { writeHostRootfs } from './base_image';
import { IMAGE_LABEL, imageTag } from './naming';

/** Images a docker-hosted run needs: the upstream agent and, per target, the proxy. */
export type ImageName = 'agent' | 'reference' | ProxyImageName;
/** Images of third-party proxies: docker/<name>/ is the build context, the base is the proxy's own image. */
export type ProxyImageName = 'nginx' | 'haproxy' | 'caddy';
export type ImageTags = Partial<Record<ImageName, string>>;

/** Targets that have a proxy image (others cannot run with --env docker). */
export const DOCKER_TARGETS: readonly ImageName[] = ['reference', 'nginx', 'haproxy', 'caddy'];

/**
 * Where each third-party proxy's binary is on this host (as the local adapters find it) and where the host-made
 * base puts it: the path the public image has it at, so one Dockerfile ENTRYPOINT fits both bases.
 */
export const PROXY_IMAGES: Record<ProxyImageName, { envVar: string; inImage: string; publicBase: string }> = {
  nginx: { envVar: 'CONFORMANCE_NGINX_BIN', inImage: 'usr/sbin/nginx', publicBase: 'nginx:stable' },
  haproxy: { envVar: 'CONFORMANCE_HAPROXY_BIN', inImage: 'usr/local/sbin/haproxy', publicBase: 'haproxy:2.6' },
  caddy: { envVar: 'CONFORMANCE_CADDY_BIN', inImage: 'usr/bin/caddy', publicBase: 'caddy:2' },
};

function isProxyImage(name: string): name is ProxyImageName {
  return Object.hasOwn(PROXY_IMAGES, name);
}

/**
 * Where the base images come from: 'host' builds FROM-scratch bases of the host's own node and proxy binaries
 * (works without a registry; the default), 'public' leaves the Dockerfiles' defaults (node:24-slim, nginx:stable,
 * haproxy:2.6, caddy:2).
 */
export function baseMode(env: NodeJS.ProcessEnv = process.env): 'host' | 'public' {
  const v = env.CONFORMANCE_DOCKER_BASE ?? 'host';
  if (v !== 'host' && v !== 'public')
    throw new Error(`CONFORMANCE_DOCKER_BASE=${JSON.stringify(v)}: expected host or public`);
  return v;
}

const ROOT = path.resolve(__dirname, '..', '..');

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

async function imageExists(tag: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]).then(
    () => true,
    () => false,
  );
}

/** One image to build: a context directory, its Dockerfile, build args, and the hash naming it. */
interface BuildPlan {
  name: string;
  repo: string;
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  hash: string;
}

/**
 * Removes the older content-tagged images of the plan's name (left by earlier trees), best effort: an image a
 * container still uses is refused by the engine and kept; other tags (`:local`, `:compose`) are never touched.
 */
async function pruneOlder(name: string, current: string): Promise<void> {
  const list = await run('docker', [
    'images',
    '--filter',
    `label=${IMAGE_LABEL}=${name}`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]).catch(() => '');
  const stale = list.split('\n').filter((t) => /:[0-9a-f]{16}$/.test(t) && t !== current);
  await Promise.all(stale.map((t) => run('docker', ['rmi', t]).catch(() => {})));
}

/** Builds the plan's image unless an image with its content tag exists; returns the tag. */
async function buildImage(p: BuildPlan): Promise<string> {
  const tag = imageTag(p.repo, p.hash);
  if (await imageExists(tag)) return tag;
  const args = ['build', '-q', '-t', tag, '--label', `${IMAGE_LABEL}=${p.name}`, '-f', p.dockerfile];
  for (const [k, v] of Object.entries(p.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  await run('docker', [...args, p.context]).catch((err: Error) => {
    throw new Error(`building image ${tag} (${p.dockerfile}): ${err.message}`);
  });
  await pruneOlder(p.name, tag);
  return tag;
}

function hashOf(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** The node binary the project runs on (node_modules/.bin/node, Node 24), else this process's. */
function hostNode(): string {
  const local = path.join(ROOT, 'node_modules', '.bin', 'node');
  return fs.existsSync(local) ? fs.realpathSync(local) : process.execPath;
}

async function buildHostBase(work: string, name: string, binaries: Record<string, string>): Promise<string> {
  const dir = path.join(work, `base-${name}`);
  const files = writeHostRootfs(dir, binaries);
  const dockerfile = path.join(ROOT, 'docker', 'base', 'Dockerfile');
  const hash = hashOf(fs.readFileSync(dockerfile, 'utf8'), ...files);
  return buildImage({ name: `base-${name}`, repo: `h1pc-base-${name}`, context: dir, dockerfile, buildArgs: {}, hash });
}

/** The FROM-scratch node base made of the project's own node binary; returns its tag. */
export async function buildHostNodeBase(): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-images-'));
  try {
    return await buildHostBase(work, 'node', { [hostNode()]: 'usr/local/bin/node' });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Builds (or finds, by content hash) the images for `targets` plus the agent, in parallel where independent.
 * Images are kept across runs: an unchanged tree rebuilds nothing.
 */
export async function ensureImages(
  targets: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImageTags> {
  for (const t of targets)
    if (!(DOCKER_TARGETS as readonly string[]).includes(t))
      throw new Error(
        `--env docker: no image for target ${JSON.stringify(t)}; docker targets: ${DOCKER_TARGETS.join(', ')}`,
      );
  const mode = baseMode(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-images-'));
  try {
    const proxies = targets.filter(isProxyImage);
    const [nodeBase, ...proxyBases] = await Promise.all([
      mode === 'host' ? buildHostBase(work, 'node', { [hostNode()]: 'usr/local/bin/node' }) : undefined,
      ...proxies.map((name) =>
        mode === 'host' ? buildHostBase(work, name, { [proxyBinary(name)]: PROXY_IMAGES[name].inImage }) : undefined,
      ),
    ]);
    const appDir = path.join(work, 'app-context');
    const appHash = writeAppBundle(ROOT, appDir);
    const plans: BuildPlan[] = [];
    const appImage = (name: ImageName) => {
      const dockerfile = path.join(ROOT, 'docker', name, 'Dockerfile');
      const buildArgs: Record<string, string> = nodeBase ? { BASE: nodeBase } : {};
      plans.push({
        name,
        repo: `h1pc-${name}`,
        context: appDir,
        dockerfile,
        buildArgs,
        hash: hashOf(fs.readFileSync(dockerfile, 'utf8'), appHash, JSON.stringify(buildArgs)),
      });
    };
    appImage('agent');
    if (targets.includes('reference')) appImage('reference');
    proxies.forEach((name, i) => {
      const base = proxyBases[i];
      plans.push(proxyPlan(name, base ? { BASE: base } : {}));
    });
    const tags = await Promise.all(plans.map(buildImage));
    const out: ImageTags = {};
    plans.forEach((p, i) => {
      out[p.name as ImageName] = tags[i];
    });
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A third-party proxy's image: its docker/<name>/ directory as the context, named by everything in it. */
function proxyPlan(name: ProxyImageName, buildArgs: Record<string, string>): BuildPlan {
  const context = path.join(ROOT, 'docker', name);
  const files = fs.readdirSync(context).sort();
  return {
    name,
    repo: `h1pc-${name}`,
    context,
    dockerfile: path.join(context, 'Dockerfile'),
    buildArgs,
    hash: hashOf(
      ...files.flatMap((f) => [f, fs.readFileSync(path.join(context, f), 'utf8')]),
      JSON.stringify(buildArgs),
    ),
  };
}

function proxyBinary(name: ProxyImageName): string {
  const { envVar, publicBase } = PROXY_IMAGES[name];
  const file = findBinary(name, envVar);
  if (file) return file;
  throw new Error(
    `${name} image: no ${name} on this host to build the FROM-scratch base from (install the Debian package ${name} ` +
      `or set ${envVar}, or set CONFORMANCE_DOCKER_BASE=public to build on ${publicBase} from a registry)`,
  );
}

/** Image tags handed from the CLI to cucumber workers, so they do not rebuild. */
export const IMAGES_ENV = 'CONFORMANCE_DOCKER_IMAGES';

export function imagesFromEnv(env: NodeJS.ProcessEnv = process.env): ImageTags | undefined {
  const raw = env[IMAGES_ENV];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as ImageTags;
  } catch {
    throw new Error(`${IMAGES_ENV}: expected JSON like {"agent":"h1pc-agent:..."}, got ${raw.slice(0, 80)}`);
  }
}

if (require.main === module) {
  const targets = process.argv.slice(2);
  ensureImages(targets.length > 0 ? targets : [...DOCKER_TARGETS]).then(
    (tags) => {
      for (const [name, tag] of Object.entries(tags)) process.stdout.write(`${name}: ${tag}\n`);
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
