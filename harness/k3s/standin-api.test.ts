/** The k3s-standin's (NOT k3s) label selectors and query parsing, run locally with bash and jq. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { STANDIN_HEALTH_PORT, STANDIN_JOIN_PORT, STANDIN_NAME, standinExecutable } from '../../scenarios/lib/k3s-standin.js';
import { testScratchDir } from '../testing/scratch.js';

const standin = standinExecutable();
const run = (...args: string[]) => spawnSync('bash', [standin, ...args], { encoding: 'utf8' }).stdout.trim();
const selected = (labels: Record<string, string>, sel: string) => run('__standin-selected', JSON.stringify(labels), sel) === 'true';

describe(`${STANDIN_NAME} label selectors, as the API server reads them`, () => {
  const cp = { 'kubernetes.io/hostname': 'n100-1', 'node-role.kubernetes.io/control-plane': 'true' };
  const agent = { 'kubernetes.io/hostname': 'n100-4' };
  it('equality (= and ==), inequality, existence and absence; every term must hold; empty selects all', () => {
    expect(selected(cp, 'node-role.kubernetes.io/control-plane=true')).toBe(true);
    expect(selected(agent, 'node-role.kubernetes.io/control-plane=true')).toBe(false);
    expect(selected(cp, 'node-role.kubernetes.io/control-plane==true')).toBe(true);
    expect(selected(cp, 'kubernetes.io/hostname!=n100-1')).toBe(false);
    expect(selected(agent, '!node-role.kubernetes.io/control-plane')).toBe(true);
    expect(selected(agent, 'node-role.kubernetes.io/control-plane')).toBe(false);
    expect(selected(cp, '!node-role.kubernetes.io/control-plane')).toBe(false);
    expect(selected(cp, 'node-role.kubernetes.io/control-plane,kubernetes.io/hostname=n100-2')).toBe(false);
    expect(selected(agent, '')).toBe(true);
  });
  it('query parameters are URL-decoded (client-node encodes / and =)', () => {
    expect(run('__standin-query', '/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane%3Dtrue&watch=true', 'labelSelector')).toBe('node-role.kubernetes.io/control-plane=true');
    expect(run('__standin-query', '/api/v1/nodes?watch=true', 'watch')).toBe('true');
    expect(run('__standin-query', '/api/v1/nodes', 'watch')).toBe('');
  });
});

/**
 * The stand-in's API handler run locally: its functions sourced, etcd replaced by a file-backed store (the same
 * put/get calls; a put under the nodes prefix is handed to the cache as the watch would hand it; the real etcd runs
 * in the rehearsal), requests piped in as the socat child gets them.
 */
function api(requests: string, o: { healthy?: boolean } = {}): string {
  const store = testScratchDir('n3x-standin-kv-');
  const run = testScratchDir('n3x-standin-run-');
  const script = `set -u
N3X_STANDIN_RUN=${run}
source <(sed '/^case \${1:-} in/,$d' ${standin})
mkdir -p "$CACHE"
etcd_healthy() { ${o.healthy === false ? 'false' : 'true'}; }
etcd_local() {
  case $1 in
    put) printf '%s' "$3" > "${store}/$(printf '%s' "$2" | base64 -w0 | tr '/' '_')"
      if [[ $2 == "$NODES_PREFIX"* ]]; then printf 'PUT\\n%s\\n%s\\n' "$2" "$3" | cache_events; fi ;;
    get) local k= pre=0 a f key; shift; for a in "$@"; do case $a in --prefix) pre=1 ;; --*) ;; *) k=$a ;; esac; done
      for f in "${store}"/*; do [ -e "$f" ] || continue; key=$(basename "$f" | tr '_' '/' | base64 -d)
        if [ $pre = 1 ]; then [[ $key == "$k"* ]] || continue; else [ "$key" = "$k" ] || continue; fi; cat "$f"; echo; done ;;
    *) return 1 ;;
  esac
}
register n100-1 192.168.1.1 server 2>/dev/null
register n100-4 192.168.1.4 agent 2>/dev/null
req() { printf '%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n' "$1" "$2" "\${3:-}"; }
apply() { printf 'PATCH %s HTTP/1.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' "$1" "$2" \${#3} "$3"; }
${requests}`;
  return spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout;
}
const body = (o: { labels: Record<string, string> }) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rehearsal-a', namespace: 'default', labels: o.labels }, data: { greeting: 'x' } });
const lastJson = (out: string) => JSON.parse(out.trim().split('\r\n\r\n').pop()!);

describe(`${STANDIN_NAME} API handler (etcd replaced by a local store)`, () => {
  it('discovery lists nodes and configmaps; a node list honours the label selector', () => {
    expect(lastJson(api('req GET /api/v1 | serve_api')).resources.map((r: { name: string }) => r.name)).toEqual(['nodes', 'configmaps']);
    const cp = lastJson(api("req GET '/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane%3Dtrue' | serve_api"));
    expect(cp.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['n100-1']);
  });
  it('server-side apply: 201 then 200 with the same uid; wrong content type 415; no fieldManager 422; list by label', () => {
    const path = '/api/v1/namespaces/default/configmaps/rehearsal-a?fieldManager=n3x&force=true';
    const b = body({ labels: { app: 'rehearsal', tier: 'one' } });
    const out = api(`apply '${path}' application/apply-patch+yaml '${b}' | serve_api; echo; echo ===; apply '${path}' application/apply-patch+yaml '${b}' | serve_api; echo; echo ===
      apply '${path}' application/merge-patch+json '${b}' | serve_api; echo; echo ===; apply /api/v1/namespaces/default/configmaps/rehearsal-a application/apply-patch+yaml '${b}' | serve_api; echo; echo ===
      req GET '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Done' | serve_api; echo; echo ===; req GET '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dtwo' | serve_api`).split('\n===\n');
    expect(out.map((o) => o.split('\r\n')[0])).toEqual(['HTTP/1.1 201 Created', 'HTTP/1.1 200 OK', 'HTTP/1.1 415 Unsupported Media Type', 'HTTP/1.1 422 Unprocessable Entity', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(lastJson(out[1]).metadata.uid).toBe(lastJson(out[0]).metadata.uid);
    expect(lastJson(out[0]).metadata.managedFields[0]).toMatchObject({ manager: 'n3x', operation: 'Apply' });
    expect(lastJson(out[4]).items.map((c: { metadata: { name: string } }) => c.metadata.name)).toEqual(['rehearsal-a']);
    expect(lastJson(out[5]).items).toEqual([]);
  });
  it('join port: a path without the token is 401; a heartbeat with it is 200, one with a malformed address 400', () => {
    const hb = (b: string) => `printf 'POST /v1-standin/heartbeat HTTP/1.1\\r\\nAuthorization: Bearer t0k\\r\\nContent-Length: %d\\r\\n\\r\\n%s' ${b.length} '${b}' | serve_join`;
    const out = api(`STATE=$(mktemp -d -p "$N3X_STANDIN_RUN"); printf t0k > "$STATE/token"; req GET /v1-standin/bootstrap | serve_join; echo; echo ===
      ${hb('{"name":"n100-5","ip":"192.168.1.5","role":"agent"}')}; echo; echo ===; ${hb('{"name":"n100-5","ip":"1.2.3.4\\",\\"x","role":"agent"}')}`).split('\n===\n');
    expect(out.map((o) => o.split('\r\n')[0])).toEqual(['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
  });
  it('/readyz is ok while etcd reports healthy and 500 naming etcd when it does not', () => {
    expect(api('req GET /readyz | serve_api').split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const down = api('req GET /readyz | serve_api', { healthy: false });
    expect(down.split('\r\n')[0]).toBe('HTTP/1.1 500 Internal Server Error');
    expect(down).toContain('[-]etcd failed');
  });
  it('a node request reads the registrations cache: with etcd refusing every call it still lists both nodes, Ready', () => {
    const out = api("etcd_local() { echo \"etcd_local $1 called\" >&2; return 1; }; req GET /api/v1/nodes | serve_api");
    expect(lastJson(out).items.map((n: k8s.V1Node) => [n.metadata?.name, n.status?.conditions?.[0].status])).toEqual([['n100-1', 'True'], ['n100-4', 'True']]);
  });
  it('watch: a chunked stream of ADDED events, one JSON object a line, ended by the last chunk', () => {
    const out = api("req GET '/api/v1/nodes?watch=true&timeoutSeconds=1' | serve_api");
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Transfer-Encoding: chunked\r\n\r\n/);
    // walk the chunked body: size line, that many bytes, CRLF; until the zero-size chunk
    let rest = Buffer.from(out.slice(out.indexOf('\r\n\r\n') + 4));
    const chunks: { data: string }[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, eol).toString(), 16);
      if (size === 0) break;
      chunks.push({ data: rest.subarray(eol + 2, eol + 2 + size).toString() });
      expect(rest.subarray(eol + 2 + size, eol + 4 + size).toString()).toBe('\r\n');
      rest = rest.subarray(eol + 4 + size);
    }
    expect(chunks).toHaveLength(2);
    expect(chunks.map((c) => { const e = JSON.parse(c.data); return `${e.type} ${e.object.metadata.name}`; })).toEqual(['ADDED n100-1', 'ADDED n100-4']);
    expect(out.endsWith('0\r\n\r\n')).toBe(true);
  });
});

describe(`${STANDIN_NAME} joining a server to etcd: the output of etcdctl it reads`, () => {
  const sh = (fn: string, input: string, ...args: string[]) => spawnSync('bash', ['-c', `source <(sed '/^case \\\${1:-} in/,$d' ${standin}); ${fn} ${args.map((a) => `'${a}'`).join(' ')}`], { input, encoding: 'utf8' });
  // etcdctl 3.4 `member add --learner` output, and `member list -w simple` before and after the promotion
  const added = 'Member 9a1c3e5f7b2d4e6a added to cluster 5a8b3c1d2e4f6a7b\n\nETCD_NAME="n100-2-51c0d3b2"\nETCD_INITIAL_CLUSTER="n100-1-8e2f4a1c=https://192.168.200.1:2380,n100-2-51c0d3b2=https://192.168.200.2:2380"\nETCD_INITIAL_ADVERTISE_PEER_URLS="https://192.168.200.2:2380"\nETCD_INITIAL_CLUSTER_STATE="existing"\n';
  const learner = '2b5fa2f1b4a2c3d1, started, n100-1-8e2f4a1c, https://192.168.200.1:2380, https://192.168.200.1:2379, false\n9a1c3e5f7b2d4e6a, started, n100-2-51c0d3b2, https://192.168.200.2:2380, https://192.168.200.2:2379, true\n';
  it('the initial cluster from member add; the id and voter state from member list', () => {
    expect(sh('initial_cluster_of', added).stdout.trim()).toBe('n100-1-8e2f4a1c=https://192.168.200.1:2380,n100-2-51c0d3b2=https://192.168.200.2:2380');
    expect(sh('member_id', learner, 'n100-2-51c0d3b2').stdout.trim()).toBe('9a1c3e5f7b2d4e6a');
    expect(sh('is_voter', learner, 'n100-2-51c0d3b2').status).not.toBe(0);
    expect(sh('is_voter', learner.replace(/true\n$/, 'false\n'), 'n100-2-51c0d3b2').status).toBe(0);
  });
});

describe(`${STANDIN_NAME} registrations cache: one etcd watch per server, read by every request`, () => {
  /** Runs bash with the stand-in's functions and a fresh cache directory; returns stdout and the cached files. */
  function cache(script: string, input = ''): { out: string; files: Record<string, string> } {
    const run = testScratchDir('n3x-standin-run-');
    const r = spawnSync('bash', ['-c', `set -u; N3X_STANDIN_RUN=${run}; source <(sed '/^case \${1:-} in/,$d' ${standin}); mkdir -p "$CACHE"; ${script}`], { input, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/command not found|syntax error|unbound variable/);
    const dir = join(run, 'nodes');
    return { out: r.stdout, files: Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])) };
  }
  const reg = (name: string, hb: number) => JSON.stringify({ name, ip: '192.168.1.1', role: 'server', heartbeat: hb, joined: 100 });
  it("reads etcdctl 3.4's watch output (type, key, value a line each; a DELETE's value empty): a file per node, none for other keys", () => {
    // as `etcdctl watch --prefix /n3x-standin/nodes/` printed it (etcd 3.4.23, Debian's)
    const watch = `PUT\n/n3x-standin/nodes/n100-1\n${reg('n100-1', 1)}\nPUT\n/n3x-standin/nodes/n100-2\n${reg('n100-2', 1)}\nPUT\n/n3x-standin/objects/configmaps/default/a\n{}\nPUT\n/n3x-standin/nodes/n100-1\n${reg('n100-1', 2)}\nDELETE\n/n3x-standin/nodes/n100-2\n\n`;
    expect(cache('cache_events', watch).files).toEqual({ 'n100-1': `${reg('n100-1', 2)}\n` });
  });
  it("a snapshot from `etcdctl get -w json` (base64 keys and values) fills the cache, drops a node etcd no longer has and prints the revision to watch from", () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const snap = JSON.stringify({ header: { cluster_id: 3249525912006437, member_id: 3319814642761637, revision: 42, raft_term: 2 }, kvs: [{ key: b64('/n3x-standin/nodes/n100-1'), create_revision: 2, mod_revision: 41, version: 9, value: b64(reg('n100-1', 7)) }], count: 1 });
    const r = cache(`printf '%s\\n' '${reg('gone', 1)}' > "$CACHE/gone"; etcd_local() { [ "$*" = 'get --prefix /n3x-standin/nodes/ -w json' ] && printf '%s' '${snap}'; }; cache_snapshot`);
    expect(r.out).toBe('42');
    expect(r.files).toEqual({ 'n100-1': `${reg('n100-1', 7)}\n` });
  });
  it('register: a fresh heartbeat keeps the join time from the cache; a first one joins now; a bad address or role is refused before etcd', () => {
    const r = cache(`printf '%s\\n' '${reg('n100-1', 1)}' > "$CACHE/n100-1"; exec 3>&1; etcd_local() { echo "$*" >&3; }
      register n100-1 192.168.1.1 server 2>/dev/null; register n100-9 192.168.1.9 agent 2>/dev/null; register n100-9 '1.2.3.4","x' agent 2>/dev/null || echo refused; register n100-9 192.168.1.9 admin 2>/dev/null || echo refused`);
    const puts = r.out.trim().split('\n');
    expect(puts).toHaveLength(4);
    const [first, joined] = puts.slice(0, 2).map((l) => JSON.parse(l.replace(/^put \S+ /, '')));
    expect(first).toMatchObject({ name: 'n100-1', joined: 100 });
    expect(first.heartbeat).toBeGreaterThan(100);
    expect(joined).toMatchObject({ name: 'n100-9', ip: '192.168.1.9', role: 'agent' });
    expect(joined.joined).toBe(joined.heartbeat);
    expect(puts.slice(2)).toEqual(['refused', 'refused']);
  });
});

describe(`${STANDIN_NAME} health port: /ping answered by a few lines of sh (keepalived's probe starts no bash)`, () => {
  const responder = spawnSync('bash', [standin, '__standin-health'], { encoding: 'utf8' }).stdout;
  // what the responder leaves unread is printed after it: nothing, or the client could see a reset instead of the answer
  const ask = (request: string) => spawnSync('sh', ['-c', `${responder}\nprintf '|unread:'; cat`], { input: request, encoding: 'utf8' });
  it('GET /ping is 200 pong after reading the whole request; any other path is 404', () => {
    const ping = ask('GET /ping HTTP/1.1\r\nHost: 127.0.0.1:9346\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n');
    expect(ping.stdout).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\npong|unread:');
    expect(ask('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n').stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[^]*NOT k3s/);
  });
  it('the responder is plain sh: no bash, no jq, no etcdctl, no stand-in script', () => {
    expect(responder).not.toMatch(/bash|jq|etcdctl|__standin|k3s-standin\.sh/);
  });
  const constants = (names: string) => spawnSync('bash', ['-c', `source <(sed '/^case \${1:-} in/,$d' ${standin}); echo ${names}`], { encoding: 'utf8', env: { PATH: process.env.PATH } }).stdout.trim();
  it('the script listens on the ports the rehearsal names: joins on STANDIN_JOIN_PORT, /ping on STANDIN_HEALTH_PORT', () => {
    expect(constants('$JOIN_PORT $HEALTH_PORT')).toBe(`${STANDIN_JOIN_PORT} ${STANDIN_HEALTH_PORT}`);
  });
  it("heartbeats every 10 s (kubelet renews its node lease every 10 s) against k3s's 40 s grace: 4 chances before Unknown", () => {
    expect(constants('$HEARTBEAT_S $GRACE_S')).toBe('10 40');
  });
});
