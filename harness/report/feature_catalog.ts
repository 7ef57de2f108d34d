import * as fs from 'node:fs';
import * as path from 'node:path';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { type GherkinDocument, IdGenerator, type Pickle } from '@cucumber/messages';
import { type ScenarioIdentity, scenarioIdentities } from './scenario_ids';

/**
 * The feature files read directly with the Gherkin parser, without running anything: for the README tables and
 * for checking scenario ids before a run.
 */
/** A scenario with the texts of its steps. */
export interface FeatureScenario extends ScenarioIdentity {
  steps: string[];
}

/** Every scenario of the feature files under `featuresDir` (paths in ids and links relative to `root`). */
export function loadScenarios(root: string, featuresDir: string): FeatureScenario[] {
  const files = featureFiles(featuresDir);
  const newId = IdGenerator.incrementing();
  const docs: GherkinDocument[] = [];
  const pickles: Pickle[] = [];
  for (const file of files) {
    const uri = path.relative(root, file).split(path.sep).join('/');
    let doc: GherkinDocument;
    try {
      doc = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      // Gherkin says '(4:3): expected ...' per error; make each line 'file:4:3: expected ...'.
      const lines = (err as Error).message.split('\n').filter((l) => /^\(\d+:\d+\)/.test(l));
      const where = lines.map((l) => l.replace(/^\((\d+):(\d+)\):\s*/, `${uri}:$1:$2: `));
      throw new Error(where.length > 0 ? where.join('\n') : `${uri}: ${(err as Error).message}`);
    }
    const withUri = { ...doc, uri };
    docs.push(withUri);
    pickles.push(...compile(withUri, uri, newId));
  }
  const steps = new Map(pickles.map((p) => [p.id, p.steps.map((st) => st.text)]));
  return scenarioIdentities(docs, pickles).map((s) => ({ ...s, steps: steps.get(s.pickleId) ?? [] }));
}

function featureFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.feature'))
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}
