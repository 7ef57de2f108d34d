import { type LineSink, openLineSink } from '../common/line_sink';
import type { AccessLogConfig } from '../config/config';
import { type AccessLogEntry, type AccessLogger, NULL_ACCESS_LOGGER } from './access_log';

/**
 * Envoy's default access log format, field for field:
 * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
 * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
 * "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 * %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% is the entry's upstreamServiceTimeMs, %REQ(X-FORWARDED-FOR)% its xForwardedFor.
 */

const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_ALL = /[\x00-\x1f\x7f]/g;

/** '-' for an absent or empty value; control characters escaped so that one request stays one line. */
function field(v: string | number | undefined): string {
  if (v === undefined || v === '') return '-';
  const s = String(v);
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROL_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatAccessLogLine(e: AccessLogEntry): string {
  const flags = e.responseFlags.length ? e.responseFlags.join(',') : '-';
  return (
    `[${field(e.startTime)}] "${field(e.method)} ${field(e.path)} ${field(e.protocol)}" ${e.responseCode} ${flags} ` +
    `${e.bytesReceived} ${e.bytesSent} ${Math.trunc(e.durationMs)} ${field(e.upstreamServiceTimeMs)} ` +
    `"${field(e.xForwardedFor)}" ` +
    `"${field(e.userAgent)}" "${field(e.requestId)}" "${field(e.authority)}" "${field(e.upstreamHost)}"`
  );
}

export class FileAccessLogger implements AccessLogger {
  constructor(private readonly sink: LineSink) {}

  log(entry: AccessLogEntry): void {
    this.sink.write(formatAccessLogLine(entry));
  }

  flush(): void {
    this.sink.flush();
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}

export interface AccessLoggerHandle {
  readonly logger: AccessLogger;
  flush(): void;
  close(): Promise<void>;
}

/** NULL_ACCESS_LOGGER when no path is configured. */
export function createAccessLogger(config: AccessLogConfig): AccessLoggerHandle {
  if (config.path === undefined) return { logger: NULL_ACCESS_LOGGER, flush() {}, close: async () => {} };
  const logger = new FileAccessLogger(openLineSink(config.path, 'access_log.path', true));
  return { logger, flush: () => logger.flush(), close: () => logger.close() };
}
