/**
 * Limits on CEL written by a tenant (an Application's spec.healthChecks,
 * readyExpr): the controller evaluates it in its one event loop for every object
 * of that kind, so what it may cost is bounded by its shape, checked once when
 * the rule is built. One comprehension (exists, all, map, filter, exists_one)
 * may not hold another (a nested pair over a 1.5 MiB object's lists is billions
 * of steps), and `matches` is refused (a regular expression can backtrack for
 * minutes on a short string). Everything else CEL evaluates in time linear in
 * the object. Pure.
 */
import { parse } from '@marcbachmann/cel-js';

const comprehensions = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const refusedFunctions = new Set(['matches']);

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';

function callName(node: AstNode): string | undefined {
  if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(node.args) && typeof node.args[0] === 'string') return node.args[0];
  return undefined;
}

/** The deepest nesting of comprehensions in `node`, and the refused functions it calls. */
function walk(node: unknown, found: Set<string>): number {
  if (Array.isArray(node)) return Math.max(0, ...node.map((child) => walk(child, found)));
  if (!isNode(node)) return 0;
  const name = callName(node);
  if (name !== undefined && refusedFunctions.has(name)) found.add(name);
  if (name === undefined || !comprehensions.has(name) || !Array.isArray(node.args)) return walk(node.args, found);
  // `list.filter(...).map(...)`: the receiver runs before, not inside; only the body nests.
  const [, receiver, body] = node.args as unknown[];
  return Math.max(walk(receiver, found), 1 + walk(body, found));
}

/** Why a tenant's expression is refused (empty when it is accepted); a parse error is the compiler's to report. */
export function untrustedCelProblems(expression: string): string[] {
  let ast: unknown;
  try {
    ast = (parse(expression) as unknown as { ast: unknown }).ast;
  } catch {
    return [];
  }
  const refused = new Set<string>();
  const depth = walk(ast, refused);
  const problems = [...refused].map((name) => `${name}() is not allowed here (a regular expression can take minutes on one string)`);
  if (depth > 1) problems.push('a comprehension (all, exists, exists_one, map, filter) inside another is not allowed here (its cost grows with the square of a list)');
  return problems;
}
