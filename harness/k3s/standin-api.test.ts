/** The k3s-standin's (NOT k3s) label selectors and query parsing, run locally with bash and jq. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STANDIN_NAME, standinBinary } from '../../scenarios/lib/k3s-standin.js';

const standin = standinBinary().path!;
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
 * put/get/endpoint-health calls; the real etcd runs in the rehearsal), requests piped in as the socat child gets them.
 */
function api(requests: string): string {
  const store = mkdtempSync(join(tmpdir(), 'n3x-standin-kv-'));
  const script = `set -u
source <(sed '/^case \${1:-} in/,$d' ${standin})
etcd_local() {
  case $1 in
    put) printf '%s' "$3" > "${store}/$(printf '%s' "$2" | base64 -w0 | tr '/' '_')" ;;
    get) local k= pre=0 a f key; shift; for a in "$@"; do case $a in --prefix) pre=1 ;; --*) ;; *) k=$a ;; esac; done
      for f in "${store}"/*; do [ -e "$f" ] || continue; key=$(basename "$f" | tr '_' '/' | base64 -d)
        if [ $pre = 1 ]; then [[ $key == "$k"* ]] || continue; else [ "$key" = "$k" ] || continue; fi; cat "$f"; echo; done ;;
    endpoint) return 0 ;;
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
  it('join port: /ping answers pong without credentials (keepalived asks it); any other path without the token is 401', () => {
    const out = api(`mkdir -p "$STATE" 2>/dev/null; STATE=$(mktemp -d); printf t0k > "$STATE/token"; req GET /ping | serve_join; echo; echo ===; req GET /v1-standin/bootstrap | serve_join`).split('\n===\n');
    expect(out.map((o) => o.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 401 Unauthorized']);
    expect(out[0].trim().endsWith('\r\n\r\npong')).toBe(true);
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
