import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** The programs the app images run; everything they import (relative imports) is bundled with them. */
export const APP_ENTRY_POINTS = ['reference/main.ts', 'harness/upstream/agent.ts'];
/** Packages those programs need at run time (no dependencies of their own). */
export const APP_PACKAGES = ['yaml', 'zod'];

/** Relative module specifiers of a TS source: static imports/exports, require() and import(). */
export function relativeImports(source: string): string[] {
  const out = new Set<string>();
  const re = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.add(m[1]);
  return [...out];
}

/** `spec` imported from `fromFile` as a .ts file (x.ts or x/index.ts), relative to root. */
function resolveTs(root: string, fromFile: string, spec: string): string {
  const base = path.join(path.dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (candidate.endsWith('.ts') && fs.existsSync(path.join(root, candidate))) return path.normalize(candidate);
  }
  throw new Error(`${fromFile}: import ${JSON.stringify(spec)}: no ${base}.ts nor ${base}/index.ts`);
}

/** Every .ts file reachable from the entry points by relative imports, sorted (paths relative to root). */
export function collectSources(root: string, entries: readonly string[] = APP_ENTRY_POINTS): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => path.normalize(e));
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const spec of relativeImports(text)) todo.push(resolveTs(root, file, spec));
  }
  return [...seen].sort();
}

/** Transpiles one file the way ts-node's transpile-only mode does (no type check), to CommonJS. */
export function transpile(source: string, fileName: string): string {
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2023, esModuleInterop: true },
  }).outputText;
}

/**
 * Writes the app bundle into `outDir/app`: transpiled JS of every reachable source, package.json (name and
 * version, which the reference reports), and the run-time packages. Returns a hash of everything written.
 */
export function writeAppBundle(root: string, outDir: string): string {
  const hash = createHash('sha256');
  const app = path.join(outDir, 'app');
  const put = (rel: string, content: string | Buffer) => {
    const file = path.join(app, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    hash.update(rel).update('\0').update(content).update('\0');
  };
  for (const rel of collectSources(root)) {
    const js = transpile(fs.readFileSync(path.join(root, rel), 'utf8'), rel);
    put(rel.replace(/\.ts$/, '.js'), js);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  put('package.json', `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true })}\n`);
  for (const name of APP_PACKAGES) {
    const dir = path.join(root, 'node_modules', name);
    for (const rel of listFiles(dir)) put(path.join('node_modules', name, rel), fs.readFileSync(path.join(dir, rel)));
  }
  return hash.digest('hex');
}

/** Files under dir (relative, sorted), without source maps, type declarations and docs the run does not need. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, d.name);
      if (d.isDirectory()) walk(r);
      else if (d.isFile() && !/\.(map|d\.ts|d\.cts|d\.mts|md)$/.test(d.name)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}
