// Shapes that several modules share. It imports nothing, so that any module may use it without
// lengthening the import chain.

/** Environment variables, as process.env holds them. */
export type Env = Record<string, string | undefined>

/** What the step reads from anything thrown by the AWS SDK, Node or our own calls. */
export interface ErrorShape {
  name?: string
  // The error code on the wire: the SDK's STS errors have it as well as a name (name
  // InvalidIdentityTokenException, Code InvalidIdentityToken).
  Code?: string
  code?: string
  message?: string
  $retryable?: unknown
  $metadata?: { httpStatusCode?: number }
  // The raw answer, which the SDK attaches when it cannot parse it.
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> }
  cause?: unknown
}

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Where the credentials go. Saved for the post step. */
export interface LoginTarget {
  client: 'docker' | 'podman'
  /** docker: the config directory to use; unset means the user's (DOCKER_CONFIG or ~/.docker). */
  dockerConfig?: string
  /** podman: the auth file, always passed with --authfile. */
  authFile?: string
  /** The job-private directory (`docker-config: job`), removed by the post step. */
  jobDir?: string
}
