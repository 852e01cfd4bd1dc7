/** Size caps for recorded text: keep the tail (where errors are), say how much was cut. Pure; unit-tested. */

export interface Capped {
  /** The kept text (the whole text when under the cap). */
  text: string;
  /** Characters cut from the front (0 when whole). */
  omitted: number;
}

/** Text without terminal control sequences (colours, cursor moves, lone escapes) or carriage returns. */
export function cleanTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[@-_]|\r/g, '');
}

/** Keeps the last `max` characters of `s`, starting at a line boundary when one is near. */
export function tailCap(s: string, max: number): Capped {
  if (s.length <= max) return { text: s, omitted: 0 };
  let start = s.length - max;
  const nl = s.indexOf('\n', start);
  if (nl >= 0 && nl - start < 200 && nl + 1 < s.length) start = nl + 1;
  return { text: s.slice(start), omitted: start };
}

/** Keeps the first `max` characters (a command line: its start says what it is). */
export function headCap(s: string, max: number): Capped {
  return s.length <= max ? { text: s, omitted: 0 } : { text: s.slice(0, max), omitted: s.length - max };
}

/** The note shown in place of cut text. */
export function cutNote(c: Capped, what = 'characters', link?: string): string {
  return c.omitted ? `[… ${c.omitted} ${what} cut${link ? `; full text: ${link}` : ''}]` : '';
}
