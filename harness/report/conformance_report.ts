import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Envelope } from '@cucumber/messages';
import { stringify } from 'yaml';
import type { ProxyInfo } from '../adapters/adapter';
import type { EnvironmentKind } from '../environment_kind';
import { INVARIANTS } from '../invariants';
import { resultsFromEnvelopes, type ScenarioResult } from './run_results';
import { PROFILE_TAGS, STAGE_TAGS, type Statistics, statistics, withTag } from './summary';

/** A profile's verdict: every scenario passed; some did not run here; some failed. */
export type ProfileResult = 'success' | 'partial' | 'failure';

export interface ProfileReport {
  result: ProfileResult;
  statistics: Statistics;
  failedTests: string[];
  skippedTests: string[];
  notSupportedTests: Array<{ id: string; capabilities: string[] }>;
}

/** Modeled on Gateway API's ConformanceReport. */
export interface ConformanceReport {
  apiVersion: 'h1-proxy-conformance/v1alpha1';
  kind: 'ConformanceReport';
  implementation: ProxyInfo;
  suite: { name: string; version: string };
  date: string;
  mode: EnvironmentKind;
  target: string;
  /** Tag expression the run was limited to ('' for all). */
  tags: string;
  profiles: Record<string, ProfileReport>;
  stages: Record<string, Statistics>;
  totals: Statistics & { wallTimeMs: number };
  invariants: Array<{ id: string; statement: string }>;
  reproduce: string;
}

export interface ReportMeta {
  implementation: ProxyInfo;
  suite: { name: string; version: string };
  date: string;
  mode: EnvironmentKind;
  target: string;
  tags: string;
  reproduce: string;
}

/** Builds the report from Cucumber's message envelopes alone (no formatter internals). */
export function buildConformanceReport(envelopes: readonly Envelope[], meta: ReportMeta): ConformanceReport {
  const { scenarios, wallTimeMs } = resultsFromEnvelopes(envelopes);
  const profiles: Record<string, ProfileReport> = {};
  for (const tag of PROFILE_TAGS) profiles[tag.slice(1)] = profileReport(withTag(scenarios, tag));
  const stages: Record<string, Statistics> = {};
  for (const tag of STAGE_TAGS) stages[tag.slice(1)] = statistics(withTag(scenarios, tag));
  return {
    apiVersion: 'h1-proxy-conformance/v1alpha1',
    kind: 'ConformanceReport',
    implementation: meta.implementation,
    suite: meta.suite,
    date: meta.date,
    mode: meta.mode,
    target: meta.target,
    tags: meta.tags,
    profiles,
    stages,
    totals: { ...statistics(scenarios), wallTimeMs: Math.round(wallTimeMs) },
    invariants: INVARIANTS.map((i) => ({ id: i.id, statement: i.statement })),
    reproduce: meta.reproduce,
  };
}

function profileReport(list: readonly ScenarioResult[]): ProfileReport {
  const stats = statistics(list);
  // 'success' claims the whole profile: nothing may have been left out, not even for lack of a capability.
  const result: ProfileResult =
    stats.failed > 0
      ? 'failure'
      : stats.skipped === 0 && stats.notSupported === 0 && stats.passed > 0
        ? 'success'
        : 'partial';
  return {
    result,
    statistics: stats,
    failedTests: list.filter((r) => r.outcome === 'failed').map((r) => r.id),
    skippedTests: list.filter((r) => r.outcome === 'skipped').map((r) => r.id),
    notSupportedTests: list
      .filter((r) => r.outcome === 'not-supported')
      .map((r) => ({ id: r.id, capabilities: r.notSupported })),
  };
}

/** Writes conformance-report.json and conformance-report.yaml; returns their paths. */
export function writeConformanceReport(report: ConformanceReport, dir: string): { json: string; yaml: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'conformance-report.json');
  const yaml = path.join(dir, 'conformance-report.yaml');
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(yaml, stringify(report, { lineWidth: 0 }));
  return { json, yaml };
}
