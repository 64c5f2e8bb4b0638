// Stands in for @actions/http-client in the bundles (see "paths" in build/tsconfig.json).
// @actions/core imports it only for getIDToken, which this action never calls: src/github-oidc.ts fetches
// the OIDC token itself. Bundling the real client (and undici) would cost every run ~45 ms of
// start-up and ~490 KB. A test checks that src/ never calls getIDToken.

const NOT_BUNDLED = '@actions/http-client is not bundled into ecr-login; fetch with src/github-oidc.ts instead'

export class HttpClient {
  constructor() {
    throw new Error(NOT_BUNDLED)
  }
}

export class BearerCredentialHandler {
  constructor() {
    throw new Error(NOT_BUNDLED)
  }
}
