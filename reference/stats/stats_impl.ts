import type { Counter, Gauge, StatsStore } from './stats';

/** A counter is a number behind a handle: callers cache the handle, so an increment is one addition. */
class CounterImpl implements Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

class GaugeImpl implements Gauge {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
  set(v: number): void {
    this.value = v;
  }
}

export class StatNameConflictError extends Error {}

/**
 * In-memory store for one proxy process. It outlives config reloads (the server keeps one store), so counters
 * keep counting across them, as Envoy's do across hot restarts.
 */
export class StatsStoreImpl implements StatsStore {
  private readonly counters = new Map<string, CounterImpl>();
  private readonly gauges = new Map<string, GaugeImpl>();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      if (this.gauges.has(name)) throw new StatNameConflictError(`stat "${name}" is already a gauge`);
      c = new CounterImpl();
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      if (this.counters.has(name)) throw new StatNameConflictError(`stat "${name}" is already a counter`);
      g = new GaugeImpl();
      this.gauges.set(name, g);
    }
    return g;
  }

  snapshot(): Array<{ name: string; type: 'counter' | 'gauge'; value: number }> {
    const out: Array<{ name: string; type: 'counter' | 'gauge'; value: number }> = [];
    for (const [name, c] of this.counters) out.push({ name, type: 'counter', value: c.value });
    for (const [name, g] of this.gauges) out.push({ name, type: 'gauge', value: g.value });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
