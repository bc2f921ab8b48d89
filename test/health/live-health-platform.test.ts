/**
 * The health rules against live networking, storage, autoscaling and API
 * extension objects on the real control plane, and the aggregate over a mixed
 * live set, read back raw through Berth's ClusterClient. This control plane has
 * no cloud provider, ingress controller, storage provisioner or metrics server,
 * so the waiting states are what it shows; see capture.ts for the fixtures.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { annotations, refOf, type KubeObject } from '../../objects.ts';
import { type AssessedObject, aggregateHealth, assessHealth, missingHealth } from '../../health/index.ts';
import { valueAt } from '../../health/fields.ts';
import { testNamespace } from '../harness/env.ts';
import { eventually } from '../harness/eventually.ts';
import { captureFixture } from './capture.ts';
import {
  type Live, apply, conditionOf, connect, deleteAfter, deployment, deploymentAvailable, expectLiveHealth, observed, podTemplate, read,
} from './live.ts';

const parallel = { concurrency: true };
let live: Live;

function object(apiVersion: string, kind: string, namespace: string, name: string, fields: Record<string, unknown>): KubeObject {
  return { apiVersion, kind, metadata: namespace ? { name, namespace } : { name }, ...fields };
}

function service(namespace: string, name: string, type: string): KubeObject {
  return object('v1', 'Service', namespace, name, { spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } });
}

const hasClusterIP = (s: KubeObject): boolean => typeof valueAt(s, 'spec', 'clusterIP') === 'string';

describe('health of live platform objects', parallel, () => {
  before(async () => { live = await connect(); });
  after(() => { live.rest.close(); });

  it('Service: ClusterIP is Healthy; LoadBalancer with no controller to assign an address is Progressing', async (t) => {
    const namespace = await testNamespace(t, 'health-svc');
    const web = service(namespace, 'web', 'ClusterIP');
    const edge = service(namespace, 'edge', 'LoadBalancer');
    await Promise.all([apply(live, web), apply(live, edge)]);
    await expectLiveHealth(live, web, { what: 'a cluster IP', until: hasClusterIP, status: 'Healthy', message: 'ClusterIP service', capture: 'clusterip' });
    await expectLiveHealth(live, edge, {
      what: 'a cluster IP', until: hasClusterIP,
      status: 'Progressing', message: 'waiting for a load balancer address', capture: 'loadbalancer-pending',
    });
  });

  it('Ingress: Progressing with no ingress controller to write an address', async (t) => {
    const namespace = await testNamespace(t, 'health-ing');
    const backend = { service: { name: 'web', port: { number: 80 } } };
    const shop = object('networking.k8s.io/v1', 'Ingress', namespace, 'shop', {
      spec: { rules: [{ host: 'shop.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
    });
    await apply(live, shop);
    await expectLiveHealth(live, shop, {
      what: 'stored', until: () => true, status: 'Progressing', message: 'waiting for the ingress controller to assign an address', capture: 'pending',
    });
  });

  it('PersistentVolumeClaim: Pending with no provisioner is Progressing', async (t) => {
    const namespace = await testNamespace(t, 'health-pvc');
    const classes = await live.cluster.list('storage.k8s.io/v1', 'StorageClass');
    assert.deepEqual(classes.map((c) => c.metadata.name), [], 'this control plane has no storage class, so nothing provisions');
    const data = object('v1', 'PersistentVolumeClaim', namespace, 'data', {
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await apply(live, data);
    await expectLiveHealth(live, data, {
      what: 'phase Pending', until: (c) => valueAt(c, 'status', 'phase') === 'Pending',
      status: 'Progressing', message: 'waiting for a volume to be provisioned or bound', capture: 'pending',
    });
  });

  it('HorizontalPodAutoscaler: waiting for metrics without a metrics server; Degraded without a target; Suspended on a target at 0', async (t) => {
    const namespace = await testNamespace(t, 'health-hpa');
    const web = deployment(namespace, 'web', { replicas: 1 }, podTemplate('web', { cpu: '100m' }));
    const idle = deployment(namespace, 'idle', { replicas: 0 }, podTemplate('idle', { cpu: '100m' }));
    await Promise.all([apply(live, web), apply(live, idle)]);
    await expectLiveHealth(live, web, { what: 'available', until: deploymentAvailable, status: 'Healthy', message: '1 of 1' });
    const hpa = (name: string, target: string): KubeObject => object('autoscaling/v2', 'HorizontalPodAutoscaler', namespace, name, {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 1, maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    });
    const scaler = hpa('web', 'web');
    const orphan = hpa('orphan', 'no-such-deployment');
    const sleeper = hpa('idle', 'idle');
    await Promise.all([scaler, orphan, sleeper].map((h) => apply(live, h)));
    const until = (h: KubeObject): boolean => conditionOf(h, 'AbleToScale') !== undefined && conditionOf(h, 'ScalingActive') !== undefined;
    const waiting = await expectLiveHealth(live, scaler, {
      what: 'its first conditions', until, status: 'Progressing', message: 'waiting for metrics: the HPA was unable to compute the replica count',
      capture: 'no-metrics-server',
    });
    assert.equal(conditionOf(waiting, 'ScalingActive')?.reason, 'FailedGetResourceMetric');
    await expectLiveHealth(live, orphan, {
      what: 'its first conditions', until: (h) => conditionOf(h, 'AbleToScale') !== undefined,
      status: 'Degraded', message: 'cannot scale its target: the HPA controller was unable to get the target\'s current scale', capture: 'target-missing',
    });
    await expectLiveHealth(live, sleeper, {
      what: 'its first conditions', until, status: 'Suspended', message: 'scaling is disabled', capture: 'scaling-disabled',
    });
  });

  it('CustomResourceDefinition is Healthy once Established; a custom resource with no status gets no opinion', async (t) => {
    const namespace = await testNamespace(t, 'health-crd');
    const group = `h${randomBytes(4).toString('hex')}.health.berth.dev`;
    const crd = object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', '', `widgets.${group}`, {
      spec: {
        group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    deleteAfter(t, live, crd);
    await apply(live, crd);
    await expectLiveHealth(live, crd, {
      what: 'Established', until: (c) => conditionOf(c, 'Established')?.status === 'True',
      status: 'Healthy', message: `established: widgets.${group} is served`, capture: 'established',
    });
    const blue = object(`${group}/v1`, 'Widget', namespace, 'blue', { spec: { colour: 'blue' } });
    // The resource is served a moment after the condition flips.
    await eventually('the Widget to be accepted', () => apply(live, blue));
    const stored = await read(live, blue);
    assert.ok(stored.metadata.uid, 'the custom resource is stored');
    assert.equal(assessHealth(stored), undefined, `no opinion on ${JSON.stringify(stored)}`);
    captureFixture(stored, 'no-status', live.version);
  });

  it('APIService: the built-in local ones are Healthy; one whose service has no endpoints is Progressing', async (t) => {
    const local = await read(live, object('apiregistration.k8s.io/v1', 'APIService', '', 'v1.apps', {}));
    assert.equal(conditionOf(local, 'Available')?.status, 'True');
    await expectLiveHealth(live, local, {
      what: 'Available', until: () => true, status: 'Healthy', message: 'available, served by the kube-apiserver itself', capture: 'local',
    });

    // Short-lived: an unavailable aggregated API slows every client's full discovery (namespace deletion too).
    const namespace = await testNamespace(t, 'health-apisvc');
    await apply(live, service(namespace, 'nobody', 'ClusterIP'));
    const group = `h${randomBytes(4).toString('hex')}.health.berth.dev`;
    const remote = object('apiregistration.k8s.io/v1', 'APIService', '', `v1.${group}`, {
      spec: { group, version: 'v1', service: { namespace, name: 'nobody', port: 80 }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 10 },
    });
    deleteAfter(t, live, remote);
    await apply(live, remote);
    await expectLiveHealth(live, remote, {
      what: 'Available False', until: (a) => conditionOf(a, 'Available')?.status === 'False',
      status: 'Progressing', message: 'waiting to become available', capture: 'missing-endpoints',
    });
    await live.cluster.delete(refOf(remote), { propagation: 'Background' });
  });

  it('kinds judged by existence or by kstatus: Namespace, ConfigMap, PodDisruptionBudget', async (t) => {
    const namespace = await testNamespace(t, 'health-config');
    const settings = object('v1', 'ConfigMap', namespace, 'settings', { data: { mode: 'live' } });
    const budget = object('policy/v1', 'PodDisruptionBudget', namespace, 'web', { spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    await Promise.all([apply(live, settings), apply(live, budget)]);
    await expectLiveHealth(live, object('v1', 'Namespace', '', namespace, {}), {
      what: 'Active', until: (n) => valueAt(n, 'status', 'phase') === 'Active', status: 'Healthy', message: 'configuration only', capture: 'active',
    });
    await expectLiveHealth(live, settings, { what: 'stored', until: () => true, status: 'Healthy', message: 'configuration only', capture: 'stored' });
    await expectLiveHealth(live, budget, {
      what: 'observed', until: observed, status: 'Healthy', message: 'the controller has observed the latest spec (generation 1)', capture: 'observed',
    });
  });

  it('aggregates a mixed live set: worst wins, ignored objects are skipped, a missing object is Missing', async (t) => {
    const namespace = await testNamespace(t, 'health-app');
    const web = deployment(namespace, 'web', {});
    const stuck = deployment(namespace, 'stuck', { progressDeadlineSeconds: 5 }, podTemplate('stuck', { neverReady: true }));
    const desired = [web, service(namespace, 'web', 'ClusterIP'), service(namespace, 'edge', 'LoadBalancer'),
      object('v1', 'ConfigMap', namespace, 'settings', { data: { mode: 'live' } }), stuck];
    await Promise.all(desired.map((o) => apply(live, o)));
    await expectLiveHealth(live, web, { what: 'available', until: deploymentAvailable, status: 'Healthy', message: '2 of 2' });
    await expectLiveHealth(live, stuck, {
      what: 'ProgressDeadlineExceeded', until: (d) => conditionOf(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
      status: 'Degraded', message: 'progress deadline exceeded', timeoutMs: 90_000,
    });

    const assessLive = async (objects: readonly KubeObject[]): Promise<AssessedObject[]> => Promise.all(objects.map(async (o) => {
      const found = await live.cluster.get(refOf(o));
      return found ? { object: found, health: assessHealth(found) } : { object: o, health: missingHealth() };
    }));

    const all = aggregateHealth(await assessLive(desired));
    assert.equal(all.status, 'Degraded');
    assert.match(all.message, new RegExp(`^Deployment/${namespace}/stuck: waiting for rollout: progress deadline exceeded`));

    const ignoredStuck = { ...stuck, metadata: { ...stuck.metadata, annotations: { [annotations.healthIgnore]: 'true' } } };
    await apply(live, ignoredStuck);
    const withoutStuck = aggregateHealth(await assessLive(desired));
    assert.deepEqual(withoutStuck, { status: 'Progressing', message: `Service/${namespace}/edge: waiting for a load balancer address` });

    const absent = object('v1', 'ConfigMap', namespace, 'absent', { data: {} });
    const withMissing = aggregateHealth(await assessLive([...desired, absent]));
    assert.equal(withMissing.status, 'Missing');
    assert.match(withMissing.message, new RegExp(`^ConfigMap/${namespace}/absent: `));

    const healthy = aggregateHealth(await assessLive(desired.filter((o) => o !== stuck && o.metadata.name !== 'edge')));
    assert.deepEqual(healthy, { status: 'Healthy', message: 'all 3 assessed objects are Healthy' });
  });
});
