/**
 * Webhook secrets from the environment: `BERTH_WEBHOOK_SECRET` for every
 * provider, overridden per provider by `BERTH_WEBHOOK_SECRET_<PROVIDER>` (upper
 * case, dashes as underscores: `BERTH_WEBHOOK_SECRET_BITBUCKET_SERVER`). Read
 * once at start-up; the values never reach a log or a response.
 */
import { providerNames, registryProviderNames } from '../../webhooks/index.ts';

/** The variables that configure `provider`'s secret, most specific first. */
export function webhookSecretVariables(provider: string): string[] {
  return [`BERTH_WEBHOOK_SECRET_${provider.toUpperCase().replaceAll('-', '_')}`, 'BERTH_WEBHOOK_SECRET'];
}

export function webhookSecretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): (provider: string) => string | undefined {
  const secrets = new Map<string, string>();
  for (const provider of [...providerNames, ...registryProviderNames]) {
    const value = webhookSecretVariables(provider).map((name) => env[name]).find((candidate) => candidate !== undefined && candidate !== '');
    if (value !== undefined) secrets.set(provider, value);
  }
  return (provider) => secrets.get(provider);
}
