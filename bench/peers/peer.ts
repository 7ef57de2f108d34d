import type { TargetName } from '../bench_options';

/** A running load target: the origin itself, or a proxy in front of it. */
export interface BenchPeer {
  readonly name: TargetName;
  /** Where the load generator sends its GETs. */
  readonly url: string;
  /** A line saying what runs (version, pid), for the report header. */
  readonly description: string;
  /** Processes whose resident memory is this peer's memory (nginx: master and workers); read at each sample. */
  processIds(): number[];
  stop(): Promise<void>;
}
