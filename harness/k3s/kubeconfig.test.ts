import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteKubeconfig } from './kubeconfig.js';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl. */
function makePki(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=k3s-server-ca@test');
  ossl('req', '-x509', ...ec, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-keyout', 'srv.key', '-out', 'srv.crt', '-subj', '/CN=k3s',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'extendedKeyUsage=serverAuth');
  ossl('req', '-x509', ...ec, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-keyout', 'cli.key', '-out', 'cli.crt', '-subj', '/O=system:masters/CN=system:admin',
    '-addext', 'extendedKeyUsage=clientAuth');
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: r('ca.crt'), serverCert: r('srv.crt'), serverKey: r('srv.key'), clientCert: r('cli.crt'), clientKey: r('cli.key') };
}

/** A kubeconfig in k3s's exact layout: cluster, context and user all named `default`, `*-data` fields. */
function k3sYaml(pki: ReturnType<typeof makePki>): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(pki.ca)}
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: ${b64(pki.clientCert)}
    client-key-data: ${b64(pki.clientKey)}
`;
}

describe('rewriteKubeconfig: k3s layout → client-node with client-certificate TLS on 127.0.0.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3x-kubeconfig-'));
  let pki: ReturnType<typeof makePki>;
  let server: https.Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    pki = makePki(dir);
    // Like the apiserver: only clients with a certificate signed by the cluster CA get an answer.
    server = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      seen.push(`${req.method} ${req.url} as ${peer.subject?.CN}`);
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/api/v1/nodes')) {
        res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'n100-1' } }] }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the rewritten kubeconfig keeps the user, points at the forward, and lists nodes with the client certificate', async () => {
    const kc = rewriteKubeconfig(k3sYaml(pki), port, 'n3x-ab12');
    expect(kc.getCurrentContext()).toBe('n3x-ab12');
    expect(kc.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${port}`);
    expect(kc.getCurrentUser()?.certData).toBeTruthy();
    const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['n100-1']);
    expect(seen.at(-1)).toBe('GET /api/v1/nodes as system:admin');
  });

  it('the server really requires the certificate: the same config without its user is refused', async () => {
    const kc = rewriteKubeconfig(k3sYaml(pki), port);
    const anon = new k8s.KubeConfig();
    anon.loadFromOptions({ clusters: kc.clusters, users: [{ name: 'anon' }], contexts: [{ name: 'x', cluster: kc.clusters[0].name, user: 'anon' }], currentContext: 'x' });
    await expect(anon.makeApiClient(k8s.CoreV1Api).listNode()).rejects.toThrow();
  });

  it('a context that names a missing user, or a file without a server, is an error, not a silent anonymous client', () => {
    const broken = k3sYaml(pki).replace('- name: default\n  user:', '- name: other\n  user:');
    expect(() => rewriteKubeconfig(broken, port)).toThrow(/user 'default'.*does not define/);
    expect(() => rewriteKubeconfig('apiVersion: v1\nkind: Config\n', 1)).toThrow(/current context/);
  });
});
