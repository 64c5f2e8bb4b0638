import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findControlCharacter, logText } from '../src/log-text.js'

// The runner reads a command in a line of the step's output (actions/runner's ActionCommand) where
// it starts with `::` after blanks, or holds `##[` anywhere; it splits lines at \n and at \r.
const LINE_BREAK = /[\n\r]/

describe('logText', () => {
  it.each([
    ['sts.amazonaws.com\n::stop-commands::pwn', 'sts.amazonaws.com\\n::stop-commands::pwn'],
    ['a\r::add-mask::x', 'a\\r::add-mask::x'],
    ['a\r\n::error::x', 'a\\r\\n::error::x'],
    ['tab\there', 'tab\\there'],
    ['nul\u0000 esc\u001b[31m del\u007f', 'nul\\u0000 esc\\u001b[31m del\\u007f'],
    ['c1\u0085 \u009b', 'c1\\u0085 \\u009b'],
    ['line\u2028para\u2029', 'line\\u2028para\\u2029'],
    ['x ##[stop-commands]pwn', 'x ##\\[stop-commands]pwn'],
    ['###[add-mask]x ##[##[', '###\\[add-mask]x ##\\[##\\['],
    ['%0A::set-output name=a::b', '%0A::set-output name=a::b'],
    ['::stop-commands::pwn', '\\u003a:stop-commands::pwn'],
    ['  ::add-mask::x', '  \\u003a:add-mask::x'],
    ['\n::error::x', '\\n::error::x'],
    ['::1', '\\u003a:1'],
    [':x ::y', ':x ::y'],
    [
      'plain text: arn:aws:iam::123456789012:role/x [::1] #1 ü 密 🔑',
      'plain text: arn:aws:iam::123456789012:role/x [::1] #1 ü 密 🔑'
    ],
    ['', '']
  ])('writes %j as %j', (value, shown) => {
    expect(logText(value)).toBe(shown)
  })

  it('leaves no line break, control character or `##[` in any string, and changes nothing else', () => {
    const nasty = fc.constantFrom(
      '\n',
      '\r',
      '\r\n',
      '\t',
      '\u0000',
      '\u001b',
      '\u0085',
      '\u2028',
      '##[',
      '::',
      '%0A',
      '#'
    )
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.array(fc.oneof(nasty, fc.string({ maxLength: 3 }))).map(parts => parts.join(''))
    )
    fc.assert(
      fc.property(text, value => {
        const shown = logText(value)
        expect(shown).not.toMatch(LINE_BREAK)
        expect(findControlCharacter(shown)).toBeUndefined()
        expect(shown).not.toContain('##[')
        // Even at the start of a line, no command: the runner trims blanks before looking for `::`.
        expect(shown).not.toMatch(/^\s*::/)
        // Idempotent: escaping twice shows the same text.
        expect(logText(shown)).toBe(shown)
        // A value with nothing to escape is shown as it is.
        if (findControlCharacter(value) === undefined && !value.includes('##[') && !/^\s*::/.test(value)) {
          expect(shown).toBe(value)
        }
      }),
      { seed: 0x10c7e47, numRuns: 2000 }
    )
  })
})

describe('findControlCharacter', () => {
  it.each([
    ['sts.amazonaws.com\n::x', { index: 17, written: '\\n' }],
    ['\rx', { index: 0, written: '\\r' }],
    ['a\tb\nc', { index: 1, written: '\\t' }],
    ['\u001f', { index: 0, written: '\\u001f' }],
    ['\u007f', { index: 0, written: '\\u007f' }],
    ['\u0080', { index: 0, written: '\\u0080' }],
    ['\u009f', { index: 0, written: '\\u009f' }],
    ['x\u2029', { index: 1, written: '\\u2029' }]
  ])('finds the first control character of %j', (value, found) => {
    expect(findControlCharacter(value)).toEqual(found)
  })

  it.each(['', ' ', 'sts.amazonaws.com', '~', '\u00a0', '\u00ff', '\u2027', '\u202a', 'ü 密 🔑', '##[x]'])(
    'finds none in %j',
    value => {
      expect(findControlCharacter(value)).toBeUndefined()
    }
  )
})
