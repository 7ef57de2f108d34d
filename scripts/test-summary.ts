/**
 * Prints the closing lines of `npm test`: unit tests (from the node test runner's JUnit file) and conformance
 * scenarios (from the conformance report), then one plain `N passed, N failed, N skipped` total that CI reads.
 * Exits 1 when either file is missing or reports a failure, so a silent run can never look green.
 */
import fs from 'node:fs';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function unitCounts(file: string): Counts {
  const xml = fs.readFileSync(file, 'utf8');
  // Each <testcase ...> is either self-closed (passed) or holds a <failure> or <skipped> child.
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  const failed = cases.filter((c) => /<failure\b/.test(c)).length;
  const skipped = cases.filter((c) => /<skipped\b/.test(c) && !/<failure\b/.test(c)).length;
  return { passed: cases.length - failed - skipped, failed, skipped };
}

function conformanceCounts(file: string): Counts & { notSupported: number } {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    totals?: { passed: number; failed: number; skipped: number; notSupported: number };
  };
  const s = report.totals;
  if (!s) throw new Error(`${file}: no "totals" object`);
  return { passed: s.passed, failed: s.failed, skipped: s.skipped, notSupported: s.notSupported };
}

function main(): number {
  const [unitFile = 'reports/test/unit-junit.xml', conformanceFile = 'reports/test/conformance-report.json'] =
    process.argv.slice(2);
  for (const f of [unitFile, conformanceFile]) {
    if (!fs.existsSync(f)) {
      console.error(`test-summary: ${f} is missing: the run did not produce its results`);
      return 1;
    }
  }
  const unit = unitCounts(unitFile);
  const conf = conformanceCounts(conformanceFile);
  const total = {
    passed: unit.passed + conf.passed,
    failed: unit.failed + conf.failed,
    skipped: unit.skipped + conf.skipped,
  };
  console.log(`unit tests: ${unit.passed} passed, ${unit.failed} failed, ${unit.skipped} skipped`);
  console.log(
    `conformance scenarios: ${conf.passed} passed, ${conf.failed} failed, ${conf.skipped} skipped, ` +
      `${conf.notSupported} not supported`,
  );
  console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed > 0 || unit.passed + conf.passed === 0 ? 1 : 0;
}

process.exitCode = main();
