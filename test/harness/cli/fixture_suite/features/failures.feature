@stage-2 @failures
Feature: Fixture failures

  @core
  Scenario: A failing scenario
    Given a step that fails

  @extended
  Scenario: A scenario skipped for no declared reason
    Given a step that skips

  @envoy
  Scenario: A scenario with an undefined step
    Given a step nobody wrote
