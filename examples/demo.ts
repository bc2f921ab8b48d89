/**
 * `npm run demo`: Berth's whole loop on a local cluster, narrated.
 *
 *   1. examples/plain is committed to a local Git repository and deployed: Synced and Healthy;
 *   2. a commit that changes the image is synced by itself;
 *   3. a manual change (what `kubectl set image` does) shows as drift in the API and
 *      in `berth diff`, and `berth sync` puts Git's version back;
 *   4. a commit whose pods never become Ready is rolled back automatically.
 *
 * Then it prints where to look and keeps running until Ctrl-C, which cleans
 * everything up. `--once` runs the walkthrough, cleans up and exits: 0 when every
 * step did what it says, 1 otherwise (test/examples/demo.test.ts runs it so).
 * Uses BERTH_TEST_KUBECONFIG and BERTH_TEST_REDIS_URL when set, else starts the
 * test harness's control plane and Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { eventually } from '../test/harness/eventually.ts';
import { neverReadyAnnotation } from '../test/harness/kwok.ts';
import { commitFiles } from '../test/harness/git-repositories.ts';
import { ensureConsoleBuilt } from '../console/build.ts';
import { createDemoEnvironment, type DemoEnvironment } from './demo-environment.ts';

const once = process.argv.includes('--once');
const root = path.resolve(import.meta.dirname, '..');
const deploymentFile = 'manifests/deployment.yaml';
const app = 'guestbook';

const say = (line = ''): void => { console.log(line); };
const step = (title: string): void => { say(`\n== ${title}`); };

interface Deployment { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } }

/** examples/plain's Deployment with another image, and optionally pods that never become Ready. */
function deploymentYaml(env: DemoEnvironment, image: string, neverReady = false): string {
  const deployment = load(env.files[deploymentFile] ?? '') as Deployment;
  const container = deployment.spec.template.spec.containers[0];
  if (!container) throw new Error(`examples/plain/${deploymentFile}: no container`);
  container.image = image;
  if (neverReady) deployment.spec.template.metadata.annotations = { [neverReadyAnnotation]: 'true' };
  return dump(deployment);
}

async function liveImage(env: DemoEnvironment): Promise<string | undefined> {
  const { body } = await env.rest.request('GET', `/apis/apps/v1/namespaces/${env.namespace}/deployments/${app}`);
  return (body as Deployment).spec.template.spec.containers[0]?.image;
}

async function api(env: DemoEnvironment, suffix: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${env.apiUrl}/api/v1/namespaces/${env.namespace}/applications/${app}${suffix}`, init);
}

/** What the demo reads of `GET /api/v1/namespaces/<ns>/applications/<name>` (public reads are on). */
interface ApplicationView {
  sync: string;
  health: string;
  status?: {
    release?: { status: string; revision?: string; lastHealthyRevision?: string; failedRevision?: string };
    history?: { revision: string; initiator: string; phase: string }[];
  };
}

async function applicationView(env: DemoEnvironment): Promise<ApplicationView | undefined> {
  const response = await api(env, '');
  return response.ok ? await response.json() as ApplicationView : undefined;
}

/** Waits for the API to show the release Healthy at `revision`, then prints what it says. */
async function healthyAt(env: DemoEnvironment, revision: string, what: string): Promise<void> {
  const view = await eventually(what, async () => {
    const current = await applicationView(env);
    const release = current?.status?.release;
    return release?.status === 'Healthy' && release.revision === revision ? current : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500 });
  say(`   ${app}: ${view.sync}, ${view.health} at ${revision.slice(0, 7)}, image ${await liveImage(env) ?? '?'}`);
}

async function walkthrough(env: DemoEnvironment): Promise<void> {
  const berth = `BERTH_SERVER=${env.apiUrl} BERTH_TOKEN=$(cat ${env.tokenFile}) ${path.join(root, 'src/bin/berth')}`;
  const kubectl = `KUBECONFIG=${env.kubeconfig} kubectl -n ${env.namespace}`;

  step('1. Deploy examples/plain from a Git repository');
  const first = await commitFiles(env.repository, env.files, 'guestbook 1.0.0');
  say(`   committed ${first.slice(0, 7)} to ${env.repository.work}; starting berth controller (log: ${env.controllerLog})`);
  env.startController();
  await healthyAt(env, first, 'the first commit to be Healthy');

  step('2. A commit that changes the image syncs by itself');
  const second = await commitFiles(env.repository, { [deploymentFile]: deploymentYaml(env, 'registry.example/guestbook:1.1.0') }, 'guestbook 1.1.0');
  say(`   committed ${second.slice(0, 7)}: image registry.example/guestbook:1.1.0`);
  await healthyAt(env, second, 'the image change to be synced');

  step('3. A manual change shows as drift, and a sync heals it');
  say(`   $ ${kubectl} set image deployment/${app} ${app}=registry.example/guestbook:hotfix`);
  await env.rest.request('PATCH', `/apis/apps/v1/namespaces/${env.namespace}/deployments/${app}`, {
    query: { fieldManager: 'kubectl-set' },
    contentType: 'application/strategic-merge-patch+json',
    body: { spec: { template: { spec: { containers: [{ name: app, image: 'registry.example/guestbook:hotfix' }] } } } },
  });
  const token = fs.readFileSync(env.tokenFile, 'utf8');
  const diff = await eventually('the drift to show in the API', async () => {
    // A refresh asks for a drift check now instead of at the next poll.
    await api(env, '/refresh', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const response = await api(env, '/drift?format=text');
    return response.headers.get('berth-sync-status') === 'OutOfSync' ? await response.text() : undefined;
  }, { timeoutMs: 90_000, intervalMs: 2_000 });
  say(`   $ curl ${env.apiUrl}/api/v1/namespaces/${env.namespace}/applications/${app}/drift`);
  say(`   $ ${berth} diff ${env.namespace}/${app}`);
  say(diff.trimEnd().split('\n').map((line) => `     ${line}`).join('\n'));
  say(`   $ ${berth} sync ${env.namespace}/${app}`);
  say(`     (or: curl -X POST -H "Authorization: Bearer $(cat ${env.tokenFile})" ${env.apiUrl}/api/v1/namespaces/${env.namespace}/applications/${app}/sync)`);
  const synced = await api(env, '/sync', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  if (!synced.ok) throw new Error(`POST .../sync answered ${synced.status}: ${await synced.text()}`);
  await eventually('the manual change to be healed', async () =>
    await liveImage(env) === 'registry.example/guestbook:1.1.0' || undefined, { timeoutMs: 90_000, intervalMs: 500 });
  say(`   healed: image ${await liveImage(env) ?? '?'} again`);

  step('4. A commit whose pods never become Ready is rolled back');
  const broken = await commitFiles(env.repository, { [deploymentFile]: deploymentYaml(env, 'registry.example/guestbook:1.2.0', true) }, 'guestbook 1.2.0 (broken)');
  say(`   committed ${broken.slice(0, 7)}: image 1.2.0, whose pods never become Ready (health timeout 20s)`);
  const rolledBack = await eventually('the broken commit to be rolled back', async () => {
    const release = (await applicationView(env))?.status?.release;
    return release?.failedRevision === broken && release.status === 'Healthy' ? release : undefined;
  }, { timeoutMs: 150_000, intervalMs: 1_000 });
  if (rolledBack.lastHealthyRevision !== second) throw new Error(`rolled back to ${String(rolledBack.lastHealthyRevision)}, expected ${second}`);
  const image = await liveImage(env);
  if (image !== 'registry.example/guestbook:1.1.0') throw new Error(`after the rollback the image is ${String(image)}`);
  say(`   rolled back to ${second.slice(0, 7)} (image ${image}); ${broken.slice(0, 7)} is marked failed until a new commit`);
  const history = (await applicationView(env))?.status?.history ?? [];
  for (const entry of history.slice(-4)) say(`     ${entry.revision.slice(0, 7)}  ${entry.initiator.padEnd(9)} ${entry.phase}`);

  step('Where to look');
  say(`   console:     ${env.apiUrl}/  (sign in with the admin token: ${once ? `$(cat ${env.tokenFile})` : token.trim()})`);
  say(`   API:         curl ${env.apiUrl}/api/v1/applications`);
  say(`   history:     curl ${env.apiUrl}/api/v1/namespaces/${env.namespace}/applications/${app}/history`);
  say(`   CLI:         ${berth} apps`);
  say(`   cluster:     ${kubectl} get deploy,pods,configmaps`);
  say(`   Git:         cd ${env.repository.work} && edit manifests/*.yaml && git commit -am change && git push origin HEAD:main`);
  say(`   controller:  tail -f ${env.controllerLog}`);
}

// The controller serves console/dist: built here when missing or older than its sources.
await ensureConsoleBuilt((line) => { say(line); });
const env = await createDemoEnvironment((line) => { say(line); });
let closing = false;
const shutdown = async (code: number): Promise<never> => {
  if (!closing) {
    closing = true;
    say('\ncleaning up...');
    await env.close();
  }
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { void shutdown(130); });

try {
  await walkthrough(env);
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`controller log: ${env.controllerLog}\n${fs.existsSync(env.controllerLog) ? fs.readFileSync(env.controllerLog, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : ''}`);
  await shutdown(1);
}
if (once) {
  say('\ndemo finished: every step did what it says');
  await shutdown(0);
}
say('\nThe demo keeps running: commit to the repository above and watch Berth follow. Ctrl-C stops and removes everything.');
