import path from 'node:path';

export interface NginxConfigInput {
  /** Directory that holds everything nginx writes: pid, error log, temp dirs. */
  readonly runDir: string;
  readonly listenPort: number;
  readonly originPort: number;
  /** Load-generator connections, to size worker_connections. */
  readonly connections: number;
  /** Idle upstream connections nginx keeps for reuse. */
  readonly upstreamKeepalive: number;
}

/**
 * nginx.conf for the peer run. Only settings that differ from nginx's defaults are written, each with the reason;
 * the aim is nginx as an ordinary keep-alive reverse proxy on one core, doing the same work as the reference.
 */
export function renderNginxConfig(input: NginxConfigInput): string {
  const at = (name: string): string => path.join(input.runDir, name);
  // Each downstream connection can hold one upstream connection, plus headroom for the listener and idle ones.
  const workerConnections = Math.max(1024, input.connections * 2 + 64);
  return `# Written by bench/nginx_config.ts for one bench run; deleted afterwards.

# One worker: the reference proxy runs on one event loop, so both are compared on one core.
worker_processes 1;
# Stay in the foreground as the bench's child, so the bench can watch it and end it.
daemon off;
# Everything nginx writes goes to this run's temp dir: no root-owned system paths, no clash with a system nginx.
pid ${at('nginx.pid')};
error_log ${at('error.log')} warn;

events {
  # The default (512) counts downstream and upstream connections together; sized for --connections.
  worker_connections ${workerConnections};
}

http {
  # The reference's access log is not part of the measured path either; logging would measure disk writes.
  access_log off;
  # Temp paths default to system directories that may be missing or unwritable; keep them in the temp dir.
  client_body_temp_path ${at('client_body_temp')};
  proxy_temp_path ${at('proxy_temp')};
  fastcgi_temp_path ${at('fastcgi_temp')};
  uwsgi_temp_path ${at('uwsgi_temp')};
  scgi_temp_path ${at('scgi_temp')};
  # The default closes a client connection after 1000 requests; the reference (like Envoy) sets no such limit,
  # so both serve the same keep-alive workload without reconnects.
  keepalive_requests 1000000;

  upstream origin {
    server 127.0.0.1:${input.originPort};
    # Idle upstream connections kept for reuse; without it nginx opens a new one per request. The bench sizes it
    # to at least --connections: with 50 clients and the usual 32, the connections released beyond 32 are closed
    # and reopened on the next request (about 20% of requests, ~35% less throughput measured on 2 cores).
    keepalive ${input.upstreamKeepalive};
    # Same reason as keepalive_requests above, for the upstream side (default 1000).
    keepalive_requests 1000000;
  }

  server {
    # Loopback only.
    listen 127.0.0.1:${input.listenPort};

    location / {
      proxy_pass http://origin;
      # The default upstream protocol is HTTP/1.0, which cannot keep the upstream connection alive.
      proxy_http_version 1.1;
      # The default sends "Connection: close" upstream; an empty value removes the header so the pool is reused.
      proxy_set_header Connection "";
    }
  }
}
`;
}
