import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProxyInfo } from '../adapters/adapter';

/**
 * How the implementation under test names itself in the conformance report: the steps write it (from
 * adapter.info(), in BeforeAll, once the adapter has started) into the report directory, and the CLI reads it
 * after the run. This avoids starting the proxy a second time just to ask.
 */
export const IMPLEMENTATION_FILE = 'implementation.json';

/** Report directory the CLI chose for this run (the steps see it in CONFORMANCE_REPORT_DIR). */
export function reportDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONFORMANCE_REPORT_DIR ?? 'reports';
}

export function writeImplementationInfo(info: ProxyInfo, dir: string = reportDirFromEnv()): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, IMPLEMENTATION_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

/** The info written during this run (not a stale file from an earlier one), or undefined. */
export function readImplementationInfo(dir: string, notBeforeMs: number): ProxyInfo | undefined {
  const file = path.join(dir, IMPLEMENTATION_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (stat.mtimeMs < notBeforeMs) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProxyInfo>;
  if (typeof parsed.name !== 'string' || typeof parsed.version !== 'string') {
    throw new Error(`${file}: expected {"name": string, "version": string, "url"?: string}`);
  }
  return { name: parsed.name, version: parsed.version, ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}) };
}
