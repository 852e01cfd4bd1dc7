/** Minimal leveled logger: N3X_LOG=debug|info|warn|quiet (default info). Writes to stderr. */
const levels = { debug: 10, info: 20, warn: 30, quiet: 100 } as const;
type Level = keyof typeof levels;

function threshold(): number {
  const v = (process.env.N3X_LOG ?? 'info') as Level;
  return levels[v] ?? levels.info;
}

function emit(level: Level, scope: string, msg: string): void {
  if (levels[level] < threshold()) return;
  const t = new Date().toISOString().slice(11, 23);
  process.stderr.write(`${t} n3x ${scope ? `${scope}: ` : ''}${msg}\n`);
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  child(scope: string): Logger;
}

export function logger(scope = ''): Logger {
  return {
    debug: (m) => emit('debug', scope, m),
    info: (m) => emit('info', scope, m),
    warn: (m) => emit('warn', scope, m),
    child: (s) => logger(scope ? `${scope}/${s}` : s),
  };
}

export const log = logger();
