/** Given steps: how an instrumented upstream answers. */
import { Given } from '@cucumber/cucumber';
import type { Reply } from '../harness/upstream/script';
import { generatedBodyString } from './support/generated_body';
import { parseRawReply, unescapeWire } from './support/wire_text';
import type { ConformanceWorld } from './world';

const REPLY_KEYS = new Set([
  'status',
  'reason',
  'headers',
  'body',
  'chunks',
  'trailers',
  'closeDelimited',
  'delayBeforeHeadersMs',
  'delayBeforeBodyMs',
  'informational',
  'raw',
  'connectionClose',
  'http10',
  'abort',
  'respondAfter',
  'echo',
]);

/** Parses a JSON Reply or list of Replies, naming the doc-string position and the bad field on error. */
export function parseReplyJson(upstream: string, doc: string): Reply | Reply[] {
  let value: unknown;
  try {
    value = JSON.parse(doc);
  } catch (err) {
    throw new Error(
      `upstream "${upstream}" replies: the doc string is not JSON (${(err as Error).message}); ` +
        'expected a Reply object or a list of them (harness/upstream/script.ts)',
    );
  }
  const list = Array.isArray(value) ? value : [value];
  list.forEach((r, i) => {
    const where = Array.isArray(value) ? `reply ${i + 1}` : 'reply';
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw new Error(`upstream "${upstream}" replies: ${where} is not an object`);
    for (const k of Object.keys(r))
      if (!REPLY_KEYS.has(k))
        throw new Error(
          `upstream "${upstream}" replies: ${where} has unknown field "${k}"; expected one of ${[...REPLY_KEYS].join(', ')}`,
        );
  });
  return value as Reply | Reply[];
}

Given(
  'upstream {string} replies with status {int} and body {string}',
  function (this: ConformanceWorld, name: string, status: number, body: string) {
    this.requireUpstream(name).reply({ status, body: unescapeWire(body).toString('latin1') });
  },
);

Given('upstream {string} replies:', function (this: ConformanceWorld, name: string, doc: string) {
  this.requireUpstream(name).reply(parseReplyJson(name, doc));
});

Given('upstream {string} replies with the bytes:', function (this: ConformanceWorld, name: string, doc: string) {
  this.requireUpstream(name).reply({ raw: parseRawReply(doc) });
});

Given(
  'upstream {string} replies with a body of {int} bytes',
  function (this: ConformanceWorld, name: string, n: number) {
    this.requireUpstream(name).reply({ status: 200, body: generatedBodyString(n) });
  },
);
