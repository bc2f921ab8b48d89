import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../objects.ts';
import { type AssessedObject, type Health, aggregateHealth, assessHealth, missingHealth } from './index.ts';
import { loadFixture } from './testdata/fixture-table.ts';

function assessed(fixture: string, annotations?: Record<string, string>): AssessedObject {
  const object = loadFixture(fixture);
  if (annotations) object.metadata.annotations = { ...object.metadata.annotations, ...annotations };
  return { object, health: assessHealth(object) };
}

function named(kind: string, name: string, health: Health | undefined, namespace = 'shop'): AssessedObject {
  const object: KubeObject = { apiVersion: kind === 'Widget' ? 'example.com/v1' : 'apps/v1', kind, metadata: { name, namespace } };
  return { object, health };
}

describe('aggregateHealth', () => {
  it('lets the worst status win and names the object holding it', () => {
    const health = aggregateHealth([
      assessed('deployment-healthy.yaml'),
      assessed('deployment-progressing.yaml'),
      assessed('configmap-exists.yaml'),
      assessed('deployment-degraded.yaml'),
    ]);
    assert.equal(health.status, 'Degraded');
    assert.match(health.message, /^Deployment\/shop\/stuck: waiting for rollout: progress deadline exceeded/);
  });

  it('says which object is still progressing, in its own words', () => {
    const health = aggregateHealth([assessed('deployment-progressing.yaml'), assessed('service-clusterip.yaml')]);
    assert.deepEqual(health, { status: 'Progressing', message: 'Deployment/shop/web: waiting for rollout: 2 of 3 updated replicas are available' });
  });

  it('names every object at the worst status, then counts the rest', () => {
    const progressing: Health = { status: 'Progressing', message: 'starting' };
    const two = aggregateHealth([named('Deployment', 'a', progressing), named('Deployment', 'b', progressing)]);
    assert.equal(two.message, 'Deployment/shop/a: starting; Deployment/shop/b: starting');
    const five = aggregateHealth(['a', 'b', 'c', 'd', 'e'].map((n) => named('Deployment', n, progressing)));
    assert.equal(five.message, 'Deployment/shop/a: starting; Deployment/shop/b: starting; Deployment/shop/c: starting; and 2 more Progressing');
  });

  it('ranks a missing object above a degraded one', () => {
    const health = aggregateHealth([assessed('deployment-degraded.yaml'), named('Deployment', 'gone', missingHealth())]);
    assert.equal(health.status, 'Missing');
    assert.match(health.message, /^Deployment\/shop\/gone: /);
  });

  it('skips objects annotated berth.dev/health-ignore: "true", and only those', () => {
    const ignored = aggregateHealth([assessed('deployment-healthy.yaml'), assessed('pod-crashloop.yaml', { 'berth.dev/health-ignore': 'true' })]);
    assert.equal(ignored.status, 'Healthy');
    const notIgnored = aggregateHealth([assessed('deployment-healthy.yaml'), assessed('pod-crashloop.yaml', { 'berth.dev/health-ignore': 'false' })]);
    assert.equal(notIgnored.status, 'Degraded');
  });

  it('leaves objects without an opinion out of the verdict but names them in a Healthy message', () => {
    const health = aggregateHealth([assessed('deployment-healthy.yaml'), assessed('configmap-exists.yaml'), assessed('widget-no-status.yaml')]);
    assert.equal(health.status, 'Healthy');
    assert.equal(health.message, 'all 2 assessed objects are Healthy; not assessed (no health rule): Widget/shop/blue');
  });

  it('is Unknown, never Healthy, when no object has an opinion', () => {
    const health = aggregateHealth([assessed('widget-no-status.yaml'), assessed('widget-unconventional-conditions.yaml')]);
    assert.deepEqual(health, { status: 'Unknown', message: 'no health rule applies to any object: Widget/shop/blue, Widget/shop/green' });
  });

  it('is Healthy with nothing to assess: an empty set, or every object ignored', () => {
    assert.deepEqual(aggregateHealth([]), { status: 'Healthy', message: 'no objects to assess' });
    const allIgnored = aggregateHealth([assessed('pod-crashloop.yaml', { 'berth.dev/health-ignore': 'true' })]);
    assert.deepEqual(allIgnored, { status: 'Healthy', message: 'no objects to assess (1 object ignored for health)' });
  });

  it('names cluster-scoped objects without a namespace', () => {
    const health = aggregateHealth([assessed('customresourcedefinition-short-name-conflict.yaml'), assessed('clusterrole-exists.yaml')]);
    assert.equal(health.status, 'Degraded');
    assert.match(health.message, /^CustomResourceDefinition\/widgets\.example\.com: names not accepted/);
  });
});
