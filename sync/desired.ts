/**
 * The desired state sync/ accepts: the objects of one revision that rendered
 * successfully. The type is branded so that it can only come from
 * `renderedRevision`, which src/ calls with the objects of a render that
 * succeeded; a failed render has no objects to give, so a sync (and with it a
 * prune) after a failed render cannot be expressed.
 */
import type { KubeObject } from '../objects.ts';

declare const renderSucceeded: unique symbol;

export interface RenderedRevision {
  /** The commit the objects were rendered from. */
  readonly revision: string;
  readonly objects: readonly KubeObject[];
  readonly [renderSucceeded]: true;
}

export function renderedRevision(revision: string, objects: readonly KubeObject[]): RenderedRevision {
  return { revision, objects } as unknown as RenderedRevision;
}
