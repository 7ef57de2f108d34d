import { z } from 'zod';
import type { Reply } from './script';

/**
 * Validation of reply scripts that arrive as data (agent control socket, scenario tables): an unknown field or a
 * wrong type is reported with its path rather than misbehaving later.
 */

const bytes = z.union([z.string(), z.strictObject({ base64: z.string() })]);
const fields = z.array(z.tuple([z.string(), z.string()]));
const ms = z.number().int().min(0);

const abortPoint = z.enum([
  'on-accept',
  'after-request-headers',
  'before-response',
  'mid-headers',
  'after-headers',
  'mid-body',
]);

export const replySchema = z.strictObject({
  status: z.number().int().min(100).max(999).optional(),
  reason: z.string().optional(),
  headers: fields.optional(),
  body: bytes.optional(),
  chunks: z.array(z.strictObject({ data: bytes, delayMs: ms.optional(), extension: z.string().optional() })).optional(),
  trailers: fields.optional(),
  closeDelimited: z.boolean().optional(),
  delayBeforeHeadersMs: ms.optional(),
  delayBeforeBodyMs: ms.optional(),
  informational: z
    .array(z.strictObject({ status: z.number().int().min(100).max(199), headers: fields.optional() }))
    .optional(),
  raw: z.array(z.union([bytes, z.strictObject({ pauseMs: ms })])).optional(),
  connectionClose: z.boolean().optional(),
  http10: z.boolean().optional(),
  abort: z.strictObject({ how: z.enum(['fin', 'rst']), at: abortPoint }).optional(),
  respondAfter: z.enum(['request-complete', 'request-headers']).optional(),
  echo: z.boolean().optional(),
  continueOnExpect: z.boolean().optional(),
});

// Compile-time check that the schema and the Reply contract agree both ways.
type Parsed = z.infer<typeof replySchema>;
const _toReply = (p: Parsed): Reply => p;
const _fromReply = (r: Reply): Parsed => r;
void _toReply;
void _fromReply;

/** Returns the scripts as a list, or throws naming `where` and every bad field. */
export function validateReplies(script: unknown, where: string): Reply[] {
  const list = Array.isArray(script) ? script : [script];
  if (list.length === 0) throw new Error(`${where}: expected at least one reply`);
  return list.map((r, i) => {
    const res = replySchema.safeParse(r);
    if (res.success) return res.data;
    const at = Array.isArray(script) ? `${where}[${i}]` : where;
    throw new Error(`${at}: invalid reply script:\n${z.prettifyError(res.error)}`);
  });
}
