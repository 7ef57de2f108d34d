Feature: Stage 5 - downstream write response
  The proxy writes the response to the client as it flows, re-framed for the client's connection: hop-by-hop
  fields removed, Date present, chunked only for HTTP/1.1 clients, no body where the method or status forbids
  one, trailers passed on where configured. A slow client holds the upstream back instead of filling the proxy's
  memory. The connection is closed after the response when the client asked for it or cannot keep it open; when
  the client goes away mid-response, the upstream exchange is abandoned. Only once a response is completely
  written does the proxy read the client's next request.

  Seed stage 5 ("Downstream Write Response"), steps 5.1-5.2: downstream socket write-ready (5.1); the buffered
  response bytes written with writev (5.2); end of response re-arms reading from the client (readDisable(false)).
  Envoy mapping: Http1::StreamEncoderImpl::encodeHeaders / encodeData / encodeTrailers -> ConnectionImpl::write ->
  onWriteReady -> doWrite (writev); ServerConnectionImpl::onEncodeComplete -> readDisable(false). Date added if
  absent, Server overwritten, Connection and Transfer-Encoding from the upstream dropped; per-connection buffer
  limits raise high/low watermarks that disable and re-enable reading from the other side.

  Background:
    Given an upstream "app"
    And the proxy routes prefix "/" to "app"

  @stage-5 @seed-5 @seed-4.4 @extended
  Scenario: The response is streamed: the client has the first chunk before the upstream sends the last
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two", "delayMs": 300}, {"data": "chunk-three", "delayMs": 300}]}
      """
    When the client sends:
      """
      GET /streamed HTTP/1.1
      Host: example.com

      """
    Then the client received "chunk-one" before upstream "app" sent "chunk-three"

  @stage-5 @seed-5 @rfc9112-7.1 @core
  Scenario: A chunked response reaches the client complete and with the same content
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "abc", "extension": "note=1"}, {"data": "def"}]}
      """
    When the client sends:
      """
      GET /chunked HTTP/1.1
      Host: example.com

      """
    Then the response has body "abcdef"

  @stage-5 @seed-5 @rfc9110-6.6.1 @core
  Scenario: A response without Date gets one
    When the client sends:
      """
      GET /dateless HTTP/1.1
      Host: example.com

      """
    Then the response has header "date"

  @stage-5 @seed-5 @envoy
  Scenario: The upstream's Date is kept
    Given upstream "app" replies:
      """
      {"headers": [["Date", "Tue, 01 Jan 2030 00:00:00 GMT"]], "body": "dated"}
      """
    When the client sends:
      """
      GET /dated HTTP/1.1
      Host: example.com

      """
    Then the response has header "date" = "Tue, 01 Jan 2030 00:00:00 GMT"

  @stage-5 @seed-5 @rfc9110-7.6.1 @core
  Scenario Outline: A response field the upstream named in Connection is not passed to the client (<case>)
    Given upstream "app" replies:
      """
      {"headers": [["Connection", "<connection>"], ["<field>", "secret"]], "body": "ok"}
      """
    When the client sends:
      """
      GET /hop HTTP/1.1
      Host: example.com

      """
    Then the response has no header "<field>"

    Examples:
      | case          | connection   | field        |
      | custom-field  | x-hop-secret | X-Hop-Secret |
      | second-of-two | x-one, x-two | X-Two        |
      | keep-alive    | keep-alive   | Keep-Alive   |

  @stage-5 @seed-5 @envoy
  Scenario Outline: Hop-by-hop fields from the upstream are removed even when Connection does not name them (<field>)
    Given upstream "app" replies:
      """
      {"headers": [["<field>", "<value>"]], "body": "ok"}
      """
    When the client sends:
      """
      GET /hop HTTP/1.1
      Host: example.com

      """
    Then the response has no header "<field>"

    Examples:
      | field            | value      |
      | Connection       | keep-alive |
      | Keep-Alive       | timeout=5  |
      | Proxy-Connection | keep-alive |

  @stage-5 @seed-5 @rfc9110-15.1 @core
  Scenario: The upstream's status code reaches the client
    Given upstream "app" replies with status 418 and body "short and stout"
    When the client sends:
      """
      GET /teapot HTTP/1.1
      Host: example.com

      """
    Then the client receives a response with status 418

  @stage-5 @seed-5 @rfc9110-6.4.1 @rfc9112-6.3 @core
  Scenario Outline: A response without a body does not swallow the next response on the connection (<case>)
    Given upstream "app" replies:
      """
      [<reply>, {"body": "second"}]
      """
    When the client sends:
      """
      <method> /first HTTP/1.1
      Host: example.com

      <await response>
      GET /second HTTP/1.1
      Host: example.com

      """
    Then response 2 has body "second"

    Examples:
      | case                      | method | reply                                                   |
      | head-with-content-length  | HEAD   | {"body": "0123456789"}                                  |
      | no-content-204            | GET    | {"status": 204}                                         |
      | not-modified-304          | GET    | {"status": 304, "headers": [["ETag", "\\"v1\\""]]}      |

  @stage-5 @seed-5 @rfc9112-7.1 @rfc9112-6.1 @core
  Scenario: An HTTP/1.0 client never receives a chunked response
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two"}]}
      """
    When the client sends:
      """
      GET /old HTTP/1.0
      Host: example.com

      """
    Then the response is framed by content-length or close-delimited

  @stage-5 @seed-5 @rfc9112-7.1 @core
  Scenario: An HTTP/1.0 client receives a chunked upstream response whole
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two"}]}
      """
    When the client sends:
      """
      GET /old HTTP/1.0
      Host: example.com

      """
    Then the response has body "chunk-onechunk-two"

  @stage-5 @seed-5 @rfc9112-9.3 @core
  Scenario: An HTTP/1.0 client that did not ask for keep-alive is disconnected after the response
    When the client sends:
      """
      GET /old HTTP/1.0
      Host: example.com

      """
    Then the client connection is closed

  @stage-5 @seed-5 @rfc9112-c.2.2 @extended
  Scenario: An HTTP/1.0 client that asked for keep-alive keeps its connection
    When the client sends:
      """
      GET /old HTTP/1.0
      Host: example.com
      Connection: keep-alive

      <await response>
      """
    Then the client connection stays open

  @stage-5 @seed-5 @rfc9112-9.6 @core
  Scenario: A client that sent Connection: close is disconnected after the response
    When the client sends:
      """
      GET /last HTTP/1.1
      Host: example.com
      Connection: close

      """
    Then the client connection is closed

  @stage-5 @seed-5 @rfc9112-9.6 @extended
  Scenario: A client that sent Connection: close is told so in the response
    When the client sends:
      """
      GET /last HTTP/1.1
      Host: example.com
      Connection: close

      """
    Then the response has header "connection" containing "close"

  @stage-5 @seed-5 @rfc9112-9.3 @extended
  Scenario: An upstream's Connection: close does not end the client's connection
    Given upstream "app" replies:
      """
      {"body": "bye", "connectionClose": true}
      """
    When the client sends:
      """
      GET /upstream-closes HTTP/1.1
      Host: example.com

      <await response>
      GET /next HTTP/1.1
      Host: example.com

      """
    Then the client receives responses with statuses "200, 200"

  @stage-5 @seed-5 @rfc9110-6.5 @extended @needs-trailers
  Scenario: Trailers from the upstream reach a chunked HTTP/1.1 client
    Given the proxy forwards trailers
    And upstream "app" replies:
      """
      {"chunks": [{"data": "payload"}], "trailers": [["x-checksum", "abc123"]]}
      """
    When the client sends:
      """
      GET /trailers HTTP/1.1
      Host: example.com
      TE: trailers

      """
    Then the response has trailer "x-checksum" = "abc123"

  @stage-5 @seed-5 @seed-2.8 @rfc9112-9.6 @extended
  Scenario: A client that disconnects mid-response leaves no upstream connection open
    Given upstream "app" replies:
      """
      {"chunks": [{"data": "chunk-one"}, {"data": "chunk-two", "delayMs": 6000}]}
      """
    When the client sends:
      """
      GET /abandoned HTTP/1.1
      Host: example.com

      <await "chunk-one">
      <reset>
      """
    Then upstream "app" has no open connection

  @stage-5 @seed-5 @seed-4.5 @envoy @needs-proxy-trace
  Scenario: Reading from the client resumes only after the response was completely written
    When the client sends:
      """
      GET /trace HTTP/1.1
      Host: example.com

      """
    Then the proxy emitted "response_encode_complete" before the proxy emitted "read_enabled"

  @stage-5 @seed-5 @extended @needs-buffer-limit
  Scenario: A slow client holds the upstream back: the proxy stops reading the response
    A proxy without flow control takes all 64 MiB. One with it stalls the upstream once its own buffer and the
    kernel's socket buffers on the path are full: on Linux up to tcp_rmem's maximum (32 MiB by default) for the socket
    the proxy stopped reading plus a few MiB of send buffers, so the bound is 48 MiB, not half the body.

    Given the proxy's buffer limit is 65536 bytes
    And upstream "app" replies with a body of 67108864 bytes
    When the client downloads "/big" without reading until the transfer stalls
    Then upstream "app" sent at most 50331648 bytes while the transfer was stalled

  @stage-5 @seed-5.1 @seed-5.2 @rfc9112-6.2 @core
  Scenario: A response held back by a slow client still arrives whole
    Given upstream "app" replies with a body of 8388608 bytes
    When the client downloads "/big" without reading until the transfer stalls
    Then the response has a body of 8388608 bytes

  @stage-5 @seed-5.2 @envoy @needs-proxy-trace
  Scenario: What the proxy writes to the client socket is exactly what the client receives
    Given upstream "app" replies with a body of 262144 bytes
    When the client sends:
      """
      GET /written HTTP/1.1
      Host: example.com

      """
    Then the proxy's "downstream_write" events add up to the bytes the client received

  @stage-5 @seed-5.1 @envoy @needs-proxy-trace @needs-buffer-limit
  Scenario: With a slow client the proxy waits for its socket to drain and then writes on
    Given the proxy's buffer limit is 65536 bytes
    And upstream "app" replies with a body of 33554432 bytes
    When the client downloads "/big" without reading until the transfer stalls
    Then the proxy emitted "watermark_high" before the proxy emitted "watermark_low"
    And the response has a body of 33554432 bytes
