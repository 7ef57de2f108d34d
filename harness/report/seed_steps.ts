/**
 * The seed's five stages, step by step (docs: /work/shared/seed and the figure/trace notes). Scenarios tag the
 * step they check with `@seed-<stage>.<step>`. Stages 4 and 5 are described only by the seed's figures; their
 * steps are read from the figures and the published bpftrace of a live Envoy.
 */
export interface SeedStep {
  /** '1.5' for `@seed-1.5`. */
  step: string;
  stage: number;
  text: string;
}

export const SEED_STAGES: Record<number, string> = {
  1: 'Downstream read request',
  2: 'Router',
  3: 'Upstream connect and write request',
  4: 'Upstream read response',
  5: 'Downstream write response',
};

export const SEED_STEPS: readonly SeedStep[] = [
  { step: '1.1', stage: 1, text: 'The downstream socket becomes readable: the read-ready callback fires.' },
  {
    step: '1.2',
    stage: 1,
    text: 'The connection manager reads the socket and feeds the bytes incrementally to the HTTP/1 codec.',
  },
  {
    step: '1.3',
    stage: 1,
    text: 'The codec parses the request incrementally (an HTTP/1 parser; the seed says nghttp2).',
  },
  { step: '1.4', stage: 1, text: 'When the whole request has been parsed, the codec calls onMessageCompleteBase().' },
  {
    step: '1.5',
    stage: 1,
    text: 'onMessageCompleteBase() first stops watching the downstream for read-ready (readDisable(true)).',
  },
  { step: '1.6', stage: 1, text: 'It then starts the decodeHeaders iteration of the HTTP filter chain.' },
  { step: '1.7', stage: 1, text: 'The last filter of the chain, the router filter, gets decodeHeaders().' },
  { step: '1.8', stage: 1, text: 'The router filter runs the router logic (stage 2).' },
  { step: '2.1', stage: 2, text: 'Router::Filter::decodeHeaders() is called.' },
  { step: '2.2', stage: 2, text: 'The route configuration matches the request to a cluster.' },
  { step: '2.3', stage: 2, text: "The cluster's connection pool is created if it does not exist yet." },
  { step: '2.4', stage: 2, text: 'A new upstream request object is created.' },
  { step: '2.5', stage: 2, text: 'The upstream request encodes the request headers (encodeHeaders(end_stream)).' },
  { step: '2.6', stage: 2, text: 'The load balancer picks the upstream host.' },
  {
    step: '2.7',
    stage: 2,
    text:
      'Without a free connection to that host: a new socket is opened, its write-ready/connected event registered ' +
      'before connecting, and a non-blocking connect started.',
  },
  { step: '2.8', stage: 2, text: 'The downstream request is associated with the upstream connection.' },
  { step: '3.1', stage: 3, text: 'The upstream socket becomes writable: the write-ready callback fires.' },
  {
    step: '3.2',
    stage: 3,
    text: 'The callback finds the connect succeeded and raises the Connected event to the pool.',
  },
  {
    step: '3.3',
    stage: 3,
    text: 'The pool attaches the waiting request to the new connection (attachStreamToClient).',
  },
  { step: '3.4', stage: 3, text: 'In the same callback the encoded request is written to the upstream (writev).' },
  { step: '4.1', stage: 4, text: 'The upstream socket becomes readable: the read-ready callback fires.' },
  { step: '4.2', stage: 4, text: 'The bytes are read until EAGAIN and handed to the client codec.' },
  { step: '4.3', stage: 4, text: 'The client codec parses the response incrementally up to onMessageComplete.' },
  {
    step: '4.4',
    stage: 4,
    text: 'The response is handed to the downstream side while it is read (encodeHeaders/encodeData).',
  },
  {
    step: '4.5',
    stage: 4,
    text: 'When the response is completely encoded, downstream reads resume (readDisable(false)): the next pipelined request may be parsed.',
  },
  { step: '5.1', stage: 5, text: 'The downstream socket becomes writable: the write-ready callback fires.' },
  { step: '5.2', stage: 5, text: 'The buffered response bytes are written to the client (writev).' },
];
