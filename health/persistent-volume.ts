/**
 * Health of storage: core/v1 PersistentVolumeClaims and PersistentVolumes, by
 * their phase, and a claim's resize conditions.
 */
import type { KubeObject } from '../objects.ts';
import { conditionsOf, findCondition, isTrue, stringAt } from './fields.ts';
import { type Health, HealthStatus } from './status.ts';

export function persistentVolumeClaimHealth(object: KubeObject): Health {
  const volume = stringAt(object, 'spec', 'volumeName');
  switch (stringAt(object, 'status', 'phase')) {
    case 'Bound': {
      if (isTrue(findCondition(conditionsOf(object), 'Resizing'))) {
        return { status: HealthStatus.Progressing, message: volume ? `volume ${volume} is being resized` : 'volume is being resized' };
      }
      return { status: HealthStatus.Healthy, message: volume ? `bound to volume ${volume}` : 'bound to a volume' };
    }
    case 'Lost':
      return { status: HealthStatus.Degraded, message: volume ? `the bound volume ${volume} is lost` : 'the bound volume is lost' };
    default:
      // Pending covers both a provisioner at work and a storage class that binds only
      // once a pod uses the claim (WaitForFirstConsumer); the claim cannot tell which.
      return { status: HealthStatus.Progressing, message: 'waiting for a volume to be provisioned or bound' };
  }
}

export function persistentVolumeHealth(object: KubeObject): Health {
  const phase = stringAt(object, 'status', 'phase');
  const message = stringAt(object, 'status', 'message');
  switch (phase) {
    case 'Available':
      return { status: HealthStatus.Healthy, message: 'available for a claim' };
    case 'Bound': {
      const claim = [stringAt(object, 'spec', 'claimRef', 'namespace'), stringAt(object, 'spec', 'claimRef', 'name')].filter(Boolean).join('/');
      return { status: HealthStatus.Healthy, message: claim ? `bound to claim ${claim}` : 'bound to a claim' };
    }
    case 'Released':
      return { status: HealthStatus.Healthy, message: 'released by its claim, not yet reclaimed' };
    case 'Failed':
      return { status: HealthStatus.Degraded, message: `reclamation failed${message ? `: ${message}` : ''}` };
    default:
      return { status: HealthStatus.Progressing, message: 'waiting for the volume to become available' };
  }
}
