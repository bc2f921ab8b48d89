import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookSecretsFromEnvironment, webhookSecretVariables } from './webhook-secrets.ts';

describe('webhook secrets from the environment', () => {
  it('gives every provider the shared secret unless it has its own', () => {
    const secretOf = webhookSecretsFromEnvironment({ BERTH_WEBHOOK_SECRET: 'shared', BERTH_WEBHOOK_SECRET_BITBUCKET_SERVER: 'own', BERTH_WEBHOOK_SECRET_GITLAB: '' });
    assert.equal(secretOf('github'), 'shared');
    assert.equal(secretOf('bitbucket-server'), 'own');
    assert.equal(secretOf('gitlab'), 'shared', 'an empty variable is no secret');
  });

  it('leaves a provider without a secret when none is set', () => {
    assert.equal(webhookSecretsFromEnvironment({ BERTH_WEBHOOK_SECRET_GITHUB: 'x' })('gitea'), undefined);
    assert.deepEqual(webhookSecretVariables('bitbucket-cloud'), ['BERTH_WEBHOOK_SECRET_BITBUCKET_CLOUD', 'BERTH_WEBHOOK_SECRET']);
  });
});
