import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, nodeReady, parseManifests } from './cluster.js';

describe('parseManifests (the yaml package) for KubernetesObjectApi', () => {
  it('reads every object of every manifest in fixtures/k3s', () => {
    const kinds = readdirSync(new URL('../../fixtures/k3s/', import.meta.url)).flatMap((f) => parseManifests(fixture(`k3s/${f}`)).map((o) => `${o.kind}/${o.metadata?.name}`));
    expect(kinds.sort()).toEqual(['DaemonSet/netcheck', 'Deployment/web', 'PersistentVolumeClaim/data', 'Pod/writer', 'Service/web', 'StatefulSet/stash']);
  });
  it('refuses a document without a kind, and broken YAML', () => {
    expect(() => parseManifests('apiVersion: v1\nmetadata: { name: x }\n')).toThrow(/lacks apiVersion, kind or metadata.name/);
    expect(() => parseManifests('a: [1, 2\n')).toThrow();
  });
  it('nodeReady reads the Ready condition', () => {
    expect(nodeReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toBe(true);
    expect(nodeReady({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).toBe(false);
  });
});
