/**
 * k3s on a mixed-architecture cluster: two x86_64 servers, one x86_64 agent and an emulated aarch64 Jetson agent
 * (the arm64 k3s binary and airgap images on its own layer). Needs N3X_K3S_BINARY_ARM64 and
 * N3X_K3S_AIRGAP_IMAGES_ARM64 (or `npx n3x images fetch-k3s --arch arm64 --airgap`) next to the amd64 ones;
 * without them it is reported skipped with that fix in its title.
 */
import { expect, it } from 'vitest';
import { budgetFor, describeK3s, k3s, k3sArm64, mixedArchK3sStatus, useK3s } from './lib/k3s.js';

const budget = budgetFor('mixed-arch-k3s', { servers: 2, aarch64Agents: 1 });
const b = budget;

describeK3s('mixed-arch-k3s: 3 x86_64 + 1 aarch64 agent on vlans', () => {
  const h = useK3s('vlans', { aarch64Agents: 1, budget });

  it('every node registers and becomes Ready; the Jetson reports arm64', async ({ signal }) => {
    const nodes = await h.k3s.waitNodesReady({ timeout: b.wait('ready', 'nodesReady'), signal });
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(['jetson-1', 'n100-1', 'n100-2', 'n100-3']);
    const jetson = nodes.find((n) => n.metadata?.name === 'jetson-1')!;
    expect(jetson.metadata?.labels?.['kubernetes.io/arch']).toBe('arm64');
    expect(jetson.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(h.cluster.address('jetson-1'));
  }, b.vitestTimeout('ready'));

  it('a pod pinned to arm64 runs on the Jetson', async () => {
    await h.k3s.kubectl(`run arch-probe --image=rancher/mirrored-pause:3.6 --restart=Never --overrides='{"spec":{"nodeSelector":{"kubernetes.io/arch":"arm64"}}}'`, { timeout: b.wait('arm64Pod', 'exec') });
    await h.k3s.apiServer.waitUntilSucceeds(`test "$(k3s kubectl get pod arch-probe -o jsonpath='{.status.phase} {.spec.nodeName}')" = "Running jetson-1"`, { timeout: b.wait('arm64Pod', 'running') });
  }, b.vitestTimeout('arm64Pod'));
}, { status: mixedArchK3sStatus(k3s, k3sArm64) });
