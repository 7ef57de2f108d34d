import assert from 'node:assert/strict';
import { BeforeAll, Given } from '@cucumber/cucumber';
import { writeImplementationInfo } from '../../../../../harness/report/implementation_info';

BeforeAll(() => {
  writeImplementationInfo({ name: 'fixture-proxy', version: '9.9.9', url: 'https://example.test/fixture' });
});

Given('a step that passes', () => {});

Given('the target is {string}', (name: string) => {
  assert.equal(process.env.CONFORMANCE_TARGET, name);
});

Given('a step that fails', () => {
  throw new Error('the fixture fails here');
});

Given('a step that skips', () => 'skipped');

Given('a step the target does not support', function (this: { attach(data: string, mediaType: string): void }) {
  this.attach(JSON.stringify({ notSupported: ['trailers'] }), 'application/vnd.conformance.not-supported+json');
  return 'skipped';
});
