import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPrometheus, toPrometheusName } from '../../../reference/stats/prometheus';
import { StatNameConflictError, StatsStoreImpl } from '../../../reference/stats/stats_impl';

describe('StatsStoreImpl', () => {
  it('returns the same handle for a name, counters count, gauges go both ways', () => {
    const store = new StatsStoreImpl();
    const c = store.counter('cluster.a.upstream_rq_total');
    assert.equal(store.counter('cluster.a.upstream_rq_total'), c);
    c.inc();
    c.inc(4);
    const g = store.gauge('cluster.a.upstream_cx_active');
    g.inc(3);
    g.dec();
    assert.equal(c.value, 5);
    assert.equal(g.value, 2);
    g.set(7);
    assert.equal(g.value, 7);
  });

  it('snapshots every stat sorted by name with its type', () => {
    const store = new StatsStoreImpl();
    store.counter('z.c').inc();
    store.gauge('a.g').set(2);
    store.counter('m.c');
    assert.deepEqual(store.snapshot(), [
      { name: 'a.g', type: 'gauge', value: 2 },
      { name: 'm.c', type: 'counter', value: 0 },
      { name: 'z.c', type: 'counter', value: 1 },
    ]);
  });

  it('refuses one name as both a counter and a gauge', () => {
    const store = new StatsStoreImpl();
    store.counter('x');
    assert.throws(() => store.gauge('x'), StatNameConflictError);
    store.gauge('y');
    assert.throws(() => store.counter('y'), StatNameConflictError);
  });
});

describe('prometheus rendering', () => {
  it('splits Envoy scopes into metric names and labels', () => {
    assert.deepEqual(toPrometheusName('cluster.backend.upstream_cx_total'), {
      metric: 'envoy_cluster_upstream_cx_total',
      labels: [['envoy_cluster_name', 'backend']],
    });
    assert.deepEqual(toPrometheusName('http.ingress_http.downstream_rq_total'), {
      metric: 'envoy_http_downstream_rq_total',
      labels: [['envoy_http_conn_manager_prefix', 'ingress_http']],
    });
    assert.deepEqual(toPrometheusName('listener.127.0.0.1_8080.downstream_cx_total'), {
      metric: 'envoy_listener_downstream_cx_total',
      labels: [['envoy_listener_address', '127.0.0.1_8080']],
    });
    assert.deepEqual(toPrometheusName('listener.[::1]_8080.downstream_cx_active'), {
      metric: 'envoy_listener_downstream_cx_active',
      labels: [['envoy_listener_address', '[::1]_8080']],
    });
    assert.deepEqual(toPrometheusName('listener.127.0.0.1:37595.downstream_cx_total'), {
      metric: 'envoy_listener_downstream_cx_total',
      labels: [['envoy_listener_address', '127.0.0.1:37595']],
    });
    assert.deepEqual(toPrometheusName('listener.[::1]:80.downstream_cx_total').labels, [
      ['envoy_listener_address', '[::1]:80'],
    ]);
    assert.deepEqual(toPrometheusName('listener.main.downstream_cx_total').labels, [
      ['envoy_listener_address', 'main'],
    ]);
    assert.deepEqual(toPrometheusName('server.uptime'), { metric: 'envoy_server_uptime', labels: [] });
  });

  it('turns response codes and classes into labels, as Envoy does', () => {
    assert.deepEqual(toPrometheusName('cluster.b.upstream_rq_503'), {
      metric: 'envoy_cluster_upstream_rq',
      labels: [
        ['envoy_cluster_name', 'b'],
        ['envoy_response_code', '503'],
      ],
    });
    assert.deepEqual(toPrometheusName('http.h.downstream_rq_2xx'), {
      metric: 'envoy_http_downstream_rq_xx',
      labels: [
        ['envoy_http_conn_manager_prefix', 'h'],
        ['envoy_response_code_class', '2'],
      ],
    });
  });

  it('renders valid text exposition: one TYPE line per family, escaped labels, sorted', () => {
    const store = new StatsStoreImpl();
    store.counter('cluster.b.upstream_cx_total').inc(3);
    store.counter('cluster.a.upstream_cx_total').inc(1);
    store.gauge('cluster.a.upstream_cx_active').set(2);
    store.counter('cluster.we"ird.upstream_cx_total');
    store.counter('http.in.downstream_rq_2xx').inc(5);
    store.gauge('odd-name.x').set(-1);
    assert.equal(
      renderPrometheus(store),
      [
        '# TYPE envoy_cluster_upstream_cx_active gauge',
        'envoy_cluster_upstream_cx_active{envoy_cluster_name="a"} 2',
        '# TYPE envoy_cluster_upstream_cx_total counter',
        'envoy_cluster_upstream_cx_total{envoy_cluster_name="a"} 1',
        'envoy_cluster_upstream_cx_total{envoy_cluster_name="b"} 3',
        'envoy_cluster_upstream_cx_total{envoy_cluster_name="we\\"ird"} 0',
        '# TYPE envoy_http_downstream_rq_xx counter',
        'envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="in",envoy_response_code_class="2"} 5',
        '# TYPE envoy_odd_name_x gauge',
        'envoy_odd_name_x -1',
        '',
      ].join('\n'),
    );
    assert.equal(renderPrometheus(new StatsStoreImpl()), '');
  });
});
