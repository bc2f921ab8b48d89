/**
 * Whether an Application's dependencies let it sync, decided from what was
 * observed of each (pure; observe-dependencies.ts gathers it). A dependency is
 * ready when its release is Healthy at its current revision (not syncing, not
 * rolling out, running the revision it resolved; for a dependency that tracks
 * the same repository and ref, the very commit this Application is about to
 * sync) and its readyExpr, if any, holds over it. Anything else is waiting,
 * never failing: the message says on which dependency and why.
 */
import { evaluateCelPredicate, untrustedCelProblems } from '../../health/index.ts';

export interface DependencyObservation {
  key: string;
  /** Why it cannot be read at all (unknown, invalid, not allowed by policy), if so. */
  unavailable?: string;
  /** Its release: state and the revision written to the cluster. */
  release?: { status: string; revision: string | undefined; appliedRevision: string | undefined; failedRevision: string | undefined };
  /** The commit it must run: this Application's target when both track one repository and ref; else undefined (its own). */
  requiredRevision?: string;
  readyExpr?: string;
  /** What readyExpr sees as `self`: the dependency Application with its release in status. */
  self?: unknown;
}

export type DependencyVerdict =
  | { kind: 'ready'; message: string }
  | { kind: 'waiting'; message: string }
  | { kind: 'cycle'; message: string };

const short = (revision: string | undefined): string => (revision ? revision.slice(0, 7) : 'none');

/** Why one dependency is not ready, or undefined when it is. */
export function notReadyBecause(dependency: DependencyObservation): string | undefined {
  if (dependency.unavailable) return dependency.unavailable;
  const release = dependency.release;
  if (!release) return 'it has not been reconciled yet';
  if (release.status === 'Idle') return 'it has not synced anything yet';
  if (release.status !== 'Healthy') return `its release is ${release.status} at ${short(release.revision)}`;
  if (release.appliedRevision !== release.revision) return `it runs ${short(release.appliedRevision)}, not ${short(release.revision)}`;
  if (dependency.requiredRevision !== undefined && release.revision !== dependency.requiredRevision) {
    const failed = release.failedRevision === dependency.requiredRevision ? ' (that revision failed there)' : '';
    return `it is Healthy at ${short(release.revision)}, not yet at ${short(dependency.requiredRevision)}${failed}`;
  }
  if (dependency.readyExpr !== undefined) {
    const problems = untrustedCelProblems(dependency.readyExpr);
    if (problems.length > 0) return `readyExpr: ${problems.join('; ')}`;
    const value = evaluateCelPredicate(dependency.readyExpr, dependency.self);
    if (value instanceof Error) return `readyExpr: ${value.message}`;
    if (!value) return 'its readyExpr is false';
  }
  return undefined;
}

export function dependencyVerdict(cycle: readonly string[] | undefined, dependencies: readonly DependencyObservation[]): DependencyVerdict {
  if (cycle) return { kind: 'cycle', message: `dependency cycle: ${cycle.join(' -> ')}; nothing is synced until spec.dependsOn breaks it` };
  const waiting = dependencies.flatMap((dependency) => {
    const why = notReadyBecause(dependency);
    return why === undefined ? [] : [`${dependency.key} (${why})`];
  });
  if (waiting.length > 0) return { kind: 'waiting', message: `waiting for ${waiting.join('; ')}` };
  return { kind: 'ready', message: `${dependencies.map((d) => d.key).join(', ')} ${dependencies.length === 1 ? 'is' : 'are'} Healthy` };
}
