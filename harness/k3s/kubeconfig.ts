/** Kubeconfig from the first server, pointed at the host's 127.0.0.1 port forward (pure; unit-tested). */

/** Rewrites every `server:` URL to https://127.0.0.1:<hostPort> and names the cluster/context. */
export function rewriteKubeconfig(yaml: string, hostPort: number, name = 'n3x'): string {
  if (!/^\s*server:\s*https:\/\/[^\s]+/m.test(yaml)) throw new Error('kubeconfig has no server: https://… entry');
  return yaml
    .replace(/^(\s*server:\s*)https:\/\/[^\s]+/gm, `$1https://127.0.0.1:${hostPort}`)
    .replace(/^(\s*(?:name|cluster|user|current-context):\s*)default\s*$/gm, `$1${name}`);
}
