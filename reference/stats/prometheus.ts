import type { StatsStore } from './stats';

/**
 * Prometheus text exposition (version 0.0.4) of the stats store, Envoy-style: the dotted name is split into a
 * metric name and labels, e.g. `cluster.backend.upstream_cx_total` ->
 * `envoy_cluster_upstream_cx_total{envoy_cluster_name="backend"}`.
 */

interface Sample {
  metric: string;
  labels: Array<[string, string]>;
  type: 'counter' | 'gauge';
  value: number;
}

/** Envoy's default tag extractors for the scopes this proxy uses (source/common/config/well_known_names.cc). */
const SCOPES: Array<{ re: RegExp; prefix: string; label: string }> = [
  { re: /^cluster\.([^.]*)\.(.+)$/, prefix: 'cluster', label: 'envoy_cluster_name' },
  { re: /^http\.([^.]*)\.(.+)$/, prefix: 'http', label: 'envoy_http_conn_manager_prefix' },
  // An address holds dots: `127.0.0.1:8080`, `[::1]:8080`, or Envoy's own `127.0.0.1_8080`.
  {
    re: /^listener\.((?:\d{1,3}(?:\.\d{1,3}){3}|\[[^\]]*\])[_:]\d+)\.(.+)$/,
    prefix: 'listener',
    label: 'envoy_listener_address',
  },
  { re: /^listener\.([^.]*)\.(.+)$/, prefix: 'listener', label: 'envoy_listener_address' },
];

/** Colons are legal in metric names but reserved for recording rules. */
function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Splits one dotted stat name into a Prometheus metric name and labels. */
export function toPrometheusName(name: string): { metric: string; labels: Array<[string, string]> } {
  const labels: Array<[string, string]> = [];
  let base = name;
  for (const scope of SCOPES) {
    const m = scope.re.exec(name);
    if (m) {
      labels.push([scope.label, m[1]]);
      base = `${scope.prefix}.${m[2]}`;
      break;
    }
  }
  const code = /^(.*)_(\d{3})$/.exec(base);
  const codeClass = /^(.*)_(\d)xx$/.exec(base);
  if (code) {
    base = code[1];
    labels.push(['envoy_response_code', code[2]]);
  } else if (codeClass) {
    base = `${codeClass[1]}_xx`;
    labels.push(['envoy_response_code_class', codeClass[2]]);
  }
  return { metric: sanitize(`envoy_${base.replace(/\./g, '_')}`), labels };
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

export function renderPrometheus(stats: StatsStore): string {
  const byMetric = new Map<string, Sample[]>();
  for (const s of stats.snapshot()) {
    const { metric, labels } = toPrometheusName(s.name);
    let samples = byMetric.get(metric);
    if (!samples) {
      samples = [];
      byMetric.set(metric, samples);
    }
    samples.push({ metric, labels, type: s.type, value: s.value });
  }
  const lines: string[] = [];
  for (const metric of [...byMetric.keys()].sort()) {
    const samples = byMetric.get(metric)!;
    // One TYPE per metric family; the first sample's kind wins if a name was used both ways.
    lines.push(`# TYPE ${metric} ${samples[0].type}`);
    const rendered = samples.map((s) => {
      const labels = s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
      return `${metric}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`;
    });
    lines.push(...rendered.sort());
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
