/** `npm run matrix -- [options]`: see harness/matrix/options.ts (or `npm run matrix -- --help`). */
import { main } from '../harness/matrix/cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`matrix: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
