/** Runs the conformance CLI on the fixture suite in its own process (Cucumber loads step files once per process). */
import * as path from 'node:path';
import { main } from '../../../harness/cli/conformance';

// FIXTURE_SUITE_ROOT: another fixture suite, made by a test in a temporary directory.
main(process.argv.slice(2), { root: process.env.FIXTURE_SUITE_ROOT || path.join(__dirname, 'fixture_suite') }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(3);
  },
);
