/**
 * spec.dependsOn as a graph of Application keys (`<namespace>/<name>`), and the
 * cycle check: an Application whose dependencies lead back to it would wait for
 * itself forever, so it is refused with the cycle named. Pure.
 */
import type { Dependency } from '../application/schema.ts';

export function dependencyKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The keys an Application depends on; a dependency without a namespace is in the Application's own. */
export function dependencyKeys(namespace: string, dependsOn: readonly Dependency[]): string[] {
  return dependsOn.map((dependency) => dependencyKey(dependency.namespace ?? namespace, dependency.name));
}

/**
 * A cycle through `start`, as the path that closes it (`a -> b -> a`), or
 * undefined. `edges` gives a key's dependencies (undefined: unknown to the
 * controller, a dead end). Cycles that do not pass through `start` are not its:
 * it waits on the Application that is in one, which is refused itself.
 */
export function findCycle(start: string, edges: (key: string) => readonly string[] | undefined): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (key: string): string[] | undefined => {
    for (const next of edges(key) ?? []) {
      if (next === start) return [...path, key, start];
      if (done.has(next) || path.includes(next) || next === key) continue;
      path.push(key);
      const found = visit(next);
      path.pop();
      if (found) return found;
    }
    done.add(key);
    return undefined;
  };
  return visit(start);
}
