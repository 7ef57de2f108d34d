/**
 * Envoy-like stats store. Names are dotted: `http.<stat_prefix>.downstream_rq_total`,
 * `cluster.<name>.upstream_cx_active`, `listener.<address>.downstream_cx_total`.
 * Counters only go up; gauges go up and down. Handles are cached by the caller (no lookup on the hot path).
 */
export interface Counter {
  inc(by?: number): void;
  readonly value: number;
}

export interface Gauge {
  inc(by?: number): void;
  dec(by?: number): void;
  set(v: number): void;
  readonly value: number;
}

export interface StatsStore {
  counter(name: string): Counter;
  gauge(name: string): Gauge;
  /** Every stat, sorted by name, for /stats and /stats/prometheus. */
  snapshot(): Array<{ name: string; type: 'counter' | 'gauge'; value: number }>;
}
