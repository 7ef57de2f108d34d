@stage-1
Feature: Fixture proxy behaviour

  @core
  Scenario: A scenario every proxy passes
    Given a step that passes

  @core
  Scenario: A scenario the proxy fails
    Given a step that fails unless FIXTURE_PASS names "fails"

  @extended
  Scenario: Another scenario the proxy fails
    Given a step that fails unless FIXTURE_PASS names "other"

  @envoy @needs-trailers
  Scenario: A scenario the proxy does not support
    Given a step the target does not support
