@stage-1
Feature: Fixture stage one

  @core
  Scenario: A passing scenario
    Given a step that passes
    And the target is "fixture"

  @core @needs-trailers
  Scenario: A scenario the target does not support
    Given a step the target does not support

  @extended @stage-4
  Scenario Outline: An outline with <n> rows
    Given a step that passes

    Examples:
      | n   |
      | one |
      | two |
