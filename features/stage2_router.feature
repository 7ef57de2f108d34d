Feature: Stage 2 - router
  Once a request's head is complete, the proxy chooses where it goes: a route (by path, and optionally by a
  header), the route's cluster, and one endpoint of that cluster. It asks for an upstream connection right away,
  without waiting for the request body. A request no route matches is answered by the proxy itself and is never
  forwarded. The request target reaches the upstream in origin form, with its query intact.

  Seed stage 2 ("Downstream Request Router"), steps 2.1-2.8: decodeHeaders (2.1); route to cluster (2.2);
  connection pool for the cluster (2.3); upstream request created (2.4) and its headers encoded (2.5); load
  balancer picks the host (2.6); a new upstream socket registered and connected without blocking (2.7);
  downstream and upstream associated (2.8).
  Envoy mapping: Router::Filter::decodeHeaders -> ClusterManager::getThreadLocalCluster -> createConnPool (the load
  balancer chooses the host here) -> UpstreamRequest::encodeHeaders -> ConnPool::newStream ->
  tryCreateNewConnection (non-blocking connect). No route: a 404 local reply with an empty body (flag NR).

  Background:
    Given an upstream "app"
    And the proxy routes prefix "/app" to "app"

  @stage-2 @seed-1.8 @seed-2.2 @core
  Scenario: A request whose path starts with a route's prefix goes to that route's cluster
    Given an upstream "api"
    And the proxy routes prefix "/api" to "api"
    When the client sends:
      """
      GET /api/users HTTP/1.1
      Host: example.com

      """
    Then upstream "api" received 1 request
    And upstream "app" received no request

  @stage-2 @seed-2.2 @core
  Scenario: A request no route matches is not forwarded to any upstream
    When the client sends:
      """
      GET /nowhere HTTP/1.1
      Host: example.com

      """
    Then upstream "app" received no request

  @stage-2 @seed-2.2 @envoy
  Scenario: A request no route matches is answered 404 with an empty body
    When the client sends:
      """
      GET /nowhere HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 404
    And the response has an empty body

  @stage-2 @seed-2.2 @rfc9110-9.3.2 @envoy
  Scenario: The proxy's own 404 to a HEAD request carries no body, so the next response on the connection is intact
    When the client sends:
      """
      HEAD /nowhere HTTP/1.1
      Host: example.com

      GET /app/after HTTP/1.1
      Host: example.com

      """
    Then the client receives responses with statuses "404, 200"

  @stage-2 @seed-2.2 @extended @needs-route-exact-path
  Scenario: A request whose path equals an exact-path route goes to that route's cluster
    Given an upstream "health"
    And the proxy routes path "/app/health" to "health"
    When the client sends:
      """
      GET /app/health HTTP/1.1
      Host: example.com

      """
    Then upstream "health" received 1 request

  @stage-2 @seed-2.2 @extended @needs-route-exact-path
  Scenario: An exact-path route does not match a longer path
    Given an upstream "health"
    And the proxy routes path "/app/health" to "health"
    When the client sends:
      """
      GET /app/health/deep HTTP/1.1
      Host: example.com

      """
    Then upstream "health" received no request
    And upstream "app" received 1 request

  @stage-2 @seed-2.2 @extended @needs-route-by-header
  Scenario: A request carrying the header a route requires goes to that route's cluster
    Given an upstream "canary"
    And the proxy routes requests with header "x-canary" = "yes" to "canary"
    When the client sends:
      """
      GET /app/page HTTP/1.1
      Host: example.com
      X-Canary: yes

      """
    Then upstream "canary" received 1 request
    And upstream "app" received no request

  @stage-2 @seed-2.2 @extended @needs-route-by-header
  Scenario: A request without the header a route requires falls through to the next route
    Given an upstream "canary"
    And the proxy routes requests with header "x-canary" = "yes" to "canary"
    When the client sends:
      """
      GET /app/page HTTP/1.1
      Host: example.com

      """
    Then upstream "app" received 1 request
    And upstream "canary" received no request

  @stage-2 @seed-2.2 @rfc9112-3.2.1 @core
  Scenario: The query string reaches the upstream unchanged
    When the client sends:
      """
      GET /app/search?q=a%20b&page=2 HTTP/1.1
      Host: example.com

      """
    Then the request upstream "app" received has target "/app/search?q=a%20b&page=2"

  @stage-2 @seed-2.2 @rfc3986-3.4 @core
  Scenario: A route prefix is matched against the path, not the query
    Given an upstream "other"
    And the proxy routes prefix "/other" to "other"
    When the client sends:
      """
      GET /app?next=/other HTTP/1.1
      Host: example.com

      """
    Then upstream "app" received 1 request
    And upstream "other" received no request

  @stage-2 @seed-2.2 @rfc9112-3.2.2 @rfc9112-3.2.1 @core
  Scenario: A request in absolute form is forwarded in origin form
    When the client sends:
      """
      GET http://example.com/app/absolute?x=1 HTTP/1.1
      Host: example.com

      """
    Then the request upstream "app" received has target "/app/absolute?x=1"

  @stage-2 @seed-2.2 @rfc9112-3.2.2 @extended
  Scenario: For a request in absolute form, the upstream's Host is the target's authority
    When the client sends:
      """
      GET http://authority.example/app/absolute HTTP/1.1
      Host: other.example

      """
    Then the request upstream "app" received has header "host" = "authority.example"

  @stage-2 @seed-2.6 @extended
  Scenario: Requests are spread over the endpoints of a cluster
    Given a cluster "pair" with upstreams "left, right"
    And the proxy routes prefix "/pair" to "pair"
    When 4 clients each send, one after another:
      """
      GET /pair/item HTTP/1.1
      Host: example.com

      """
    Then upstream "left" received at least 1 request
    And upstream "right" received at least 1 request

  @stage-2 @seed-1.8 @seed-2.1 @envoy @needs-proxy-trace
  Scenario: The router decides where the request goes before it asks a connection pool for a stream
    When the client sends:
      """
      GET /app/trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "route_matched" before the proxy emitted "pool_new_stream"

  @stage-2 @seed-2.3 @extended
  Scenario: No connection is opened to a cluster that no request has gone to
    Given an upstream "api"
    And the proxy routes prefix "/api" to "api"
    When the client sends:
      """
      GET /app/page HTTP/1.1
      Host: example.com

      """
    Then upstream "app" saw 1 connection
    And upstream "api" saw 0 connections

  @stage-2 @seed-2.3 @seed-2.7 @envoy @needs-proxy-trace
  Scenario: The first request to a cluster makes its connection pool open a connection
    When the client sends:
      """
      GET /app/trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "pool_new_stream" before the proxy emitted "upstream_connect_start"

  @stage-2 @seed-2.8 @envoy @needs-proxy-trace
  Scenario: The request is bound to the upstream connection that carries it
    When the client sends:
      """
      GET /app/trace HTTP/1.1
      Host: example.com

      """
    Then the proxy's "pool_attach" has the same "st" as its "request_begin"
    And the proxy's "pool_attach" has the same "ucx" as its "upstream_write"

  @stage-2 @seed-2.2 @seed-2.7 @envoy @needs-proxy-trace
  Scenario: The route is matched before the connection to the upstream is started
    When the client sends:
      """
      GET /app/trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "route_matched" before the proxy emitted "upstream_connect_start"

  @stage-2 @seed-2.6 @seed-2.7 @envoy @needs-proxy-trace
  Scenario: The load balancer picks the endpoint before the connection to it is started
    When the client sends:
      """
      GET /app/trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "host_selected" before the proxy emitted "upstream_connect_start"

  @stage-2 @seed-2.4 @seed-2.5 @envoy @needs-proxy-trace
  Scenario: The connection pool is asked for a stream as soon as the request head is complete, before any body byte
    When the client sends:
      """
      POST /app/upload HTTP/1.1
      Host: example.com
      Content-Length: 9

      <pause 300 ms>
      late-body
      """
    Then the proxy emitted "pool_new_stream" before the client sent "late-body"

  @stage-2 @seed-2.7 @envoy
  Scenario: The upstream connection is opened before the client has sent the request body
    When the client sends:
      """
      POST /app/upload HTTP/1.1
      Host: example.com
      Content-Length: 9

      <pause 300 ms>
      late-body
      """
    Then upstream "app" accepted a connection before the client sent "late-body"
