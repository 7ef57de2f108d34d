/** Command-line options of `npm run bench`. */
export type TargetName = 'origin' | 'reference' | 'nginx';

export const ALL_TARGETS: readonly TargetName[] = ['origin', 'reference', 'nginx'];

export interface BenchOptions {
  /** Measured run length, seconds. */
  readonly durationSeconds: number;
  /** Warm-up length before each measured run, seconds (0 = none). */
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly pipelining: number;
  /** Measured runs per target, interleaved across targets; the median one is reported. */
  readonly rounds: number;
  /** Also print the figures as JSON after the table. */
  readonly json: boolean;
  readonly targets: readonly TargetName[];
  /** nginx `keepalive` (idle upstream connections kept); undefined: max(32, connections). */
  readonly nginxKeepalive: number | undefined;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  durationSeconds: 10,
  warmupSeconds: 2,
  connections: 50,
  pipelining: 1,
  rounds: 1,
  json: false,
  targets: ALL_TARGETS,
  nginxKeepalive: undefined,
};

export const USAGE = `usage: npm run bench -- [options]
  --duration <s>         measured run per target, seconds (default 10)
  --warmup <s>           warm-up before each measured run, seconds; 0 for none (default 2)
  --connections <n>      concurrent keep-alive connections (default 50)
  --pipelining <n>       requests in flight per connection (default 1)
  --rounds <n>           measured runs per target, interleaved; the median is reported (default 1)
  --targets <list>       comma-separated subset of origin,reference,nginx (default all, in that order)
  --nginx-keepalive <n>  idle upstream connections nginx keeps (default max(32, connections))
  --json                 also print the figures as JSON, after the table
  --help                 this text`;

export class BenchOptionsError extends Error {}

/** Parses argv (without node and script); accepts `--flag value` and `--flag=value`. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  let options: BenchOptions = DEFAULT_OPTIONS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new BenchOptionsError(`option ${flag}: expected a value after it`);
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--json':
        if (inline !== undefined) throw new BenchOptionsError(`option --json: takes no value, got "${inline}"`);
        options = { ...options, json: true };
        break;
      case '--duration':
        options = { ...options, durationSeconds: positiveNumber(flag, takeValue(), false) };
        break;
      case '--warmup':
        options = { ...options, warmupSeconds: positiveNumber(flag, takeValue(), true) };
        break;
      case '--connections':
        options = { ...options, connections: positiveInteger(flag, takeValue()) };
        break;
      case '--pipelining':
        options = { ...options, pipelining: positiveInteger(flag, takeValue()) };
        break;
      case '--rounds':
        options = { ...options, rounds: positiveInteger(flag, takeValue()) };
        break;
      case '--nginx-keepalive':
        options = { ...options, nginxKeepalive: positiveInteger(flag, takeValue()) };
        break;
      case '--targets':
        options = { ...options, targets: targetList(flag, takeValue()) };
        break;
      default:
        throw new BenchOptionsError(
          `unknown option "${arg}"; expected one of --duration, --warmup, --connections, --pipelining, --rounds, --targets, --nginx-keepalive, --json, --help`,
        );
    }
  }
  return options;
}

function positiveNumber(flag: string, raw: string, zeroAllowed: boolean): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    const expected = zeroAllowed ? 'a number of seconds >= 0' : 'a number of seconds > 0';
    throw new BenchOptionsError(`option ${flag}: expected ${expected}, got "${raw}"`);
  }
  return value;
}

function positiveInteger(flag: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new BenchOptionsError(`option ${flag}: expected an integer >= 1, got "${raw}"`);
  }
  return value;
}

function targetList(flag: string, raw: string): TargetName[] {
  const names = raw.split(',').map((name) => name.trim());
  const targets: TargetName[] = [];
  for (const name of names) {
    const target = ALL_TARGETS.find((known) => known === name);
    if (target === undefined) {
      throw new BenchOptionsError(
        `option ${flag}: unknown target "${name}"; expected a subset of ${ALL_TARGETS.join(',')}`,
      );
    }
    if (!targets.includes(target)) targets.push(target);
  }
  return targets;
}
