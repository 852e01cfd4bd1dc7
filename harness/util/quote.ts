/** Quotes a string as one POSIX shell word (single quotes; embedded ones closed, escaped and reopened). */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
