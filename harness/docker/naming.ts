import { randomBytes } from 'node:crypto';

/** Label every container of a run carries: what cleanup removes by, so two runs never touch each other's. */
export const RUN_LABEL = 'io.h1pc.run';
/** Label of images the project builds (kept across runs: their tag is a content hash). */
export const IMAGE_LABEL = 'io.h1pc.image';

/** A run id: short, unique per process and call, valid in Docker names (lowercase letters, digits, '-'). */
export function newRunId(now = Date.now(), random = randomBytes(4).toString('hex')): string {
  return `${now.toString(36)}-${process.pid.toString(36)}-${random}`;
}

/** Names of what one run creates, all derived from its id. */
export function runNames(runId: string): { network: string; container: (alias: string) => string } {
  if (!/^[a-z0-9][a-z0-9-]{2,40}$/.test(runId))
    throw new Error(`docker run id ${JSON.stringify(runId)}: expected 3-41 lowercase letters, digits and '-'`);
  return {
    network: `h1pc-${runId}`,
    container: (alias) => `h1pc-${runId}-${alias.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`,
  };
}

/** `repo:tag` of a project image whose tag is the first 16 hex digits of its build context hash. */
export function imageTag(repo: string, contentHash: string): string {
  if (!/^[0-9a-f]{16,}$/.test(contentHash)) throw new Error(`image ${repo}: expected a hex content hash`);
  return `${repo}:${contentHash.slice(0, 16)}`;
}
