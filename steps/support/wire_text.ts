/**
 * The doc-string language scenarios use for bytes on the wire (what a client sends, what an upstream replies):
 *
 * - Each line is sent followed by CRLF, except the last line before a directive or the end, which is sent as is;
 *   a blank last line stands for one CRLF (it ends a head). So a head followed by a blank line ends with CRLFCRLF,
 *   and a body written on its own last line gets no terminator.
 * - Escapes inside a line: `\r` `\n` `\t` `\\` and `\xNN` (any byte), so bare LF, bare CR and control bytes can be
 *   written exactly.
 * - Directive lines, alone on their line, in angle brackets:
 *     `<pause 300 ms>`                a deliberate gap between segments (the scenario is about the gap)
 *     `<await response>`              wait (bounded) until one more response is complete
 *     `<await "text">`                wait (bounded) until the bytes received so far contain text
 *     `<await upstream "app" request>` wait (bounded) until upstream "app" has read one more request head
 *     `<reset>` `<half-close>` `<close>` end the connection with RST, FIN of the sending side, or a full close
 *   and two generators that expand to text lines (header-limit scenarios):
 *     `<N filler headers>`            N lines `x-filler-<i>: <i>`
 *     `<filler header of N bytes>`    one line `x-filler: aaa...` of exactly N bytes (CRLF not counted)
 */

export type ScriptAction =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'pause'; ms: number }
  | { kind: 'await-response' }
  | { kind: 'await-text'; text: Buffer }
  | { kind: 'await-upstream-request'; upstream: string }
  | { kind: 'reset' }
  | { kind: 'half-close' }
  | { kind: 'close' };

/** A parse error that points at the doc-string line and says what was expected. */
export class WireTextError extends Error {
  constructor(line: number, text: string, expected: string) {
    super(`doc string line ${line}: ${JSON.stringify(text)}: ${expected}`);
    this.name = 'WireTextError';
  }
}

const DIRECTIVE_HELP =
  'expected a directive: <pause N ms>, <await response>, <await "text">, <await upstream "name" request>, ' +
  '<reset>, <half-close>, <close>, <N filler headers> or <filler header of N bytes>';

/** Turns the escapes of one line into bytes (latin1: one char, one byte). */
export function unescapeWire(text: string, lineNo = 0): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new WireTextError(lineNo, text, `character U+${c.toString(16)} is not one byte; write \\xNN`);
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const next = text[i + 1];
    if (next === 'r') out.push(0x0d);
    else if (next === 'n') out.push(0x0a);
    else if (next === 't') out.push(0x09);
    else if (next === '\\') out.push(0x5c);
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 2;
    } else {
      throw new WireTextError(lineNo, text, `unknown escape "\\${next ?? ''}" (use \\r \\n \\t \\\\ or \\xNN)`);
    }
    i++;
  }
  return Buffer.from(out);
}

/** Parses a doc string into the actions a client (or a raw upstream reply) performs in order. */
export function parseWireScript(docString: string): ScriptAction[] {
  const lines = docString.split('\n');
  const actions: ScriptAction[] = [];
  let text: Array<{ line: string; no: number }> = [];

  const flush = () => {
    if (text.length === 0) return;
    const parts: Buffer[] = [];
    text.forEach(({ line, no }, i) => {
      parts.push(unescapeWire(line, no));
      const last = i === text.length - 1;
      if (!last || line === '') parts.push(CRLF);
    });
    actions.push({ kind: 'bytes', bytes: Buffer.concat(parts) });
    text = [];
  };

  lines.forEach((raw, i) => {
    const no = i + 1;
    const line = raw.replace(/\r$/, '');
    const directive = /^\s*<(.*)>\s*$/.exec(line);
    if (!directive) {
      text.push({ line, no });
      return;
    }
    const d = directive[1].trim();
    const generated = expandGenerator(d, no, line);
    if (generated) {
      for (const g of generated) text.push({ line: g, no });
      return;
    }
    flush();
    actions.push(parseDirective(d, no, line));
  });
  flush();
  return actions;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** `<N filler headers>` and `<filler header of N bytes>` expand to text lines; anything else is not a generator. */
function expandGenerator(d: string, no: number, line: string): string[] | undefined {
  const many = /^(\d+) filler headers$/.exec(d);
  if (many) return Array.from({ length: Number(many[1]) }, (_, i) => `x-filler-${i + 1}: ${i + 1}`);
  const big = /^filler header of (\d+) bytes$/.exec(d);
  if (!big) return undefined;
  const prefix = 'x-filler: ';
  const n = Number(big[1]);
  if (n <= prefix.length) throw new WireTextError(no, line, `a filler header needs more than ${prefix.length} bytes`);
  return [prefix + 'a'.repeat(n - prefix.length)];
}

const SIMPLE_DIRECTIVES: Record<string, ScriptAction> = {
  'await response': { kind: 'await-response' },
  reset: { kind: 'reset' },
  'half-close': { kind: 'half-close' },
  close: { kind: 'close' },
};

function parseDirective(d: string, no: number, line: string): ScriptAction {
  const simple = SIMPLE_DIRECTIVES[d];
  if (simple) return simple;
  const pause = /^pause (\d+) ?ms$/.exec(d);
  if (pause) return { kind: 'pause', ms: Number(pause[1]) };
  const upstream = /^await upstream "([^"]+)" request$/.exec(d);
  if (upstream) return { kind: 'await-upstream-request', upstream: upstream[1] };
  const text = /^await "(.*)"$/.exec(d);
  if (text) return { kind: 'await-text', text: unescapeWire(text[1], no) };
  throw new WireTextError(no, line, DIRECTIVE_HELP);
}

/** For an upstream's raw reply: only bytes and pauses make sense there. */
export function parseRawReply(docString: string): Array<{ base64: string } | { pauseMs: number }> {
  return parseWireScript(docString).map((a) => {
    if (a.kind === 'bytes') return { base64: a.bytes.toString('base64') };
    if (a.kind === 'pause') return { pauseMs: a.ms };
    throw new Error(`upstream reply doc string: <${a.kind}> is not allowed; use only bytes and <pause N ms>`);
  });
}
