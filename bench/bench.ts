/**
 * `npm run bench`: keep-alive GET throughput and latency of the origin alone, of the reference proxy in front of
 * it, and of nginx in front of it, all on loopback; see bench/README.md.
 */
import path from 'node:path';
import { type BenchOptions, BenchOptionsError, parseBenchOptions, USAGE } from './bench_options';
import { renderJson, renderTable } from './bench_report';
import { runBench } from './bench_runner';
import { BenchSession, Interrupted, progress } from './bench_session';
import { NotReadyError } from './readiness';

const REPO_ROOT = path.resolve(__dirname, '..');

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchOptionsError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const session = new BenchSession(options);
  // Last resort: whatever way the process ends, no child outlives it.
  process.on('exit', () => session.children.killAllNow());
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal means "now": the exit handler still kills the children.
    if (session.interrupted) process.exit(130);
    progress(`${signal}: stopping the load and every child process`);
    session.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    const report = await runBench(session, REPO_ROOT);
    process.stdout.write(`${renderTable(report)}\n`);
    if (options.json) process.stdout.write(`${renderJson(report)}\n`);
    return report.results.some((result) => result.outcome.status === 'failed') ? 1 : 0;
  } catch (error) {
    // Interrupting a peer's start-up makes it fail with a readiness error; that is still an interruption.
    if (error instanceof Interrupted || session.interrupted) return 130;
    // A peer that would not start (the origin) is explained by its message; anything else needs the stack.
    const text = error instanceof NotReadyError ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`bench: ${text}\n`);
    return 1;
  } finally {
    await session.children.stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
