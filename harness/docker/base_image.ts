import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A FROM-scratch base made of host files, for machines without a registry: a binary, every library `ldd` lists
 * (same paths), the user/group/nsswitch files a program expects, and writable /tmp.
 */

/** Library paths from `ldd` output (the vdso has none). */
export function parseLdd(output: string): string[] {
  const out = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m) out.add(m[1]);
  }
  return [...out].sort();
}

/** `ldd`'s listing of a binary; empty for a static one (ldd exits 1 with "not a dynamic executable"). */
function lddOutput(binary: string): string {
  try {
    return execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    if (/not a dynamic executable/.test(`${e.stdout ?? ''}${e.stderr ?? ''}`)) return '';
    throw err;
  }
}

export const BASE_ETC_FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n',
  'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
  'etc/nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
};

/**
 * Writes `outDir/rootfs` with `binaries` (host path -> path in the image) and their libraries; returns the list
 * of files copied (for the content hash, with their sizes and mtimes).
 */
export function writeHostRootfs(outDir: string, binaries: Record<string, string>): string[] {
  const rootfs = path.join(outDir, 'rootfs');
  const copied: string[] = [];
  const copy = (from: string, to: string) => {
    const dest = path.join(rootfs, to);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(from, dest);
    fs.chmodSync(dest, fs.statSync(from).mode & 0o777);
    const st = fs.statSync(from);
    copied.push(`${to} ${st.size} ${st.mtimeMs}`);
  };
  for (const [from, to] of Object.entries(binaries)) {
    copy(from, to);
    for (const lib of parseLdd(lddOutput(from))) copy(fs.realpathSync(lib), lib);
  }
  for (const [rel, content] of Object.entries(BASE_ETC_FILES)) {
    fs.mkdirSync(path.dirname(path.join(rootfs, rel)), { recursive: true });
    fs.writeFileSync(path.join(rootfs, rel), content, { mode: 0o644 });
    copied.push(`${rel} ${content}`);
  }
  for (const d of ['tmp', 'run', 'var/run', 'var/log', 'var/lib'])
    fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  return copied.sort();
}
