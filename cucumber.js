// Cucumber configuration. `npm run conformance` (harness/cli/conformance.ts) loads this default profile and
// overrides the report paths from --report-dir; plain `cucumber-js` also works and writes to $CONFORMANCE_REPORT_DIR
// (default reports/).
const reportDir = process.env.CONFORMANCE_REPORT_DIR || 'reports';

module.exports = {
  default: {
    paths: ['features/**/*.feature'],
    requireModule: ['ts-node/register/transpile-only'],
    require: ['steps/**/*.ts'],
    format: [
      process.stdout.isTTY ? 'progress-bar' : 'progress',
      `html:${reportDir}/cucumber.html`,
      `json:${reportDir}/cucumber.json`,
      `junit:${reportDir}/cucumber-junit.xml`,
      `message:${reportDir}/cucumber-messages.ndjson`,
    ],
    formatOptions: { junit: { suiteName: 'h1-proxy-conformance' } },
    strict: true,
  },
};
