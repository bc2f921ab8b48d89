/**
 * `berth sync APP` and `berth rollback APP [ID]`: ask the controller for an
 * operation. The controller queues it and answers at once; `berth status APP`
 * shows how it went. Without ID, rollback picks the newest successful history
 * entry of another revision than the one running.
 */
import type { Command } from 'commander';
import { applicationPath, exitCodes, RequestError, UsageError } from './api-client.ts';
import { clientCommand, run } from './client-command.ts';
import { formatData, shortRevision } from './output.ts';

interface Queued { queued: { app: string; operation?: { kind: string; revision?: string; dryRun?: boolean; prune?: boolean } } }
interface HistoryEntry { id: number; revision: string; phase: string }

function describeQueued({ queued }: Queued): string {
  const operation = queued.operation;
  const what = [
    operation?.revision ? `to ${shortRevision(operation.revision) ?? ''}` : '',
    operation?.dryRun ? '(dry run)' : '',
    operation?.prune !== undefined ? `(prune: ${String(operation.prune)})` : '',
  ].filter(Boolean).join(' ');
  return `queued ${operation?.kind ?? 'operation'} of ${queued.app}${what ? ` ${what}` : ''}; \`berth status ${queued.app}\` shows the outcome\n`;
}

export function registerOperationCommands(program: Command): void {
  clientCommand(program, 'sync <app>', 'sync an Application now (APP: name or namespace/name)')
    .option('--revision <rev>', 'sync this branch, tag or commit instead of targetRevision (refused for automated sync, except as a dry run)')
    .option('--dry-run', 'plan and dry-run the sync on the server; change nothing')
    .option('--prune', 'delete objects Git no longer has, whatever the Application\'s prune setting')
    .action(run(async ({ client, format, out, flags: options }, app: string) => {
      const flags = options as { revision?: string; dryRun?: boolean; prune?: boolean };
      const body = {
        ...(flags.revision !== undefined ? { revision: flags.revision } : {}),
        ...(flags.dryRun ? { dryRun: true } : {}),
        ...(flags.prune ? { prune: true } : {}),
      };
      const answer = await client.json<Queued>('POST', `${await applicationPath(client, app)}/sync`, body);
      out(format === 'table' ? describeQueued(answer) : formatData(format, answer));
      return exitCodes.success;
    }));

  clientCommand(program, 'rollback <app> [id]', 'sync a revision from the Application\'s history (ID from `berth history`; default: the last good one before the current)')
    .action(run(async ({ client, format, out }, app: string, id: string | undefined) => {
      const path = await applicationPath(client, app);
      let entryId: number;
      if (id !== undefined) {
        if (!/^[1-9]\d*$/.test(id)) throw new UsageError(`ID must be a history entry id (a positive integer), got ${JSON.stringify(id)}`);
        entryId = Number(id);
      } else {
        const [{ items }, detail] = await Promise.all([
          client.json<{ items: HistoryEntry[] }>('GET', `${path}/history`),
          client.json<{ revision?: string }>('GET', path),
        ]);
        const previous = items.find((entry) => entry.phase === 'Succeeded' && entry.revision !== detail.revision);
        if (!previous) throw new RequestError(`${app}: no successful history entry of another revision than ${shortRevision(detail.revision) ?? 'the current one'} to roll back to`);
        entryId = previous.id;
      }
      const answer = await client.json<Queued>('POST', `${path}/rollback`, { id: entryId });
      out(format === 'table' ? describeQueued(answer) : formatData(format, answer));
      return exitCodes.success;
    }));
}
