/**
 * The health of many objects (an application) as one: the worst status wins, and
 * the message names the objects that hold it back. Objects annotated
 * `berth.dev/health: ignore` (or `berth.dev/health-ignore: "true"`) are left out.
 *
 * Two edge cases, decided here:
 * - Nothing to assess (no objects, or all ignored): Healthy. Nothing in the set can
 *   be unhealthy; refusing an empty render is sync/'s job (`allowEmpty`).
 * - Objects, but no opinion on any of them: Unknown, naming them. Calling that Healthy
 *   would be the guess about unknown kinds that Berth never makes; the way out is a
 *   health-ignore annotation or a controller that writes kstatus conditions.
 * Objects without an opinion next to ones with an opinion are left out of the
 * verdict and counted in a Healthy message, so nobody mistakes them for assessed.
 */
import { formatRef, type KubeObject, refOf } from '../objects.ts';
import { count } from './fields.ts';
import { isHealthIgnored } from './overrides.ts';
import { compareSeverity, type Health, HealthStatus } from './status.ts';

export interface AssessedObject {
  object: KubeObject;
  /** undefined: no opinion (see assessHealth). */
  health: Health | undefined;
}

/** How many objects a message names before it says "and N more". */
const namedInMessage = 3;

export { isHealthIgnored };

function nameObjects(objects: readonly KubeObject[]): string {
  const named = objects.slice(0, namedInMessage).map((o) => formatRef(refOf(o)));
  const more = objects.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
}

export function aggregateHealth(items: readonly AssessedObject[]): Health {
  const considered = items.filter((item) => !isHealthIgnored(item.object));
  if (considered.length === 0) {
    const ignored = items.length > 0 ? ` (${count(items.length, 'object')} ignored for health)` : '';
    return { status: HealthStatus.Healthy, message: `no objects to assess${ignored}` };
  }
  const assessed = considered.flatMap((item) => (item.health ? [{ object: item.object, health: item.health }] : []));
  const unassessed = considered.filter((item) => !item.health).map((item) => item.object);
  if (assessed.length === 0) {
    return { status: HealthStatus.Unknown, message: `no health rule applies to any object: ${nameObjects(unassessed)}` };
  }

  const worst = assessed.reduce((a, b) => (compareSeverity(b.health.status, a.health.status) > 0 ? b : a)).health.status;
  if (worst === HealthStatus.Healthy) {
    const all = assessed.length === 1 ? '1 object is Healthy' : `all ${assessed.length} assessed objects are Healthy`;
    const rest = unassessed.length > 0 ? `; not assessed (no health rule): ${nameObjects(unassessed)}` : '';
    return { status: HealthStatus.Healthy, message: `${all}${rest}` };
  }
  const holding = assessed.filter((item) => item.health.status === worst);
  const named = holding.slice(0, namedInMessage).map((item) => `${formatRef(refOf(item.object))}: ${item.health.message}`);
  const more = holding.length > named.length ? `; and ${holding.length - named.length} more ${worst}` : '';
  return { status: worst, message: `${named.join('; ')}${more}` };
}
