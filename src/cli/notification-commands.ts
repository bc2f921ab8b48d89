/**
 * `berth notifications test NAMESPACE/PROVIDER`: the controller sends a test
 * message to that NotificationProvider now and says what came of it (exit 0
 * only when it was delivered). `berth notifications list APP`: the last
 * deliveries of an Application's notifications and their results.
 */
import type { Command } from 'commander';
import { applicationPath, exitCodes, UsageError } from './api-client.ts';
import { clientCommand, run } from './client-command.ts';
import { formatData, formatTable, shortRevision } from './output.ts';

interface Outcome { result: string; status?: number; reason?: string; detail?: string; retryAfterMs?: number }
interface Delivery { type: string; revision: string; provider: string; providerType: string; result: string; attempt: number; status?: number; reason?: string; at: string }

const dns1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function registerNotificationCommands(program: Command): void {
  const group = program.command('notifications').description('test NotificationProviders and list what was delivered');

  clientCommand(group, 'test <provider>', 'send a test message to a NotificationProvider (PROVIDER: namespace/name)')
    .action(run(async ({ client, format, out }, provider: string) => {
      const [namespace, name, ...rest] = provider.split('/');
      if (namespace === undefined || name === undefined || rest.length > 0 || !dns1123.test(namespace) || !dns1123.test(name)) {
        throw new UsageError(`PROVIDER must be <namespace>/<name> of a NotificationProvider, got ${JSON.stringify(provider)}`);
      }
      const answer = await client.json<{ provider: string; outcome: Outcome }>('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/notificationproviders/${encodeURIComponent(name)}/test`);
      const { outcome } = answer;
      const why = outcome.reason ?? outcome.detail;
      out(format === 'table'
        ? `${answer.provider}: ${outcome.result}${outcome.status === undefined ? '' : ` (HTTP ${outcome.status})`}${why ? `: ${why}` : ''}\n`
        : formatData(format, answer));
      return outcome.result === 'delivered' ? exitCodes.success : exitCodes.requestFailed;
    }));

  clientCommand(group, 'list <app>', 'the last notification deliveries of an Application, newest first (APP: name or namespace/name)')
    .action(run(async ({ client, format, out }, app: string) => {
      const answer = await client.json<{ deliveries: Delivery[] }>('GET', `${await applicationPath(client, app)}/notifications`);
      out(format === 'table'
        ? formatTable(['AT', 'EVENT', 'REVISION', 'PROVIDER', 'ATTEMPT', 'RESULT', 'REASON'], answer.deliveries.map((entry) => [
          entry.at, entry.type, shortRevision(entry.revision) ?? '', `${entry.provider} (${entry.providerType})`, String(entry.attempt),
          entry.status === undefined ? entry.result : `${entry.result} ${entry.status}`, entry.reason ?? '',
        ]))
        : formatData(format, answer));
      return exitCodes.success;
    }));
}
