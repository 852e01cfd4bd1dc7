/**
 * Which server the host's API client talks to (pure; unit-tested). Every server forwards its API port to the
 * host; the client stays on the server it uses while that one answers, and otherwise takes the first server,
 * in start order, whose /readyz answered `ok`.
 */

export interface ServerProbe {
  /** Node name. */
  name: string;
  /** HTTP status of /readyz, or undefined when the connection failed (refused, reset, timed out). */
  status?: number;
  body?: string;
  /** Why the probe failed, for the message when no server answers. */
  error?: string;
}

/** True when a probe shows a healthy API. */
export function answers(p: ServerProbe): boolean {
  return p.status === 200 && p.body?.trim() === 'ok';
}

/** The server to use: `current` while it answers, else the first answering one; undefined (with why) when none does. */
export function chooseServer(probes: ServerProbe[], current?: string): { name?: string; why: string } {
  const cur = probes.find((p) => p.name === current);
  if (cur && answers(cur)) return { name: cur.name, why: `${cur.name} still answers` };
  const next = probes.find(answers);
  const state = probes.map((p) => `${p.name}: ${p.status !== undefined ? `HTTP ${p.status} ${(p.body ?? '').trim().slice(0, 60)}` : (p.error ?? 'no answer')}`).join('; ');
  if (!next) return { why: `no server's /readyz answers ok (${state})` };
  return { name: next.name, why: current ? `${current} does not answer; failing over to ${next.name} (${state})` : `${next.name} answers` };
}

/** True for the errors that say "this server is gone" (so the client should probe the others), not "the request was wrong". */
export function connectionLost(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  const msg = String((e as Error)?.message ?? e);
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code ?? '') || /ECONNREFUSED|ECONNRESET|socket hang up|took over \d+ s|other side closed/i.test(msg);
}
