/**
 * A health rule as people write it: CEL booleans over `self` per API group and
 * kind, in the shape of Flux's healthCheckExprs (health/cel-rules.ts evaluates
 * them). The same shape serves an Application's `spec.healthChecks` and a
 * cluster-scoped HealthRule's `spec.rules` (src/health-rules/).
 */
import { z } from 'zod';

/** An expression's length limit: a rule is a few conditions, never a program. */
export const celExpressionMaxLength = 4096;

export const celExpressionSchema = z.string().min(1, { message: 'must not be empty' })
  .max(celExpressionMaxLength, { message: `must be at most ${celExpressionMaxLength} characters` });

export const healthCheckSchema = z.strictObject({
  group: z.string().max(253, { message: 'must be at most 253 characters' }).describe('API group; empty for the core group.'),
  kind: z.string().min(1, { message: 'must not be empty' }).max(63, { message: 'must be at most 63 characters' })
    .regex(/^[A-Za-z][A-Za-z0-9]*$/, { message: 'must be a Kind such as Certificate' }),
  failed: celExpressionSchema.optional().describe('CEL over self: true means Degraded (a rollout fails, a rollback follows).'),
  suspended: celExpressionSchema.optional().describe('CEL over self: true means Suspended (settled as its owner asked).'),
  inProgress: celExpressionSchema.optional().describe('CEL over self: true means Progressing.'),
  current: celExpressionSchema.optional().describe('CEL over self: true means Healthy. None true: Progressing.'),
  message: celExpressionSchema.optional().describe('CEL over self giving the message (a string).'),
});

export type HealthCheck = z.output<typeof healthCheckSchema>;
