Feature: Stage 3 - upstream connect and write
  The proxy connects to the chosen endpoint (or takes an idle pooled connection) and writes the request: its head
  transformed for the next hop (hop-by-hop fields removed, forwarding fields added, Host kept) and its body
  streamed as it arrives. A pooled connection is reused only when nothing about the previous exchange forbids it.
  When the upstream cannot be reached, or a cluster is at its limits, the client gets an error from the proxy; when
  the client goes away mid-request, the upstream request is abandoned.

  Seed stage 3 ("Upstream Write Request"), steps 3.1-3.4: upstream socket write-ready (3.1); the connect succeeded
  and the "connected" event reaches the pool (3.2); the pool attaches the waiting request to the new connection
  (3.3); the encoded request is written (3.4). The seed's trace shows connect completion and the first write in
  one callback.
  Envoy mapping: ConnectionImpl::onWriteReady -> raiseEvent(Connected) -> ConnPool::onConnectionEvent ->
  attachStreamToClient -> onPoolReady -> UpstreamRequest encodes headers, buffered body, then streamed body ->
  ConnectionImpl::doWrite (writev). Connect failure: 503 "upstream connect error or disconnect/reset before headers.
  reset reason: connection failure" (flag UF). Circuit breaker overflow: 503 with x-envoy-overloaded (flag UO).

  Background:
    Given an upstream "app"
    And the proxy routes prefix "/" to "app"

  @stage-3 @seed-3.2 @rfc9110-15.6 @core
  Scenario: An upstream that refuses the connection turns into a 5xx from the proxy
    Given a cluster "dead" whose endpoint refuses connections
    And the proxy routes prefix "/dead" to "dead"
    When the client sends:
      """
      GET /dead/end HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 5xx

  @stage-3 @seed-3.2 @envoy
  Scenario: An upstream that refuses the connection is answered 503 with Envoy's connect-failure text
    Given a cluster "dead" whose endpoint refuses connections
    And the proxy routes prefix "/dead" to "dead"
    When the client sends:
      """
      GET /dead/end HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 503
    And the response has body "upstream connect error or disconnect/reset before headers. reset reason: connection failure"

  @stage-3 @seed-3.4 @rfc9110-7.6.1 @core
  Scenario Outline: A field the client named in Connection is not forwarded (<case>)
    When the client sends:
      """
      GET /hop HTTP/1.1
      Host: example.com
      Connection: <connection>
      <field>: secret

      """
    Then the request upstream "app" received has no header "<field>"

    Examples:
      | case          | connection   | field        |
      | custom-field  | x-hop-secret | X-Hop-Secret |
      | second-of-two | x-one, x-two | X-Two        |
      | keep-alive    | keep-alive   | Keep-Alive   |
      | te            | te           | TE           |

  @stage-3 @seed-3.4 @envoy
  Scenario Outline: Hop-by-hop fields are removed from the request even when Connection does not name them (<field>)
    When the client sends:
      """
      GET /hop HTTP/1.1
      Host: example.com
      <field>: <value>

      """
    Then the request upstream "app" received has no header "<field>"

    Examples:
      | field            | value      |
      | Keep-Alive       | timeout=5  |
      | Proxy-Connection | keep-alive |
      | Connection       | keep-alive |

  @stage-3 @seed-3.4 @rfc9110-7.2 @extended
  Scenario: The Host header reaches the upstream exactly as the client sent it
    When the client sends:
      """
      GET /host HTTP/1.1
      Host: Example.COM:8443

      """
    Then the request upstream "app" received has header "host" = "Example.COM:8443"

  @stage-3 @seed-3.4 @rfc7239 @extended
  Scenario: The client's address is added as X-Forwarded-For
    When the client sends:
      """
      GET /xff HTTP/1.1
      Host: example.com

      """
    Then the request upstream "app" received has header "x-forwarded-for" = "<client address>"

  @stage-3 @seed-3.4 @rfc7239 @extended
  Scenario: The client's address is appended to an existing X-Forwarded-For
    When the client sends:
      """
      GET /xff HTTP/1.1
      Host: example.com
      X-Forwarded-For: 203.0.113.7

      """
    Then the request upstream "app" received has header "x-forwarded-for" = "203.0.113.7, <client address>"

  @stage-3 @seed-3.4 @extended
  Scenario: The scheme the client used is passed on as X-Forwarded-Proto
    When the client sends:
      """
      GET /xfp HTTP/1.1
      Host: example.com

      """
    Then the request upstream "app" received has header "x-forwarded-proto" = "http"

  @stage-3 @seed-3.4 @envoy
  Scenario: A request without x-request-id gets one
    When the client sends:
      """
      GET /rid HTTP/1.1
      Host: example.com

      """
    Then the request upstream "app" received has header "x-request-id"

  @stage-3 @seed-3.4 @rfc9110-10.1.1 @envoy
  Scenario: The proxy itself answers Expect: 100-continue, so the client sends its body
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 5
      Expect: 100-continue

      <await "100 Continue">
      hello
      """
    Then the response is preceded by an interim 100 response

  @stage-3 @seed-3.4 @rfc9110-10.1.1 @envoy
  Scenario: Expect: 100-continue, already answered by the proxy, is not forwarded
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 5
      Expect: 100-continue

      <await "100 Continue">
      hello
      """
    Then the request upstream "app" received has no header "expect"

  @stage-3 @seed-3.4 @rfc9112-6.2 @core
  Scenario: A request body with Content-Length reaches the upstream intact
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 10

      0123456789
      """
    Then the request upstream "app" received has body "0123456789"

  @stage-3 @seed-3.4 @rfc9112-7.1 @core
  Scenario: A chunked request body reaches the upstream with the same content
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Transfer-Encoding: chunked

      5
      hello
      6
       world
      0

      """
    Then the request upstream "app" received has body "hello world"

  @stage-3 @seed-3.4 @extended
  Scenario: The request body is streamed: the upstream has its first part before the client sends the last
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 18

      part-1
      <pause 300 ms>
      part-2
      <pause 300 ms>
      part-3
      """
    Then upstream "app" received "part-1" before the client sent "part-3"

  @stage-3 @seed-3.2 @rfc9112-9.3 @extended @needs-upstream-keepalive
  Scenario: An idle upstream connection is reused for the next request
    When the client sends:
      """
      GET /again/1 HTTP/1.1
      Host: example.com

      <await response>
      GET /again/2 HTTP/1.1
      Host: example.com

      """
    Then upstream "app" saw 1 connection

  @stage-3 @seed-3.2 @rfc9112-9.6 @rfc9112-9.3 @core
  Scenario Outline: An upstream connection is not reused after a response that ends it (<case>)
    Given upstream "app" replies:
      """
      <reply>
      """
    When 2 clients each send, one after another:
      """
      GET /again HTTP/1.1
      Host: example.com

      """
    Then upstream "app" saw 2 connections

    Examples:
      | case                 | reply                                    |
      | connection-close     | {"body": "one", "connectionClose": true} |
      | http-1.0-response    | {"body": "one", "http10": true}          |
      | close-delimited-body | {"body": "one", "closeDelimited": true}  |

  @stage-3 @seed-3.2 @rfc9112-9.6 @rfc9112-9.3 @core
  Scenario Outline: An upstream connection whose response announced its end is not reused, even while the upstream keeps it open (<case>)
    Given upstream "app" replies:
      """
      <reply>
      """
    When 2 clients each send, one after another:
      """
      GET /again HTTP/1.1
      Host: example.com

      """
    Then upstream "app" saw 2 connections

    Examples:
      | case              | reply                                                            |
      | connection-close  | {"headers": [["Connection", "close"]], "body": "one"}            |
      | http-1.0-response | {"raw": ["HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\none"]} |

  @stage-3 @seed-3.2 @rfc9112-9.3 @core
  Scenario: An upstream connection the upstream closed after a complete response is not reused
    Given upstream "app" replies:
      """
      {"raw": ["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"], "connectionClose": true}
      """
    When 2 clients each send, one after another:
      """
      GET /again HTTP/1.1
      Host: example.com

      """
    Then upstream "app" saw 2 connections

  # Extended: relaying the early response before the request body is complete is not required (Caddy and httpd
  # wait for the body). The RFC part, never reusing a connection whose request was cut, is INV-06, always checked.
  @stage-3 @seed-3.2 @rfc9112-9.3 @extended
  Scenario: An upstream connection is not reused when the request on it was not fully sent
    Given upstream "app" replies:
      """
      {"respondAfter": "request-headers", "status": 200, "body": "early"}
      """
    When 2 clients each send, one after another:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 10

      01234
      <await response>
      <close>
      """
    Then upstream "app" saw 2 connections

  @stage-3 @seed-3.2 @rfc9112-9.3 @envoy @needs-circuit-breakers
  Scenario: A request over the cluster's connection and queue limits is answered 503 at once
    Given cluster "app" allows at most 1 connection and 1 pending request
    And upstream "app" replies:
      """
      {"delayBeforeHeadersMs": 1000, "body": "slow"}
      """
    When 3 clients each send, 200 ms apart:
      """
      GET /busy HTTP/1.1
      Host: example.com

      """
    Then 1 client receives a response with status 503

  @stage-3 @seed-3.3 @envoy @needs-proxy-trace
  Scenario: A request waiting for a new upstream connection is attached to it once it connects
    When the client sends:
      """
      GET /order HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "upstream_connected" before the proxy emitted "pool_attach"
    And the proxy emitted "pool_attach" before the proxy emitted "upstream_write"

  @stage-3 @seed-3.1 @seed-3.2 @seed-3.4 @envoy @needs-proxy-trace
  Scenario: The request is written only once the upstream connection is established
    When the client sends:
      """
      GET /order HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "upstream_connected" before the proxy emitted "upstream_write"

  @stage-3 @seed-3.4 @seed-2.8 @rfc9112-9.6 @core
  Scenario: A client that disconnects mid-request leaves no upstream connection open
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 100

      only-part-of-the-body
      <pause 300 ms>
      <reset>
      """
    Then upstream "app" has no open connection

  @stage-3 @seed-3.4 @rfc9110-2.5 @extended
  Scenario: An HTTP/1.0 request is forwarded as HTTP/1.1
    When the client sends:
      """
      GET /old HTTP/1.0
      Host: example.com

      """
    Then the request upstream "app" received has version "HTTP/1.1"

  @stage-3 @seed-3.2 @extended @needs-upstream-idle-timeout
  Scenario: A pooled upstream connection idle longer than its timeout is closed by the proxy
    Given the proxy's upstream idle timeout is 300 ms
    When the client sends:
      """
      GET /once HTTP/1.1
      Host: example.com

      <await response>
      """
    Then upstream "app" has no open connection

  @stage-3 @seed-3.4 @extended @needs-buffer-limit
  Scenario: A slow upstream holds the client back: the proxy stops reading the request body
    A proxy without flow control takes all 64 MiB. One with it stalls the client once its own buffer and the kernel's
    socket buffers on the path are full: on Linux up to tcp_rmem's maximum (32 MiB by default) for the socket the
    proxy stopped reading plus a few MiB of send buffers, so the bound is 48 MiB, not half the body.

    Given the proxy's buffer limit is 65536 bytes
    When the client uploads 67108864 bytes to "/upload" while upstream "app" is not reading until the transfer stalls
    Then the client sent at most 50331648 bytes while the transfer was stalled

  @stage-3 @seed-3.4 @rfc9112-6.2 @core
  Scenario: A request body held back by a slow upstream still arrives whole
    When the client uploads 8388608 bytes to "/upload" while upstream "app" is not reading until the transfer stalls
    Then the request upstream "app" received has a body of 8388608 bytes
