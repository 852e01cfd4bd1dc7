import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podReadiness } from './readiness.js';

// Shaped like what k3s's API returns for a busybox Deployment pod (fields the readiness reads, and their siblings).
const pod = (name: string, node: string, o: { ready?: boolean; deleting?: boolean; phase?: string } = {}): k8s.V1Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: new Date('2026-12-03T15:00:00Z'), deletionGracePeriodSeconds: 30 } : {}) },
  spec: { nodeName: node, containers: [{ name: 'httpd', image: 'rancher/mirrored-library-busybox:1.36.1' }] },
  status: {
    phase: o.phase ?? 'Running', podIP: '10.42.1.5', hostIP: '192.168.200.2',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True' }, { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: o.ready === false ? 'False' : 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' },
    ],
    containerStatuses: [{ name: 'httpd', ready: true, restartCount: 0, image: 'busybox', imageID: 'sha256:x', started: true, state: { running: { startedAt: new Date() } } }],
  },
});
const node = (name: string, ready: 'True' | 'False' | 'Unknown'): k8s.V1Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: ready, reason: ready === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletReady' }] },
});

describe('podReadiness: PodReady on a Ready node, terminating pods left out', () => {
  const nodes = [node('n100-1', 'True'), node('n100-2', 'Unknown'), node('n100-3', 'True')];

  it('a pod on a node that died keeps phase Running and ready containers, and still is not ready', () => {
    const v = podReadiness([pod('web-a', 'n100-2'), pod('web-b', 'n100-3')], nodes);
    expect(v.map((x) => [x.name, x.ready])).toEqual([['web-a', false], ['web-b', true]]);
    expect(v[0].why).toMatch(/n100-2, which is not Ready/);
  });

  it('the PodReady condition decides, not phase or container flags', () => {
    const v = podReadiness([pod('web-a', 'n100-1', { ready: false })], nodes);
    expect(v[0]).toMatchObject({ ready: false, why: expect.stringMatching(/PodReady False/) });
  });

  it('a terminating pod (deletionTimestamp) is left out instead of holding the wait', () => {
    const v = podReadiness([pod('web-old', 'n100-2', { deleting: true }), pod('web-new', 'n100-1')], nodes);
    expect(v.map((x) => x.name)).toEqual(['web-new']);
    expect(v.every((x) => x.ready)).toBe(true);
  });

  it('a pod whose node is missing from the list is not ready', () => {
    expect(podReadiness([pod('web-a', 'n100-9')], nodes)[0].ready).toBe(false);
  });
});
