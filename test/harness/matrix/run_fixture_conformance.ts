/** The conformance command on this directory's fixture suite, in its own process (what the matrix spawns). */
import * as path from 'node:path';
import { main } from '../../../harness/cli/conformance';

main(process.argv.slice(2), { root: path.join(__dirname, 'fixture_suite') }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(3);
  },
);
