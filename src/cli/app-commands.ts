/**
 * `berth apps`, `berth status APP`, `berth diff APP` and `berth history APP`:
 * what the controller's status API knows, for people (`-o table`) and scripts
 * (`-o json|yaml`). `berth diff` exits 1 when the Application is OutOfSync and
 * 4 when its drift is Unknown, so a script can tell drift, and not knowing,
 * from success.
 */
import type { Command } from 'commander';
import { applicationPath, exitCodes } from './api-client.ts';
import { clientCommand, run } from './client-command.ts';
import { colorDiff, formatData, formatTable, shortRevision, useColor } from './output.ts';
import { redactUrlCredentials } from '../log.ts';

interface Summary { key: string; sync: string; health: string; revision?: string; lastSyncAt?: string; release?: string; valid: boolean; cluster?: string }
interface HistoryEntry { id: number; revision: string; initiator: string; phase: string; startedAt: string; finishedAt?: string; message: string }
interface Detail extends Summary {
  origin: string;
  spec?: { source?: { repoURL?: string; targetRevision?: string; path?: string } };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    resources?: { kind: string; namespace?: string; name: string; status: string; health?: { status: string; message?: string } }[];
    release?: { status: string; message: string };
    health?: { status: string; message?: string };
  };
  lastOperation?: { kind: string; dryRun: boolean; revision: string; phase: string; message: string; changes?: string[]; finishedAt: string };
  problems?: { path: string; message: string }[];
}
interface Drift { status: string; objects: { kind: string; namespace: string; name: string; status: string; diff: string }[] }

/** Only Synced is success: not knowing is not "no drift" (issue 21). */
function diffExitCode(status: string): number {
  if (status === 'Synced') return exitCodes.success;
  return status === 'OutOfSync' ? exitCodes.outOfSync : exitCodes.driftUnknown;
}

export function registerAppCommands(program: Command): void {
  clientCommand(program, 'apps', 'list the Applications the controller knows: sync status, health, revision, last sync')
    .action(run(async ({ client, format, out }) => {
      const { items } = await client.json<{ items: Summary[] }>('GET', '/api/v1/applications');
      if (format !== 'table') out(formatData(format, items));
      else out(formatTable(['name', 'cluster', 'sync', 'health', 'revision', 'last sync'], items.map((item) => [item.valid ? item.key : `${item.key} (invalid)`, item.cluster ?? 'in-cluster', item.sync, item.health, shortRevision(item.revision), item.lastSyncAt])));
      return exitCodes.success;
    }));

  clientCommand(program, 'status <app>', 'show one Application (APP: name or namespace/name): source, sync, health, conditions, resources')
    .action(run(async ({ client, format, out }, app: string) => {
      const detail = await client.json<Detail>('GET', await applicationPath(client, app));
      if (format !== 'table') {
        out(formatData(format, detail));
        return exitCodes.success;
      }
      const source = detail.spec?.source;
      const lines = [
        `Name:       ${detail.key}`,
        `Source:     ${redactUrlCredentials(source?.repoURL ?? '-')} @ ${source?.targetRevision ?? '-'} (${source?.path ?? '.'})`,
        `Cluster:    ${detail.cluster ?? 'in-cluster'}`,
        `Sync:       ${detail.sync}${detail.revision ? ` at ${detail.revision}` : ''}`,
        `Health:     ${detail.health}${detail.status?.health?.message ? ` (${detail.status.health.message})` : ''}`,
        `Release:    ${detail.status?.release ? `${detail.status.release.status}: ${detail.status.release.message}` : '-'}`,
        `Last sync:  ${detail.lastSyncAt ?? '-'}`,
      ];
      if (detail.lastOperation) {
        const op = detail.lastOperation;
        lines.push(`Last operation: ${op.kind}${op.dryRun ? ' (dry run)' : ''} of ${shortRevision(op.revision) ?? '-'}: ${op.phase}: ${op.message}`);
        for (const change of op.changes ?? []) lines.push(`  ${change}`);
      }
      for (const problem of detail.problems ?? []) lines.push(`Problem:    ${problem.path}: ${problem.message}`);
      out(`${lines.join('\n')}\n`);
      const conditions = detail.status?.conditions ?? [];
      if (conditions.length > 0) out(`\n${formatTable(['condition', 'status', 'reason', 'message'], conditions.map((c) => [c.type, c.status, c.reason, c.message]))}`);
      const resources = detail.status?.resources ?? [];
      if (resources.length > 0) {
        out(`\n${formatTable(['kind', 'namespace', 'name', 'sync', 'health'], resources.map((r) => [r.kind, r.namespace, r.name, r.status, r.health?.status]))}`);
      }
      return exitCodes.success;
    }));

  clientCommand(program, 'diff <app>', 'show the drift of an Application as a unified diff (Secret values masked); exits 1 when OutOfSync, 4 when Unknown')
    .action(run(async ({ client, format, out }, app: string) => {
      const path = `${await applicationPath(client, app)}/drift`;
      if (format !== 'table') {
        const drift = await client.json<Drift>('GET', path);
        out(formatData(format, drift));
        return diffExitCode(drift.status);
      }
      const { body, headers } = await client.text(`${path}?format=text`);
      const status = headers.get('berth-sync-status') ?? 'Unknown';
      if (body) out(useColor(process.stdout) ? colorDiff(body) : body);
      else process.stderr.write(status === 'Unknown' ? `${app}: no drift report yet\n` : `${app}: ${status}\n`);
      return diffExitCode(status);
    }));

  clientCommand(program, 'history <app>', 'list the operations on an Application, newest first (ids for `berth rollback`)')
    .action(run(async ({ client, format, out }, app: string) => {
      const { items } = await client.json<{ items: HistoryEntry[] }>('GET', `${await applicationPath(client, app)}/history`);
      if (format !== 'table') out(formatData(format, items));
      else out(formatTable(['id', 'revision', 'initiator', 'phase', 'finished', 'message'], items.map((entry) => [entry.id, shortRevision(entry.revision), entry.initiator, entry.phase, entry.finishedAt ?? entry.startedAt, entry.message])));
      return exitCodes.success;
    }));
}
