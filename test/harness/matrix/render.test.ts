import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cell, Comparison } from '../../../harness/matrix/compare';
import { type Matrix, profileCounts } from '../../../harness/matrix/matrix';
import { htmlEscape, renderHtml } from '../../../harness/matrix/render_html';
import { mdEscape, renderMarkdown } from '../../../harness/matrix/render_markdown';

const comparison = (cells: Record<string, Cell>, over: Partial<Comparison> = {}): Comparison => ({
  cells: new Map(Object.entries(cells)),
  errors: [],
  warnings: [],
  notes: new Map(),
  ...over,
});

function fixture(): Matrix {
  return {
    date: '2026-11-25T10:30:00.000Z',
    suite: { name: 'h1-proxy-conformance', version: '0.1.0' },
    groups: [
      {
        key: 'stage1_read',
        title: 'Stage 1 <downstream> read & parse',
        uri: 'features/stage1_read.feature',
        rows: [
          {
            id: 'stage1_read/a',
            shortId: 'a',
            name: 'A',
            uri: 'features/stage1_read.feature',
            line: 4,
            profile: 'core',
          },
          {
            id: 'stage1_read/b',
            shortId: 'b',
            name: 'B',
            uri: 'features/stage1_read.feature',
            line: 8,
            profile: 'envoy',
          },
        ],
      },
      {
        key: 'stage2_router',
        title: 'Stage 2',
        uri: 'features/stage2_router.feature',
        rows: [
          {
            id: 'stage2_router/c',
            shortId: 'c',
            name: 'C',
            uri: 'features/stage2_router.feature',
            line: 3,
            profile: 'extended',
          },
        ],
      },
    ],
    columns: [
      {
        target: 'reference',
        state: 'ran',
        detail: '',
        version: '0.1.0',
        baselineVersion: '0.1.0',
        comparison: comparison({ 'stage1_read/a': 'pass', 'stage1_read/b': 'pass', 'stage2_router/c': 'pass' }),
      },
      {
        target: 'nginx',
        state: 'ran',
        detail: '',
        version: '1.24.0',
        baselineVersion: '1.22.1',
        expected: [
          {
            id: 'stage1_read/a',
            profile: 'core',
            observed: 'answers 200 | <ok>',
            reason: 'proxy violates RFC 9110 7.6.1 MUST',
            line: 6,
          },
          { id: 'stage2_router/c', profile: 'extended', observed: 'x', reason: 'not core: not listed', line: 10 },
        ],
        comparison: comparison(
          { 'stage1_read/a': 'xfail', 'stage1_read/b': 'fail', 'stage2_router/c': 'n/s' },
          {
            errors: [
              { kind: 'new-failure', id: 'stage1_read/b', message: 'stage1_read/b: fails | <script>alert(1)</script>' },
            ],
            warnings: [
              { kind: 'version-mismatch', message: "installed version 1.24.0 differs from the baseline's 1.22.1" },
            ],
            notes: new Map([['stage1_read/a', 'answers "200" <ok> - proxy violates RFC 9110 7.6.1 MUST']]),
          },
        ),
      },
      { target: 'caddy', state: 'not-installed', detail: 'caddy not found' },
    ],
  };
}

describe('matrix rendering', () => {
  it('writes the proxy summary, the differences and one table per feature in Markdown', () => {
    const md = renderMarkdown(fixture(), { rootLink: '..' });
    const lines = md.split('\n');
    assert.equal(lines[0], '# HTTP/1.1 reverse-proxy conformance matrix');
    assert.match(md, /on 2026-11-25 10:30 UTC with h1-proxy-conformance 0\.1\.0 \(3 scenarios\)/);
    assert.ok(lines.includes('|  | **reference** | **nginx** | **caddy** |'), md);
    assert.ok(lines.includes('| version | 0.1.0 | 1.24.0 (baseline recorded with 1.22.1) | not installed |'), md);
    assert.ok(
      lines.includes(
        '| baseline | [matches baseline](../baselines/reference.yaml) | [1 difference from baseline](../baselines/nginx.yaml) | not installed |',
      ),
      md,
    );
    assert.ok(lines.includes('| core: pass / FAIL / xfail / n/s | 1 / 0 / 0 / 0 | 0 / 0 / 1 / 0 | - |'), md);
    assert.ok(lines.includes('| envoy: pass / FAIL / xfail / n/s | 1 / 0 / 0 / 0 | 0 / 1 / 0 / 0 | - |'), md);
    assert.ok(lines.includes('| extended: pass / FAIL / xfail / n/s | 1 / 0 / 0 / 0 | 0 / 0 / 0 / 1 | - |'), md);
    assert.ok(lines.includes("- **nginx**: warning: installed version 1.24.0 differs from the baseline's 1.22.1"), md);
    assert.ok(lines.includes('- **nginx**: stage1_read/b: fails \\| \\<script\\>alert(1)\\</script\\>'), md);
    assert.ok(lines.includes('- **caddy**: not installed: caddy not found'), md);
    assert.ok(lines.includes('## Stage 1 \\<downstream\\> read & parse'), md);
    assert.ok(lines.includes('| scenario | profile | reference | nginx | caddy |'), md);
    assert.ok(lines.includes('| [a](../features/stage1_read.feature#L4) | core | pass | xfail | - |'), md);
    assert.ok(lines.includes('| [b](../features/stage1_read.feature#L8) | envoy | pass | **FAIL** | - |'), md);
    assert.ok(lines.includes('| [c](../features/stage2_router.feature#L3) | extended | pass | n/s | - |'), md);
    assert.ok(md.indexOf('## Stage 1') < md.indexOf('## Stage 2'));
    assert.ok(
      lines.includes(
        '- **nginx** [a](../features/stage1_read.feature#L4): proxy violates RFC 9110 7.6.1 MUST (observed: answers 200 \\| \\<ok\\>)',
      ),
      md,
    );
    assert.ok(!md.includes('not core: not listed'));
    assert.ok(md.indexOf('## Core deviations') < md.indexOf('## Stage 1'));
  });

  it('escapes Markdown syntax but leaves snake_case words alone', () => {
    assert.equal(
      mdEscape('a|b *c* [d] <e> `f` stage1_read _g_'),
      'a\\|b \\*c\\* \\[d\\] \\<e\\> \\`f\\` stage1_read \\_g\\_',
    );
  });

  it('writes HTML with every text escaped and the notes in the cell titles', () => {
    const html = renderHtml(fixture(), { rootLink: '../..' });
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(!html.includes('<script>'), 'a message must not inject markup');
    assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
    assert.ok(html.includes('<h2>Stage 1 &#60;downstream&#62; read &#38; parse</h2>'));
    assert.ok(
      html.includes(
        '<td class="c xfail" title="answers &#34;200&#34; &#60;ok&#62; - proxy violates RFC 9110 7.6.1 MUST">xfail</td>',
      ),
      html,
    );
    assert.ok(html.includes('<td class="c fail">FAIL</td>'));
    assert.ok(html.includes('<td class="c ns">n/s</td>'));
    assert.ok(html.includes('<a href="../../features/stage1_read.feature#L4" title="A">a</a>'));
    assert.ok(html.includes('<td class="c na">not installed</td>'));
    assert.ok(html.includes('proxy violates RFC 9110 7.6.1 MUST <i>(observed: answers 200 | &#60;ok&#62;)</i></li>'));
    assert.equal(htmlEscape(`&<>"'`), '&#38;&#60;&#62;&#34;&#39;');
  });

  it('counts xpass as passed and skipped or missing results as failed', () => {
    const m = fixture();
    m.columns[0].comparison = comparison({
      'stage1_read/a': 'xpass',
      'stage1_read/b': 'skip',
      'stage2_router/c': 'absent',
    });
    const counts = profileCounts(m, m.columns[0]);
    assert.deepEqual(counts.get('core'), { passed: 1, failed: 0, xfail: 0, notSupported: 0 });
    assert.deepEqual(counts.get('envoy'), { passed: 0, failed: 1, xfail: 0, notSupported: 0 });
    assert.deepEqual(counts.get('extended'), { passed: 0, failed: 1, xfail: 0, notSupported: 0 });
  });
});
