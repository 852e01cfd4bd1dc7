import { describe, expect, it } from 'vitest';
import { k3sEtcdctl, notYetVoter, parseMemberList } from './etcd-members.js';

// `etcdctl member list -w simple` (etcd 3.4/3.5) on a k3s server: members named <node>-<8 hex>, https peer URLs.
const formed = `2b5fa2f1b4a2c3d1, started, n100-1-8e2f4a1c, https://192.168.200.1:2380, https://192.168.200.1:2379, false
9a1c3e5f7b2d4e6a, started, n100-2-51c0d3b2, https://192.168.200.2:2380, https://192.168.200.2:2379, false
`;
const learner = `2b5fa2f1b4a2c3d1, started, n100-1-8e2f4a1c, https://192.168.200.1:2380, https://192.168.200.1:2379, false
9a1c3e5f7b2d4e6a, started, n100-2-51c0d3b2, https://192.168.200.2:2380, https://192.168.200.2:2379, true
`;
const unstarted = `2b5fa2f1b4a2c3d1, started, n100-1-8e2f4a1c, https://192.168.200.1:2380, https://192.168.200.1:2379, false
9a1c3e5f7b2d4e6a, unstarted, , https://192.168.200.2:2380, , true
`;

describe('the etcd voter check reads etcdctl member list', () => {
  it('parses members, keeping the uint64 id as hex text', () => {
    const m = parseMemberList(formed);
    expect(m).toHaveLength(2);
    expect(m[1]).toEqual({ id: '9a1c3e5f7b2d4e6a', started: true, name: 'n100-2-51c0d3b2', peerUrls: ['https://192.168.200.2:2380'], clientUrls: ['https://192.168.200.2:2379'], isLearner: false });
    expect(parseMemberList(unstarted)[1]).toMatchObject({ started: false, name: '', clientUrls: [], isLearner: true });
  });
  it('a voter only when started and not a learner', () => {
    expect(notYetVoter(parseMemberList(formed), '192.168.200.2')).toBeUndefined();
    expect(notYetVoter(parseMemberList(learner), '192.168.200.2')).toMatch(/still a learner/);
    expect(notYetVoter(parseMemberList(unstarted), '192.168.200.2')).toMatch(/not started/);
    expect(notYetVoter(parseMemberList(formed), '192.168.200.3')).toMatch(/no etcd member at 192.168.200.3/);
  });
  it('refuses anything but a member list line (a table, an error)', () => {
    expect(() => parseMemberList('+------------------+---------+\n')).toThrow(/not an etcdctl member list line/);
    expect(() => parseMemberList('Error: context deadline exceeded')).toThrow();
  });
  it("talks to 127.0.0.1:2379 with k3s's etcd client certificate", () => {
    expect(k3sEtcdctl('member list -w simple')).toBe('ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt --cert=/var/lib/rancher/k3s/server/tls/etcd/client.crt --key=/var/lib/rancher/k3s/server/tls/etcd/client.key --command-timeout=10s member list -w simple');
  });
});
