import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ProxyConfigSchema } from '../reference/config/schema';

/**
 * Writes schema/reference-config.schema.json: the JSON Schema of the reference proxy's config file (the input
 * side: defaulted fields are optional). Editors use it for completion; test/reference/control checks that the
 * committed file is what this script generates. Cross-field rules (route -> cluster, one-of groups) are only
 * in the zod schema.
 */

export const SCHEMA_PATH = join(__dirname, '..', 'schema', 'reference-config.schema.json');

export function renderConfigJsonSchema(): string {
  const schema = z.toJSONSchema(ProxyConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(SCHEMA_PATH, renderConfigJsonSchema());
  // Formatted as the repository's lint wants it (biome folds short arrays); the test compares parsed JSON.
  const biome = join(__dirname, '..', 'node_modules', '.bin', 'biome');
  const formatted = spawnSync(biome, ['format', '--write', SCHEMA_PATH], { stdio: 'ignore' });
  if (formatted.status !== 0) process.stderr.write(`note: could not format ${SCHEMA_PATH} with biome\n`);
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
