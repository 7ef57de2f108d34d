import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, reproduceCommand, USAGE, UsageError } from '../../../harness/cli/options';
import { DOCKER_TARGETS } from '../../../harness/docker/images';

describe('conformance command line', () => {
  it('has defaults and reads every option, with a space or an =', () => {
    assert.deepEqual(parseOptions([]), {
      target: 'reference',
      env: 'local',
      composeProject: 'h1pc',
      tags: '',
      failFast: false,
      parallel: 0,
      dryRun: false,
      reportDir: 'reports',
      help: false,
    });
    const o = parseOptions([
      '--target=nginx',
      '--tags',
      '@core and not @slow',
      '--fail-fast',
      '--parallel',
      '2',
      '--dry-run',
      '--report-dir',
      'out',
    ]);
    assert.deepEqual(o, {
      target: 'nginx',
      env: 'local',
      composeProject: 'h1pc',
      tags: '@core and not @slow',
      failFast: true,
      parallel: 2,
      dryRun: true,
      reportDir: 'out',
      help: false,
    });
    assert.equal(parseOptions(['-h']).help, true);
  });

  it('reads --env compose with its project, one worker at most and the reference only', () => {
    const o = parseOptions(['--env', 'compose', '--compose-project=other_1', '--parallel', '1']);
    assert.equal(o.env, 'compose');
    assert.equal(o.composeProject, 'other_1');
    assert.equal(o.parallel, 1);
    assert.equal(parseOptions(['--env=compose']).composeProject, 'h1pc');
  });

  it('rejects bad flags with a message naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--paralel', '2'], /unknown option --paralel/],
      [['--parallel', 'two'], /--parallel "two": expected a whole number/],
      [['--parallel'], /--parallel needs a value/],
      [['--target', '--dry-run'], /--target needs a value/],
      [['--env', 'k8s'], /--env "k8s": expected local, docker, compose/],
      [
        ['--env', 'compose', '--target', 'nginx'],
        /--env compose: the compose stack runs the reference only, not --target nginx/,
      ],
      [['--env', 'compose', '--parallel', '2'], /--env compose: --parallel 2 is not supported .*one reference/],
      [['--compose-project', 'x'], /--compose-project needs --env compose/],
      [['--env', 'compose', '--compose-project', 'Bad'], /--compose-project "Bad": expected a compose project name/],
      [['--tags', '@a and ('], /--tags "@a and \(":.*Unmatched/],
      [['--dry-run=yes'], /--dry-run takes no value/],
      [['reference'], /unexpected argument "reference"/],
      [['--target', 'a b'], /--target "a b": expected a name/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseOptions(argv),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
        argv.join(' '),
      );
    }
  });

  it('writes a reproduce command that a shell reads back', () => {
    const o = parseOptions(['--target', 'haproxy', '--tags', "@core and not @it's"]);
    assert.equal(
      reproduceCommand(o),
      `npm run conformance -- --target haproxy --env local --tags '@core and not @it'\\''s'`,
    );
    assert.equal(
      reproduceCommand(parseOptions(['--tags', '@core'])),
      'npm run conformance -- --target reference --env local --tags @core',
    );
    assert.equal(
      reproduceCommand(parseOptions(['--env', 'compose', '--compose-project', 'ci-1'])),
      'npm run conformance -- --target reference --env compose --compose-project ci-1',
    );
    assert.equal(
      reproduceCommand(parseOptions(['--env', 'compose'])),
      'npm run conformance -- --target reference --env compose',
    );
  });

  it('names every docker target in its help', () => {
    const line = /\(targets ([^;]*); needs/.exec(USAGE.replace(/\s+/g, ' '));
    assert.deepEqual(line?.[1].split(', '), [...DOCKER_TARGETS]);
  });
});
