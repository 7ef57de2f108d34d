/** What the byte-exact downstream client sends and what it makes of what comes back. */

/** A request on the wire as segments: bytes, or a pause (a deliberate gap the scenario is about, not a wait). */
export type Segment = Buffer | string | { pauseMs: number };

/** One response as the client parsed it, strictly. An incomplete response is a result, not an exception. */
export interface ParsedResponse {
  /** e.g. 'HTTP/1.1'. */
  version: string;
  status: number;
  reason: string;
  /** Field lines in order, names as received. */
  headers: Array<[string, string]>;
  body: Buffer;
  trailers: Array<[string, string]>;
  framing: 'content-length' | 'chunked' | 'close-delimited' | 'none';
  /** False when the connection ended (or the wait timed out) before the framing said the message ended. */
  complete: boolean;
  /** 1xx responses that came before this one. */
  informational: Array<{ status: number; reason: string; headers: Array<[string, string]> }>;
  /** Exact bytes of this response (including its 1xx). */
  raw: Buffer;
  /** Set when the bytes could not be parsed as HTTP/1.1 (what was wrong). */
  parseError?: string;
  /** Timeline times: first byte, headers complete, complete (undefined when not reached). */
  tFirstByte?: bigint;
  tHeaders?: bigint;
  tComplete?: bigint;
}

/** How the client saw its connection end. */
export type CloseKind = 'fin' | 'rst' | 'open';
