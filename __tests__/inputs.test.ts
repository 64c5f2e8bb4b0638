import type * as ActionsCore from '@actions/core'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from './fixtures/core.js'
import { InputError } from '../src/errors.js'
import { logText } from '../src/log-text.js'
import { defaultSessionName, INPUT_NAMES, type InputName, readInputs } from '../src/inputs.js'

vi.mock('@actions/core', () => import('./fixtures/core.js'))

type Given = Partial<Record<InputName, string>>
type Env = Record<string, string | undefined>

const ROLE = 'arn:aws:iam::123456789012:role/github-ci'
const A = '123456789012'

function read(inputs: Given, env: Env = {}) {
  return readInputs(name => inputs[name] ?? '', env)
}

function errorOf(inputs: Given, env: Env = {}): InputError {
  try {
    read(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('readInputs accepted the inputs')
}

beforeEach(() => core.resetCore())

describe('readInputs: defaults', () => {
  it('uses ambient credentials, the default registry, masking, logout, 5 attempts and 120 s', () => {
    expect(read({ 'aws-region': 'eu-west-1' })).toEqual({
      webIdentity: undefined,
      region: 'eu-west-1',
      registries: [{ kind: 'private', region: 'eu-west-1', partition: 'aws', fips: false, dualStack: false }],
      maskPassword: true,
      logout: true,
      proxy: { noProxy: undefined },
      retryMaxAttempts: 5,
      timeoutSeconds: 120,
      dockerConfig: 'default',
      credentialHelper: false
    })
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('reads the inputs through core.getInput when no reader is given', () => {
    vi.stubEnv('INPUT_AWS-REGION', 'ap-south-1')
    vi.stubEnv('INPUT_REGISTRIES', A)
    vi.stubEnv('INPUT_TIMEOUT-SECONDS', '30')
    const inputs = readInputs()
    expect(inputs.region).toBe('ap-south-1')
    expect(inputs.registries.map(registry => registry.host)).toEqual([`${A}.dkr.ecr.ap-south-1.amazonaws.com`])
    expect(inputs.timeoutSeconds).toBe(30)
    expect(core.getInput).toHaveBeenCalledWith('aws-region')
  })

  it('takes the proxy from http-proxy, which wins over the environment', () => {
    expect(read({ 'aws-region': 'eu-west-1', 'http-proxy': 'http://proxy:3128' }).proxy).toEqual({
      url: 'http://proxy:3128',
      source: 'http-proxy',
      noProxy: undefined
    })
  })
})

describe('readInputs: booleans, as core.getBooleanInput reads them', () => {
  // The real @actions/core (this file mocks it): our reader must accept and refuse exactly what it does.
  it.each(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yes', 'no', 'on', '1', '0', 'tRUE', 'y', ' true '])(
    '%j: the same answer as core.getBooleanInput',
    async value => {
      const actual = await vi.importActual<typeof ActionsCore>('@actions/core')
      vi.stubEnv('INPUT_LOGOUT', value)
      let expected: boolean | 'refused'
      try {
        expected = actual.getBooleanInput('logout')
      } catch {
        expected = 'refused'
      }
      vi.unstubAllEnvs()
      let ours: boolean | 'refused'
      try {
        ours = read({ 'aws-region': 'eu-west-1', logout: value.trim() }).logout
      } catch (error) {
        expect((error as Error).message).toBe(`logout: '${value.trim()}' is not a boolean. Use true or false.`)
        ours = 'refused'
      }
      expect(ours).toBe(expected)
    }
  )
})

describe('readInputs: booleans', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('takes %s as %s', (value, expected) => {
    expect(read({ 'aws-region': 'eu-west-1', 'mask-password': value }).maskPassword).toBe(expected)
    expect(read({ 'aws-region': 'eu-west-1', logout: value }).logout).toBe(expected)
    expect(read({ 'aws-region': 'eu-west-1', 'skip-logout': value }).logout).toBe(!expected)
  })

  it.each([
    ['', '', true],
    ['true', '', true],
    ['false', '', false],
    ['', 'true', false],
    ['true', 'true', false],
    ['false', 'true', false],
    ['true', 'false', true],
    ['false', 'false', false]
  ])('logs out in the post step for logout=%j, skip-logout=%j: %s', (logout, skipLogout, expected) => {
    expect(read({ 'aws-region': 'eu-west-1', logout, 'skip-logout': skipLogout }).logout).toBe(expected)
  })
})

describe('readInputs: credential-helper', () => {
  it('is off by default, and on with true', () => {
    expect(read({ 'aws-region': 'eu-west-1' }).credentialHelper).toBe(false)
    expect(read({ 'aws-region': 'eu-west-1', 'credential-helper': 'true' }).credentialHelper).toBe(true)
    expect(errorOf({ 'aws-region': 'eu-west-1', 'credential-helper': 'yes' }).message).toBe(
      "credential-helper: 'yes' is not a boolean. Use true or false."
    )
  })

  it.each([
    [{ 'mask-password': 'false' }, false],
    [{ logout: 'false' }, true],
    [{ 'skip-logout': 'true' }, true]
  ])('with %j: masks the password, and warns that the login ends with the job anyway', (given, warns) => {
    expect(read({ 'aws-region': 'eu-west-1', 'credential-helper': 'true', ...given }).maskPassword).toBe(true)
    if (warns) {
      expect(core.warning).toHaveBeenCalledExactlyOnceWith(
        'credential-helper is true: the login ends with the job whatever logout and skip-logout say.'
      )
    } else {
      expect(core.warning).not.toHaveBeenCalled()
    }
  })
})

describe('readInputs: integers', () => {
  it.each([
    ['role-duration-seconds', '900', 900],
    ['role-duration-seconds', '3600', 3600],
    ['role-duration-seconds', '43200', 43200],
    ['retry-max-attempts', '1', 1],
    ['retry-max-attempts', '20', 20],
    ['timeout-seconds', '1', 1],
    ['timeout-seconds', '3600', 3600]
  ] as const)('accepts %s %s', (name, value, expected) => {
    const inputs = read({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE, [name]: value })
    const actual = {
      'role-duration-seconds': inputs.webIdentity?.durationSeconds,
      'retry-max-attempts': inputs.retryMaxAttempts,
      'timeout-seconds': inputs.timeoutSeconds
    }[name]
    expect(actual).toBe(expected)
  })

  it('defaults role-duration-seconds to 900', () => {
    expect(read({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE }).webIdentity?.durationSeconds).toBe(900)
  })
})

describe('readInputs: every bad input is named with the accepted form', () => {
  it.each([
    [{ 'mask-password': 'yes' }, "mask-password: 'yes' is not a boolean. Use true or false."],
    [{ logout: 'no' }, "logout: 'no' is not a boolean. Use true or false."],
    [{ 'skip-logout': '1' }, "skip-logout: '1' is not a boolean. Use true or false."],
    [{ 'skip-logout': 'tRUE' }, "skip-logout: 'tRUE' is not a boolean. Use true or false."],
    [
      { 'role-to-assume': ROLE, 'role-duration-seconds': '899' },
      "role-duration-seconds: '899' is not a whole number from 900 to 43200."
    ],
    [
      { 'role-to-assume': ROLE, 'role-duration-seconds': '43201' },
      "role-duration-seconds: '43201' is not a whole number from 900 to 43200."
    ],
    [
      { 'role-to-assume': ROLE, 'role-duration-seconds': '1h' },
      "role-duration-seconds: '1h' is not a whole number from 900 to 43200."
    ],
    [
      { 'role-to-assume': ROLE, 'role-duration-seconds': '-900' },
      "role-duration-seconds: '-900' is not a whole number from 900 to 43200."
    ],
    [
      { 'role-to-assume': ROLE, 'role-duration-seconds': '900.5' },
      "role-duration-seconds: '900.5' is not a whole number from 900 to 43200."
    ],
    [{ 'retry-max-attempts': '0' }, "retry-max-attempts: '0' is not a whole number from 1 to 20."],
    [{ 'retry-max-attempts': '21' }, "retry-max-attempts: '21' is not a whole number from 1 to 20."],
    [{ 'retry-max-attempts': 'five' }, "retry-max-attempts: 'five' is not a whole number from 1 to 20."],
    [{ 'timeout-seconds': '0' }, "timeout-seconds: '0' is not a whole number from 1 to 3600."],
    [{ 'timeout-seconds': '3601' }, "timeout-seconds: '3601' is not a whole number from 1 to 3600."],
    [{ 'timeout-seconds': '1e3' }, "timeout-seconds: '1e3' is not a whole number from 1 to 3600."],
    [{ 'registry-type': 'both' }, "registry-type: 'both' is not a registry type. Use private or public."],
    [
      { registries: 'docker.io' },
      "registries: 'docker.io' is not an ECR registry. Each entry must be a 12-digit AWS account ID " +
        '(e.g. 123456789012), an ECR registry host (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com), ' +
        'or public.ecr.aws.'
    ]
  ] as [Given, string][])('refuses %j', (given, message) => {
    expect(errorOf({ 'aws-region': 'eu-west-1', ...given }).message).toBe(message)
  })

  it.each([
    'arn:aws:iam::12345678901:role/ci',
    'arn:aws:iam::123456789012:user/ci',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:sts::123456789012:assumed-role/ci/session',
    'arn:aws:iam:us-east-1:123456789012:role/ci',
    'arn:azure:iam::123456789012:role/ci',
    'github-ci',
    '123456789012',
    'arn:aws:iam::123456789012:role/has space',
    'my-arn:aws:iam::123456789012:role/ci'
  ])('refuses role-to-assume %s and shows the ARN forms', roleArn => {
    expect(errorOf({ 'aws-region': 'eu-west-1', 'role-to-assume': roleArn }).message).toBe(
      `role-to-assume: '${roleArn}' is not an IAM role ARN. Use arn:aws:iam::<12-digit account>:role/<name> ` +
        `(arn:aws-us-gov:… or arn:aws-cn:… in those partitions).`
    )
  })

  it.each(['a', 'x'.repeat(65), 'has space', 'slash/name', 'colon:name', 'ünïcode'])(
    'refuses role-session-name %j and shows the allowed characters',
    sessionName => {
      expect(
        errorOf({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE, 'role-session-name': sessionName }).message
      ).toBe(
        `role-session-name: '${sessionName}' is not a valid session name. Use 2 to 64 characters of ` +
          `letters, digits and + = , . @ _ -.`
      )
    }
  )

  it.each([
    [{ 'aws-region': 'eu-west' }, {}, "aws-region: 'eu-west' is not an AWS region."],
    [{ 'aws-region': 'EU-WEST-1' }, {}, "aws-region: 'EU-WEST-1' is not an AWS region."],
    [{ 'aws-region': 'mars-east-1' }, {}, "aws-region: 'mars-east-1' is not an AWS region."],
    [{}, { AWS_REGION: 'Ireland' }, "aws-region (taken from AWS_REGION): 'Ireland' is not an AWS region."],
    [
      {},
      { AWS_DEFAULT_REGION: 'eu-west-1a' },
      "aws-region (taken from AWS_DEFAULT_REGION): 'eu-west-1a' is not an AWS region."
    ]
  ] as [Given, Env, string][])('refuses the region of %j %j and says where it came from', (given, env, start) => {
    expect(errorOf(given, env).message).toBe(`${start} Use a region code such as eu-west-1.`)
  })

  it('asks for a region for an account ID, naming registries and aws-region', () => {
    const { message } = errorOf({ registries: `${A}.dkr.ecr.eu-west-1.amazonaws.com, 210987654321` })
    expect(message).toMatch(/^registries: '210987654321' is an account ID/)
    expect(message).toContain("Set 'aws-region'")
  })

  it('asks for a region for the default registry', () => {
    expect(errorOf({}).message).toMatch(/^aws-region: no region given\. Set the 'aws-region' input/)
  })

  it('reports the first bad input in reading order', () => {
    const { message } = errorOf({ 'role-to-assume': 'nope', 'aws-region': 'nowhere', 'mask-password': 'maybe' })
    expect(message).toMatch(/^role-to-assume:/)
  })
})

describe('readInputs: role-to-assume', () => {
  it.each([
    'arn:aws:iam::123456789012:role/github-ci',
    'arn:aws-us-gov:iam::123456789012:role/github-ci',
    'arn:aws-cn:iam::123456789012:role/github-ci',
    'arn:aws:iam::123456789012:role/service-role/github/ci',
    'arn:aws:iam::123456789012:role/CI+Deploy=1,main.x@octo_org-app'
  ])('accepts %s', roleArn => {
    expect(read({ 'aws-region': 'eu-west-1', 'role-to-assume': roleArn }).webIdentity?.roleArn).toBe(roleArn)
  })

  it('assumes the role with audience sts.amazonaws.com, a session name from the run and 900 s by default', () => {
    const env = { GITHUB_REPOSITORY: 'octo-org/app', GITHUB_RUN_ID: '1234567890', GITHUB_RUN_ATTEMPT: '2' }
    expect(read({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE }, env).webIdentity).toEqual({
      roleArn: ROLE,
      audience: 'sts.amazonaws.com',
      sessionName: 'gha-octo-org.app-1234567890-2',
      durationSeconds: 900
    })
  })

  it('takes the audience, session name and duration given', () => {
    const inputs = read({
      'aws-region': 'eu-west-1',
      'role-to-assume': ROLE,
      audience: 'https://github.com/octo-org',
      'role-session-name': 'deploy@octo-org',
      'role-duration-seconds': '1800'
    })
    expect(inputs.webIdentity).toEqual({
      roleArn: ROLE,
      audience: 'https://github.com/octo-org',
      sessionName: 'deploy@octo-org',
      durationSeconds: 1800
    })
  })

  it('ignores the OIDC inputs when role-to-assume is empty', () => {
    expect(read({ 'aws-region': 'eu-west-1', 'role-session-name': 'x', audience: 'y' }).webIdentity).toBeUndefined()
  })
})

describe('defaultSessionName', () => {
  const VALID = /^[\w+=,.@-]{2,64}$/

  it.each([
    [
      { GITHUB_REPOSITORY: 'octo-org/app', GITHUB_RUN_ID: '1234567890', GITHUB_RUN_ATTEMPT: '1' },
      'gha-octo-org.app-1234567890-1'
    ],
    [{ GITHUB_REPOSITORY: 'octo-org/app', GITHUB_RUN_ID: '1234567890' }, 'gha-octo-org.app-1234567890'],
    [{ GITHUB_REPOSITORY: 'octo-org/app' }, 'gha-octo-org.app'],
    [{ GITHUB_REPOSITORY: 'octo/my app!', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1' }, 'gha-octo.my-app-7-1'],
    [{ GITHUB_REPOSITORY: 'octo/ap p', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1' }, 'gha-octo.ap-p-7-1'],
    [{ GITHUB_RUN_ID: '1234567890', GITHUB_RUN_ATTEMPT: '1' }, 'gha-ecr-login'],
    [{}, 'gha-ecr-login'],
    [{ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9'.repeat(70), GITHUB_RUN_ATTEMPT: '1' }, 'gha-ecr-login']
  ])('names the session for %j %s', (env, name) => {
    expect(defaultSessionName(env)).toBe(name)
    expect(name).toMatch(VALID)
  })

  it('keeps the run ID and attempt of a very long repository name and stays within 64 characters', () => {
    const name = defaultSessionName({
      GITHUB_REPOSITORY: `${'o'.repeat(39)}/${'r'.repeat(100)}`,
      GITHUB_RUN_ID: '12345678901',
      GITHUB_RUN_ATTEMPT: '3'
    })
    expect(name).toHaveLength(64)
    expect(name).toMatch(VALID)
    expect(name).toMatch(/^gha-o+\.r+-12345678901-3$/)
  })

  it('is always 2-64 valid characters, whatever the repository name length', () => {
    for (let length = 1; length <= 140; length++) {
      const repo = `octo-org/${'a.b-c_d'.repeat(20).slice(0, length)}`
      for (const env of [
        { GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: '9876543210', GITHUB_RUN_ATTEMPT: '12' },
        { GITHUB_REPOSITORY: repo }
      ]) {
        expect(defaultSessionName(env), repo).toMatch(VALID)
      }
    }
  })

  it('does not leave a dot or dash where the repository name was cut', () => {
    // 64 characters leave 51 for `gha-octo.<repo>` before `-1234567890-1`: the cut falls after `.-`.
    const name = defaultSessionName({
      GITHUB_REPOSITORY: `octo/${'a'.repeat(40)}.-more`,
      GITHUB_RUN_ID: '1234567890',
      GITHUB_RUN_ATTEMPT: '1'
    })
    expect(name).toBe(`gha-octo.${'a'.repeat(40)}-1234567890-1`)
  })

  it('is what readInputs uses when role-session-name is empty', () => {
    const env = { GITHUB_REPOSITORY: 'octo-org/app', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1' }
    expect(read({ 'aws-region': 'eu-west-1', 'role-to-assume': ROLE }, env).webIdentity?.sessionName).toBe(
      defaultSessionName(env)
    )
  })
})

describe('readInputs: region', () => {
  it.each([
    ['eu-west-1', 'us-east-1', 'ap-south-1', 'eu-west-1'],
    ['', 'us-east-1', 'ap-south-1', 'us-east-1'],
    ['', undefined, 'ap-south-1', 'ap-south-1'],
    ['', '  ', 'ap-south-1', 'ap-south-1'],
    ['', ' us-gov-west-1 ', undefined, 'us-gov-west-1'],
    ['', undefined, ' ap-south-1\n', 'ap-south-1'],
    ['cn-north-1', undefined, undefined, 'cn-north-1']
  ])('takes aws-region=%j, AWS_REGION=%j, AWS_DEFAULT_REGION=%j as %s', (input, awsRegion, defaultRegion, region) => {
    expect(read({ 'aws-region': input }, { AWS_REGION: awsRegion, AWS_DEFAULT_REGION: defaultRegion }).region).toBe(
      region
    )
  })

  it('does not check the environment regions when aws-region is set', () => {
    expect(read({ 'aws-region': 'eu-west-1' }, { AWS_REGION: 'garbage' }).region).toBe('eu-west-1')
  })

  it('needs no region when every registry is a full host', () => {
    const inputs = read({ registries: `${A}.dkr.ecr.eu-west-1.amazonaws.com\npublic.ecr.aws` })
    expect(inputs.region).toBeUndefined()
    expect(inputs.registries.map(registry => registry.host)).toEqual([
      `${A}.dkr.ecr.eu-west-1.amazonaws.com`,
      'public.ecr.aws'
    ])
  })

  it('places account IDs in the region from AWS_REGION', () => {
    const inputs = read({ registries: `${A}, 210987654321` }, { AWS_REGION: 'us-gov-west-1' })
    expect(inputs.registries.map(registry => registry.host)).toEqual([
      `${A}.dkr.ecr.us-gov-west-1.amazonaws.com`,
      '210987654321.dkr.ecr.us-gov-west-1.amazonaws.com'
    ])
  })
})

describe('readInputs: registry-type', () => {
  it('logs in to public.ecr.aws for registry-type public, without a region', () => {
    const inputs = read({ 'registry-type': 'public' })
    expect(inputs.registries).toEqual([
      { kind: 'public', region: 'us-east-1', partition: 'aws', host: 'public.ecr.aws' }
    ])
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('accepts registry-type in any case', () => {
    expect(read({ 'registry-type': 'PUBLIC' }).registries[0].host).toBe('public.ecr.aws')
    expect(read({ 'registry-type': 'Private', 'aws-region': 'eu-west-1' }).registries[0].kind).toBe('private')
  })

  it.each(['PUBLICK', 'Private-ECR', 'BOTH'])('quotes a bad registry-type %s as written, not lower-cased', written => {
    expect(errorOf({ 'aws-region': 'eu-west-1', 'registry-type': written }).message).toBe(
      `registry-type: '${written}' is not a registry type. Use private or public.`
    )
  })

  it('ignores registries with a warning when registry-type is public', () => {
    const inputs = read({ 'registry-type': 'public', registries: `${A}.dkr.ecr.eu-west-1.amazonaws.com` })
    expect(inputs.registries.map(registry => registry.host)).toEqual(['public.ecr.aws'])
    expect(core.warning).toHaveBeenCalledExactlyOnceWith(
      'registries is ignored when registry-type is public (as in amazon-ecr-login): logging in to public.ecr.aws.'
    )
  })
})

describe('readInputs: docker-config', () => {
  it.each([
    ['', 'default'],
    ['default', 'default'],
    ['job', 'job'],
    ['JOB', 'job']
  ])('reads docker-config %j as %s', (written, mode) => {
    expect(read({ 'aws-region': 'eu-west-1', 'docker-config': written }).dockerConfig).toBe(mode)
  })

  it.each(['private', 'jobs', '/home/runner/.docker'])('names the accepted modes for docker-config %s', written => {
    expect(errorOf({ 'aws-region': 'eu-west-1', 'docker-config': written }).message).toBe(
      `docker-config: '${written}' is not a docker config mode. Use default (DOCKER_CONFIG or ~/.docker) or ` +
        `job (a private copy for this job, removed at its end).`
    )
  })
})

describe('readInputs: control characters', () => {
  const INJECTION = '\n::stop-commands::pwn'

  it('refuses the audience of the issue, naming the input and the character, without quoting the value', () => {
    const { message } = errorOf({
      'aws-region': 'eu-west-1',
      'role-to-assume': ROLE,
      audience: 'sts.amazonaws.com\n::stop-commands::pwn'
    })
    expect(message).toBe(
      'audience: the value holds a control character (\\n at character 18). Give it on one line, without ' +
        'control characters: check the expression or variable that sets it.'
    )
  })

  // Every input, whether or not the inputs given use it (audience without role-to-assume, too).
  it.each(INPUT_NAMES.filter(name => name !== 'registries'))('refuses a line break in %s', name => {
    for (const character of ['\n', '\r', '\u2028']) {
      const { message } = errorOf({ 'aws-region': 'eu-west-1', [name]: `x${character}::add-mask::y` })
      expect(message).toMatch(
        new RegExp(`^${name}: the value holds a control character \\(\\\\(n|r|u2028) at character 2\\)`)
      )
      expect(message).not.toContain('add-mask')
    }
  })

  it.each(['\t', '\u0000', '\u001b', '\u007f', '\u0085', '\u009f'].map(character => [logText(character), character]))(
    'refuses %s inside a one-line input',
    (written, character) => {
      expect(errorOf({ 'aws-region': `eu-west-1${character}` }).message).toBe(
        `aws-region: the value holds a control character (${written} at character 10). Give it on one line, ` +
          'without control characters: check the expression or variable that sets it.'
      )
    }
  )

  it('takes registries one per line (\\n or \\r\\n, tabs as padding), and refuses other control characters there', () => {
    const EU = `${A}.dkr.ecr.eu-west-1.amazonaws.com`
    const US = `${A}.dkr.ecr.us-east-1.amazonaws.com`
    expect(read({ registries: `${EU}\r\n\t${US}\n` }).registries.map(registry => registry.host)).toEqual([EU, US])
    const { message } = errorOf({ registries: `${EU}\n${US}\u001b[2K` })
    expect(message).toBe(
      'registries: the value holds a control character (\\u001b at character 90). Give it on one line per ' +
        'entry, without control characters: check the expression or variable that sets it.'
    )
  })

  it('masks a proxy password before refusing the http-proxy input that holds it', () => {
    const { message } = errorOf({
      'aws-region': 'eu-west-1',
      'http-proxy': `http://ci:pr0xy-pw@proxy:3128${INJECTION}`
    })
    expect(message).toMatch(/^http-proxy: the value holds a control character \(\\n at character 30\)/)
    expect(core.secrets()).toContain('pr0xy-pw')
    expect(message).not.toContain('pr0xy-pw')
  })

  it('refuses a proxy variable with a control character, naming the variable', () => {
    const { message } = errorOf({ 'aws-region': 'eu-west-1' }, { HTTPS_PROXY: `http://proxy:3128/${INJECTION}` })
    expect(message).toMatch(
      /^HTTPS_PROXY: 'http:\/\/proxy:3128\/\\n::stop-commands::pwn' is not a proxy URL: it holds a control character \(\\n\)/
    )
  })

  it('quotes a bad value with `##[` broken, so that it cannot be read as a command', () => {
    expect(errorOf({ 'registry-type': 'x##[stop-commands]pwn' }).message).toBe(
      "registry-type: 'x##\\[stop-commands]pwn' is not a registry type. Use private or public."
    )
    expect(errorOf({}, { AWS_REGION: 'eu-west-1\n::error::x' }).message).toBe(
      "aws-region (taken from AWS_REGION): 'eu-west-1\\n::error::x' is not an AWS region. Use a region code such as eu-west-1."
    )
  })
})
