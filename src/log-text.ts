// The one way a value the step did not write itself (an input, a variable, an answer from GitHub,
// AWS, docker or podman) goes into a log line or an error message. The runner reads every line
// of the step's output as a possible command: one that starts with `::` (after blanks), and one
// that holds `##[` anywhere (its older syntax). @actions/core escapes line breaks inside commands
// (warning, error, debug) but core.info writes text as it is. So a value is printed on one line,
// with every control character written out, `##[` broken and a leading `::` too: it can neither
// start a line nor hold a command. Imports nothing.

// C0 and C1 controls, DEL, and Unicode's line and paragraph separators. The runner splits lines at
// \r as well as \n. Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** The first control character in `text` and where it is, or undefined when there is none. */
export function findControlCharacter(text: string): { index: number; written: string } | undefined {
  const found = CONTROL.exec(text)
  return found ? { index: found.index, written: escapeCharacter(found[0]) } : undefined
}

function escapeCharacter(character: string): string {
  return NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/**
 * `value` made safe to print anywhere in a line: one line, no control characters, no `##[`, and
 * not starting with `::` (after blanks), for a message may start with it.
 */
export function logText(value: string): string {
  return value
    .replace(new RegExp(CONTROL.source, 'g'), escapeCharacter)
    .replaceAll('##[', '##\\[')
    .replace(/^(\s*)::/, '$1\\u003a:')
}
