import os from 'node:os';
import type { TargetName } from './bench_options';
import type { BenchReport, MeasuredRound, TargetResult } from './bench_report';
import { type BenchSession, Interrupted, progress } from './bench_session';
import { otherCpuPercent, takeCpuSnapshot } from './cpu_accounting';
import { findNginx, type NginxBinary, nginxSearchPlaces } from './nginx_binary';
import { startNginxPeer } from './peers/nginx_peer';
import { startOriginPeer } from './peers/origin_peer';
import type { BenchPeer } from './peers/peer';
import { startReferencePeer } from './peers/reference_peer';
import { PeakRssSampler, summedResidentKiB } from './rss_sampler';

/** A target that started: its peer, its memory samples and the figures of each measured round so far. */
interface RunningTarget {
  readonly target: TargetName;
  readonly peer: BenchPeer;
  readonly sampler: PeakRssSampler;
  idleRssKiB: number | undefined;
  readonly rounds: MeasuredRound[];
  failure?: string;
}

/**
 * Starts the origin and every selected proxy, warms each up, then runs the measured rounds interleaved
 * (origin, reference, nginx, origin, ...) so a burst of unrelated load on the machine is spread over all targets
 * instead of landing on one. Idle peers stay up between their runs; an idle event loop costs no CPU.
 */
export async function runBench(session: BenchSession, repoRoot: string): Promise<BenchReport> {
  const { options } = session;
  const nginx = options.targets.includes('nginx') ? findNginx() : undefined;
  progress('origin: starting');
  const origin = await startOriginPeer(session.children, repoRoot);
  const finished = new Map<TargetName, TargetResult>();
  const running: RunningTarget[] = [];
  // The bench, the origin and every peer: CPU they use is the measurement; anything else disturbs it.
  const ownPids = (): number[] => [
    ...new Set([process.pid, ...origin.processIds(), ...running.flatMap((entry) => entry.peer.processIds())]),
  ];
  try {
    for (const target of options.targets) {
      const started = await startTarget(session, target, origin, nginx, repoRoot);
      if ('outcome' in started) {
        finished.set(target, started);
        continue;
      }
      const sampler = new PeakRssSampler(() => started.processIds());
      running.push({ target, peer: started, sampler, idleRssKiB: undefined, rounds: [] });
    }
    for (const entry of running) {
      await guarded(entry, async () => {
        entry.idleRssKiB = summedResidentKiB(entry.peer.processIds());
        // Sampled from the warm-up on: memory grown then (pools, JIT) is the load's too, and a GC during a
        // measured run must not make the peak look smaller than the idle figure.
        entry.sampler.start();
        if (options.warmupSeconds > 0) {
          progress(`${entry.target}: warm-up ${options.warmupSeconds} s on ${entry.peer.url}`);
          await session.load(entry.peer, options.warmupSeconds);
        }
      });
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const entry of running) {
        if (entry.failure !== undefined) continue;
        await guarded(entry, async () => {
          const which = options.rounds > 1 ? ` (round ${round}/${options.rounds})` : '';
          progress(`${entry.target}: measuring ${options.durationSeconds} s${which}`);
          const before = takeCpuSnapshot(ownPids());
          const figures = await session.load(entry.peer, options.durationSeconds);
          entry.rounds.push({ ...figures, otherCpuPercent: otherCpuPercent(before, takeCpuSnapshot(ownPids())) });
        });
      }
    }
    for (const entry of running) finished.set(entry.target, finish(entry));
  } finally {
    for (const entry of running) {
      entry.sampler.stop();
      if (entry.peer !== origin) await entry.peer.stop();
    }
    await origin.stop();
  }
  return {
    options,
    environment: { node: process.version, cpus: os.availableParallelism(), platform: process.platform },
    nginx:
      nginx === undefined
        ? { found: false, searched: nginxSearchPlaces() }
        : { found: true, path: nginx.path, version: nginx.version, searched: nginxSearchPlaces() },
    results: options.targets.map((target) => finished.get(target)!),
  };
}

/** Runs step; an error other than an interruption marks the target failed and the run goes on without it. */
async function guarded(entry: RunningTarget, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (error instanceof Interrupted) throw error;
    entry.failure = (error as Error).message;
    progress(`${entry.target} failed: ${entry.failure}`);
  }
}

function finish(entry: RunningTarget): TargetResult {
  const { target, peer } = entry;
  const description = target === 'origin' ? `${peer.description} (no proxy)` : peer.description;
  if (entry.failure !== undefined) return { target, description, outcome: { status: 'failed', reason: entry.failure } };
  return {
    target,
    description,
    outcome: {
      status: 'ok',
      figures: medianRound(entry.rounds),
      rounds: entry.rounds,
      idleRssKiB: entry.idleRssKiB,
      peakRssKiB: entry.sampler.stop(),
    },
  };
}

/** The round with the median req/s (the lower one of the middle two for an even count). */
function medianRound(rounds: readonly MeasuredRound[]): MeasuredRound {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function startTarget(
  session: BenchSession,
  target: TargetName,
  origin: BenchPeer & { port: number },
  nginx: NginxBinary | undefined,
  repoRoot: string,
): Promise<BenchPeer | TargetResult> {
  if (target === 'origin') return origin;
  if (target === 'nginx' && nginx === undefined) {
    const reason = `nginx was not found (searched ${nginxSearchPlaces()})`;
    progress(reason);
    return { target, description: 'not found', outcome: { status: 'skipped', reason } };
  }
  const { options } = session;
  try {
    progress(`${target}: starting`);
    return target === 'nginx'
      ? await startNginxPeer(
          session.children,
          nginx!,
          origin.port,
          options.connections,
          options.nginxKeepalive ?? Math.max(32, options.connections),
        )
      : await startReferencePeer(session.children, repoRoot, origin.port);
  } catch (error) {
    session.throwIfInterrupted();
    const reason = `could not start: ${(error as Error).message}`;
    progress(`${target} ${reason}`);
    return { target, description: 'did not start', outcome: { status: 'failed', reason } };
  }
}
