import type { Counter, Gauge, StatsStore } from '../stats/stats';

/** Stats of one HTTP connection manager configuration, `http.<stat_prefix>.*` (handles cached once per listener). */
export class ConnectionManagerStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_destroy: Counter;
  readonly downstream_cx_protocol_error: Counter;
  readonly downstream_cx_idle_timeout: Counter;
  readonly downstream_rq_total: Counter;
  readonly downstream_rq_active: Gauge;
  readonly downstream_rq_timeout: Counter;
  readonly downstream_rq_header_timeout: Counter;
  readonly downstream_rq_idle_timeout: Counter;
  readonly downstream_rq_rx_reset: Counter;
  readonly downstream_rq_by_class: Counter[];

  constructor(store: StatsStore, statPrefix: string) {
    const p = `http.${statPrefix}.`;
    this.downstream_cx_total = store.counter(p + 'downstream_cx_total');
    this.downstream_cx_active = store.gauge(p + 'downstream_cx_active');
    this.downstream_cx_destroy = store.counter(p + 'downstream_cx_destroy');
    this.downstream_cx_protocol_error = store.counter(p + 'downstream_cx_protocol_error');
    this.downstream_cx_idle_timeout = store.counter(p + 'downstream_cx_idle_timeout');
    this.downstream_rq_total = store.counter(p + 'downstream_rq_total');
    this.downstream_rq_active = store.gauge(p + 'downstream_rq_active');
    this.downstream_rq_timeout = store.counter(p + 'downstream_rq_timeout');
    this.downstream_rq_header_timeout = store.counter(p + 'downstream_rq_header_timeout');
    this.downstream_rq_idle_timeout = store.counter(p + 'downstream_rq_idle_timeout');
    this.downstream_rq_rx_reset = store.counter(p + 'downstream_rq_rx_reset');
    this.downstream_rq_by_class = [1, 2, 3, 4, 5].map((c) => store.counter(`${p}downstream_rq_${c}xx`));
  }

  /** downstream_rq_<class>xx for a status sent to the client. */
  chargeResponse(status: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.downstream_rq_by_class[cls - 1].inc();
  }
}
