import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { DuplicateScenarioIdError, featureSlug, scenarioIdentities, slug } from '../../../harness/report/scenario_ids';

function identities(uri: string, text: string) {
  const newId = IdGenerator.incrementing();
  const doc = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(text);
  const withUri = { ...doc, uri };
  return scenarioIdentities([withUri], compile(withUri, uri, newId));
}

describe('scenario ids', () => {
  it('slugs names and feature paths', () => {
    assert.equal(
      slug('Pipelined requests are served in order (RFC 9112 §9.3)!'),
      'pipelined-requests-are-served-in-order-rfc-9112-9-3',
    );
    assert.equal(slug('Émile’s café'), 'emile-s-cafe');
    assert.equal(featureSlug('features/stage1_downstream_read.feature'), 'stage1_downstream_read');
    assert.equal(featureSlug('features/stage 2/Router.feature'), 'stage-2/router');
  });

  it('derives ids from names only, with rules, outlines and inherited tags', () => {
    const ids = identities(
      'features/stage1.feature',
      `@stage-1
Feature: F
  Scenario: Plain one
    Given x

  Rule: R
    @core
    Scenario Outline: Method <m>
      Given x
      @extended
      Examples:
        | m    | n |
        | GET  | 1 |
        | HEAD | 2 |

  Scenario Outline: Not named by the first cell <a>
    Given x
    Examples:
      | a | b |
      | x | 1 |
      | x | 2 |
`,
    );
    assert.deepEqual(
      ids.map((s) => [s.id, s.name, s.line, s.tags.join(' ')]),
      [
        ['stage1/plain-one', 'Plain one', 3, '@stage-1'],
        ['stage1/method-m/get', 'Method GET', 13, '@stage-1 @core @extended'],
        ['stage1/method-m/head', 'Method HEAD', 14, '@stage-1 @core @extended'],
        ['stage1/not-named-by-the-first-cell-a/x-1', 'Not named by the first cell x', 20, '@stage-1'],
        ['stage1/not-named-by-the-first-cell-a/x-2', 'Not named by the first cell x', 21, '@stage-1'],
      ],
    );
  });

  it('fails loudly on two scenarios with the same id, naming both lines', () => {
    assert.throws(
      () =>
        identities(
          'features/dup.feature',
          'Feature: F\n  Scenario: Same name\n    Given x\n  Scenario: Same  name!\n    Given y\n',
        ),
      (err: unknown) =>
        err instanceof DuplicateScenarioIdError &&
        /dup\/same-name: features\/dup\.feature:2 and features\/dup\.feature:4/.test(err.message),
    );
  });
});
