import { BeforeAll, Given } from '@cucumber/cucumber';
import { writeImplementationInfo } from '../../../../../harness/report/implementation_info';

// The version the fixture proxy reports: FIXTURE_VERSION lets a test change it.
BeforeAll(() => {
  writeImplementationInfo({ name: 'fixture-proxy', version: process.env.FIXTURE_VERSION || '1.0.0' });
});

Given('a step that passes', () => {});

// FIXTURE_PASS (comma list) turns a failing scenario into a passing one, as a fixed proxy would.
Given('a step that fails unless FIXTURE_PASS names {string}', (name: string) => {
  if ((process.env.FIXTURE_PASS ?? '').split(',').includes(name)) return;
  throw new Error(
    `the response: expected status 400\nobserved:\n  HTTP/1.1 200 OK  [framing=content-length complete=true]\n  body 2B: "ok"`,
  );
});

Given('a step the target does not support', function (this: { attach(data: string, mediaType: string): void }) {
  this.attach(JSON.stringify({ notSupported: ['trailers'] }), 'application/vnd.conformance.not-supported+json');
  return 'skipped';
});
