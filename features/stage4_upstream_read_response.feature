Feature: Stage 4 - upstream read response
  The proxy reads the upstream's response as it arrives and hands it to the client side at once, head first,
  then body pieces. A response it cannot frame is replaced by a 502; an upstream that goes away before its
  response head turns into a 5xx; an upstream that goes away in the middle of a body leaves the client with a
  visibly incomplete response, never one that looks complete. Interim 1xx responses are passed on to clients
  that can take them. A response that arrives too late is replaced by a 504.

  Seed stage 4 ("Upstream Read Response"; figure only, the seed's text leaves it out), steps 4.1-4.5: upstream
  socket read-ready (4.1); bytes read until EAGAIN and dispatched to the client codec (4.2); the response decoded
  incrementally (4.3) and handed to the downstream encoder while still being read (4.4); once it is completely
  encoded, reading from the client resumes so the next pipelined request may be parsed (4.5).
  Envoy mapping: ConnectionImpl::onReadReady -> CodecClient::onData -> ClientConnectionImpl::dispatch ->
  UpstreamRequest::decodeHeaders / decodeData -> FilterManager::encodeHeaders / encodeData (downstream encoding
  starts) -> onMessageComplete -> connection released to the pool or closed. Protocol error: 502 (flag UPE);
  reset before headers: 503 "... reset reason: connection termination" (UC); route timeout: 504 "upstream request
  timeout" (UT); reset after headers: downstream connection closed with the response incomplete.

  Background:
    Given an upstream "app"
    And the proxy routes prefix "/" to "app"

  @stage-4 @seed-4 @rfc9112-6.3 @core
  Scenario Outline: A response with an invalid Content-Length is replaced by a 502 (<case>)
    Given upstream "app" replies with the bytes:
      """
      HTTP/1.1 200 OK
      <fields>

      hello
      """
    When the client sends:
      """
      GET /bad-length HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 502

    Examples:
      | case                      | fields                                 |
      | not-a-number              | Content-Length: five                   |
      | differing-content-lengths | Content-Length: 5\nContent-Length: 7   |
      | content-length-list       | Content-Length: 5, 7                   |
      | negative                  | Content-Length: -5                     |

  @stage-4 @seed-4 @rfc9110-15.6.3 @envoy
  Scenario Outline: A response the proxy cannot parse is replaced by a 502 (<case>)
    Given upstream "app" replies with the bytes:
      """
      <head>
      Content-Length: 5

      hello
      """
    When the client sends:
      """
      GET /garbage HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 502

    Examples:
      | case                | head                                 |
      | not-http            | SSH-2.0-OpenSSH_9.6                  |
      | status-not-numeric  | HTTP/1.1 OK OK                       |
      | status-four-digits  | HTTP/1.1 2000 OK                     |
      | status-two-digits   | HTTP/1.1 20 OK                       |
      | field-without-colon | HTTP/1.1 200 OK\nthis line is broken |

  @stage-4 @seed-4 @envoy
  Scenario: A response the proxy cannot parse is answered with Envoy's protocol-error text
    Given upstream "app" replies with the bytes:
      """
      SSH-2.0-OpenSSH_9.6

      """
    When the client sends:
      """
      GET /garbage HTTP/1.1
      Host: example.com

      """
    Then the response has body "upstream connect error or disconnect/reset before headers. reset reason: protocol error"

  @stage-4 @seed-4 @rfc9110-15.6 @core
  Scenario Outline: An upstream that goes away before its response head turns into a 5xx (<case>)
    Given upstream "app" replies:
      """
      <reply>
      """
    When the client sends:
      """
      GET /gone HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 5xx

    Examples:
      | case                | reply                                               |
      | fin-after-request   | {"abort": {"how": "fin", "at": "before-response"}} |
      | rst-after-request   | {"abort": {"how": "rst", "at": "before-response"}} |
      | fin-mid-status-line | {"abort": {"how": "fin", "at": "mid-headers"}}     |
      | rst-on-accept       | {"abort": {"how": "rst", "at": "on-accept"}}       |

  @stage-4 @seed-4 @envoy
  Scenario: An upstream that closes before its response head is answered 503 with Envoy's termination text
    Given upstream "app" replies:
      """
      {"abort": {"how": "fin", "at": "before-response"}}
      """
    When the client sends:
      """
      GET /gone HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 503
    And the response has body "upstream connect error or disconnect/reset before headers. reset reason: connection termination"

  @stage-4 @seed-4 @seed-5 @rfc9112-8 @core
  Scenario Outline: A response cut short by the upstream stays visibly incomplete at the client (<case>)
    Given upstream "app" replies:
      """
      <reply>
      """
    When the client sends:
      """
      GET /cut HTTP/1.1
      Host: example.com

      """
    Then the response is incomplete and the connection is closed

    Examples:
      | case                 | reply                                                                                                        |
      | length-fin-mid-body  | {"body": "0123456789abcdefghijklmnopqrstuvwxyz", "abort": {"how": "fin", "at": "mid-body"}}                 |
      | length-rst-mid-body  | {"body": "0123456789abcdefghijklmnopqrstuvwxyz", "abort": {"how": "rst", "at": "mid-body"}}                 |
      | chunked-fin-mid-body | {"chunks": [{"data": "first-chunk"}, {"data": "second-chunk"}], "abort": {"how": "fin", "at": "mid-body"}} |
      | chunked-rst-mid-body | {"chunks": [{"data": "first-chunk"}, {"data": "second-chunk"}], "abort": {"how": "rst", "at": "mid-body"}} |
      | fin-after-head       | {"body": "0123456789abcdefghijklmnopqrstuvwxyz", "abort": {"how": "fin", "at": "after-headers"}}            |

  @stage-4 @seed-4.1 @seed-4.3 @seed-4.4 @extended
  Scenario: The response head reaches the client before the upstream sends the body
    Given upstream "app" replies:
      """
      {"body": "late-body", "delayBeforeBodyMs": 300}
      """
    When the client sends:
      """
      GET /head-first HTTP/1.1
      Host: example.com

      """
    Then the client received "HTTP/1.1 200" before upstream "app" sent "late-body"

  @stage-4 @seed-4 @rfc9110-15.2 @rfc8297 @core
  Scenario: An interim 103 response from the upstream is passed on to an HTTP/1.1 client
    Given upstream "app" replies:
      """
      {"informational": [{"status": 103, "headers": [["link", "</style.css>; rel=preload"]]}], "body": "ok"}
      """
    When the client sends:
      """
      GET /hints HTTP/1.1
      Host: example.com

      """
    Then the response is preceded by an interim 103 response

  @stage-4 @seed-4 @rfc9110-15.2 @core
  Scenario: No interim response is sent to an HTTP/1.0 client
    Given upstream "app" replies:
      """
      {"informational": [{"status": 103, "headers": [["link", "</style.css>; rel=preload"]]}], "body": "ok"}
      """
    When the client sends:
      """
      GET /hints HTTP/1.0
      Host: example.com

      """
    Then the response is preceded by no interim response

  @stage-4 @seed-4 @rfc9110-15.6.5 @extended @needs-response-timeout
  Scenario: An upstream that does not answer in time is replaced by a 504
    Given the proxy's response timeout is 300 ms
    And upstream "app" replies:
      """
      {"delayBeforeHeadersMs": 2500, "body": "too late"}
      """
    When the client sends:
      """
      GET /slow HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 504

  @stage-4 @seed-4 @envoy @needs-response-timeout
  Scenario: The response-timeout reply carries Envoy's text
    Given the proxy's response timeout is 300 ms
    And upstream "app" replies:
      """
      {"delayBeforeHeadersMs": 2500, "body": "too late"}
      """
    When the client sends:
      """
      GET /slow HTTP/1.1
      Host: example.com

      """
    Then the response has body "upstream request timeout"

  @stage-4 @seed-4 @rfc9112-6.3 @core
  Scenario: A response delimited by the upstream closing its connection is forwarded whole
    Given upstream "app" replies:
      """
      {"closeDelimited": true, "body": "until-close"}
      """
    When the client sends:
      """
      GET /close-delimited HTTP/1.1
      Host: example.com

      """
    Then the response has body "until-close"

  @stage-4 @seed-4 @rfc9112-6.2 @core
  Scenario: A large response body reaches the client byte for byte
    Given upstream "app" replies with a body of 1048576 bytes
    When the client sends:
      """
      GET /large HTTP/1.1
      Host: example.com

      """
    Then the response has a body of 1048576 bytes

  @stage-4 @seed-4 @rfc9112-9.6 @envoy
  Scenario: A response that completes before the request was fully received tells the client the connection ends
    Given upstream "app" replies:
      """
      {"respondAfter": "request-headers", "status": 413, "body": "too big"}
      """
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 1000

      0123456789
      <await response>
      """
    Then the response has header "connection" = "close"

  @stage-4 @seed-4 @rfc9112-9.6 @extended
  Scenario: An early response from the upstream reaches the client while the request body is still unsent
    Given upstream "app" replies:
      """
      {"respondAfter": "request-headers", "status": 413, "body": "too big"}
      """
    When the client sends:
      """
      POST /upload HTTP/1.1
      Host: example.com
      Content-Length: 1000

      0123456789
      """
    Then the client receives a response with status 413

  @stage-4 @seed-4.4 @envoy @needs-proxy-trace
  Scenario: The proxy starts writing the response to the client before it has read the whole response
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two", "delayMs": 300}]}
      """
    When the client sends:
      """
      GET /streamed HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "downstream_write" before the proxy emitted "response_complete"

  @stage-4 @seed-4.2 @seed-4.3 @rfc9112-2.2 @core
  Scenario: A response that arrives in small pieces, some of one byte, is reassembled before it is passed on
    Given upstream "app" replies with the bytes:
      """
      H
      <pause 20 ms>
      TTP/1.1 2
      <pause 20 ms>
      00 OK\r
      <pause 20 ms>
      \n
      <pause 20 ms>
      Content-Length
      <pause 20 ms>
      :
      <pause 20 ms>
       11\r\n
      <pause 20 ms>
      \r
      <pause 20 ms>
      \n
      <pause 20 ms>
      p
      <pause 20 ms>
      iecewise!!
      """
    When the client sends:
      """
      GET /pieces HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 200
    And the response has body "piecewise!!"

  @stage-4 @seed-4.1 @seed-4.2 @envoy @needs-proxy-trace
  Scenario: The response is decoded from bytes read when the upstream connection becomes readable
    When the client sends:
      """
      GET /trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "upstream_read_ready" before the proxy emitted "response_headers"

  @stage-4 @seed-4.3 @envoy @needs-proxy-trace
  Scenario: The proxy decodes the response head as soon as it arrives, before the upstream sends the body
    Given upstream "app" replies:
      """
      {"body": "late-body", "delayBeforeBodyMs": 300}
      """
    When the client sends:
      """
      GET /head-first HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "response_headers" before upstream "app" sent "late-body"

  @stage-4 @seed-4.5 @envoy @needs-proxy-trace
  Scenario: The next pipelined request is parsed only after reading from the client resumes
    When the client sends:
      """
      GET /pipelined/1 HTTP/1.1
      Host: example.com

      GET /pipelined/2 HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "read_enabled" before the proxy emitted "request_begin" for the 2nd time
