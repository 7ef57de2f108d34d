/** The environments a run can use (environment.ts), as the CLI and CONFORMANCE_ENV name them. */
export type EnvironmentKind = 'local' | 'docker' | 'compose';

export const ENVIRONMENT_KINDS: readonly EnvironmentKind[] = ['local', 'docker', 'compose'];

/** The compose project `--env compose` attaches to (unset: DEFAULT_COMPOSE_PROJECT). */
export const COMPOSE_PROJECT_ENV = 'CONFORMANCE_COMPOSE_PROJECT';

/** docker-compose.yml's project name (its `name:`), the default of --compose-project. */
export const DEFAULT_COMPOSE_PROJECT = 'h1pc';

/** Parses CONFORMANCE_ENV (unset = local); anything else is an error naming the variable. */
export function environmentKind(value: string | undefined): EnvironmentKind {
  if (value === undefined || value === '') return 'local';
  const kind = ENVIRONMENT_KINDS.find((k) => k === value);
  if (kind) return kind;
  throw new Error(`CONFORMANCE_ENV=${JSON.stringify(value)}: expected ${ENVIRONMENT_KINDS.join(', ')}`);
}

/** Why `name` is not a compose project name (lowercase letters, digits, '-', '_'), or undefined. */
export function composeProjectProblem(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9_-]*$/.test(name)
    ? undefined
    : "expected a compose project name (lowercase letters, digits, '-', '_', starting with a letter or digit)";
}
