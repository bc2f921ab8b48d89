/**
 * The unified diff of two objects as YAML, for a person: `live/<object>` against
 * `predicted/<object>`, a few lines of context around each change. An absent side is an
 * empty file, so a Missing object reads as all added and an Extraneous one as all removed.
 */
// The deep path, not the bare 'diff': that name is also this folder's, and the layering
// check's resolver (tsconfig-based) takes the bare name for diff/index.ts, a false cycle.
import { createTwoFilesPatch } from 'diff';
import { dump } from 'js-yaml';
import { formatRef, type KubeObject, type ObjectRef } from '../objects.ts';

export function toYaml(object: KubeObject | undefined): string {
  return object === undefined ? '' : dump(object, { noRefs: true, lineWidth: -1 });
}

export function yamlDiff(ref: ObjectRef, live: KubeObject | undefined, predicted: KubeObject | undefined, context: number): string {
  const name = formatRef(ref);
  const patch = createTwoFilesPatch(`live/${name}`, `predicted/${name}`, toYaml(live), toYaml(predicted), undefined, undefined, { context });
  // jsdiff opens with a line of '=' (an Index: separator without the Index:), noise here.
  return patch.replace(/^=+\n/, '');
}
