Feature: Invariants - properties every exchange keeps, whatever the scenario
  After every scenario of this suite the harness checks a set of proxy-agnostic invariants over the shared
  timeline: what the client sent and received, what each upstream received and sent, and when. A violation fails
  the scenario that caused it. The scenarios below exist so that each invariant is provably exercised (its checker
  examined at least one real case), not holding vacuously.

  Stages: the invariants span the whole path, stage 1 (what reaches the upstream and when) to stage 5 (what the
  client is handed as complete). Envoy mapping: these are the guarantees Envoy's HTTP connection manager, router
  and HTTP/1 connection pool keep between them (no early forwarding, one stream per HTTP/1 upstream connection,
  serial pipelining, no reuse of a connection the peer ended, resets propagated instead of completing responses).
  Reuse is demonstrated on one client connection, each request sent once the previous response arrived: a proxy
  may keep a client's first request off shared connections (haproxy's default `http-reuse safe`). Pipelining is
  demonstrated with non-safe methods: RFC 9112 9.3.2 lets requests with safe methods be processed in parallel.

  Background:
    Given an upstream "app"
    And the proxy routes prefix "/" to "app"

  @invariant @seed-3.4 @rfc9112-9.3 @core
  Scenario: No upstream receives a byte of a request before the client sent it
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 12

      first-
      <pause 100 ms>
      second
      """
    Then invariant "INV-01-NO-EARLY-BYTES" was exercised

  @invariant @seed-3.2 @rfc9112-9.3 @core @needs-upstream-keepalive
  Scenario: A reused upstream connection never carries two outstanding requests
    When the client sends:
      """
      GET /again/1 HTTP/1.1
      Host: example.com

      <await response>
      GET /again/2 HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-02-ONE-OUTSTANDING-REQUEST" was exercised

  @invariant @seed-1.5 @rfc9112-9.3.2 @extended
  Scenario: A pipelined request with a non-safe method waits for the upstream to finish the previous response
    Given upstream "app" replies:
      """
      [{"body": "first", "delayBeforeHeadersMs": 200}, {"body": "second"}]
      """
    When the client sends:
      """
      POST /pipelined/1 HTTP/1.1
      Host: example.com
      Content-Length: 0

      POST /pipelined/2 HTTP/1.1
      Host: example.com
      Content-Length: 0

      """
    Then invariant "INV-03-PIPELINE-WAITS-FOR-UPSTREAM" was exercised

  @invariant @seed-4 @rfc9112-8 @core
  Scenario: A response the upstream cut short is never complete at the client
    Given upstream "app" replies:
      """
      {"body": "0123456789abcdefghijklmnopqrstuvwxyz", "abort": {"how": "fin", "at": "mid-body"}}
      """
    When the client sends:
      """
      GET /cut HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-04-NO-COMPLETE-AFTER-UPSTREAM-ABORT" was exercised

  @invariant @seed-2.5 @rfc9110-7.6 @core
  Scenario: Every upstream request carries a request a client sent, in the client's order
    When the client sends:
      """
      GET /one HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-05-UPSTREAM-REQUESTS-MATCH-DOWNSTREAM" was exercised

  @invariant @seed-3.2 @rfc9112-9.3 @core @needs-upstream-keepalive
  Scenario: An upstream connection is reused only when idle
    When the client sends:
      """
      POST /again/1 HTTP/1.1
      Host: example.com
      Content-Length: 4

      body
      <await response>
      POST /again/2 HTTP/1.1
      Host: example.com
      Content-Length: 4

      body
      """
    Then invariant "INV-06-REUSED-CONNECTION-WAS-IDLE" was exercised

  @invariant @seed-4 @seed-5 @rfc9110-15 @core
  Scenario: A success response reaches the client only after the upstream began it
    When the client sends:
      """
      GET /one HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-07-NO-RESPONSE-BEFORE-UPSTREAM" was exercised

  @invariant @seed-3.4 @rfc9112-9.6 @extended
  Scenario: After a client aborts, the request it abandoned does not begin again upstream
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 100

      only-part-of-the-body
      <await upstream "app" request>
      <reset>
      """
    Then upstream "app" has no open connection
    And invariant "INV-08-NO-UPSTREAM-REQUEST-AFTER-CLIENT-ABORT" was exercised

  @invariant @seed-4 @seed-5 @rfc9112-6.3 @core
  Scenario: A response complete at the client was complete from the upstream, with the same body
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two"}]}
      """
    When the client sends:
      """
      GET /whole HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-09-COMPLETE-DOWNSTREAM-WAS-COMPLETE-UPSTREAM" was exercised

  @invariant @seed-5 @rfc9112-9.3.2 @core
  Scenario: Responses reach the client in the order of its requests
    Given upstream "app" replies:
      """
      [{"body": "first"}, {"body": "second"}]
      """
    When the client sends:
      """
      GET /pipelined/1 HTTP/1.1
      Host: example.com

      GET /pipelined/2 HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-10-RESPONSES-IN-REQUEST-ORDER" was exercised

  @invariant @seed-4 @rfc9112-9.6 @core
  Scenario: No request follows a response that announced the end of its upstream connection
    Given upstream "app" replies:
      """
      {"body": "bye", "connectionClose": true}
      """
    When 2 clients each send, one after another:
      """
      GET /again HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-11-NO-REQUEST-AFTER-ANNOUNCED-CLOSE" was exercised

  @invariant @seed-4 @rfc9112-9.6 @core
  Scenario: An upstream connection the upstream ended mid-exchange carries no further request
    Given upstream "app" replies:
      """
      [{"body": "0123456789abcdefghijklmnopqrstuvwxyz", "abort": {"how": "fin", "at": "mid-body"}}, {"body": "ok"}]
      """
    When 2 clients each send, one after another:
      """
      GET /again HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-12-CLOSED-CONNECTION-NOT-REUSED" was exercised

  @invariant @seed-3.4 @rfc9112-6 @core
  Scenario: A request body reaches the upstream as the client sent it
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Transfer-Encoding: chunked

      6
      first-
      6
      second
      0

      """
    Then invariant "INV-13-REQUEST-BODY-INTACT" was exercised

  @invariant @seed-1.4 @rfc9112-9.3 @core
  Scenario: A success response answers a request whose head the client had already sent
    When the client sends:
      """
      GET /one HTTP/1.1
      Host: example.com

      """
    Then invariant "INV-14-NO-SUCCESS-BEFORE-REQUEST-HEAD" was exercised
