export const id = 880;
export const ids = [880];
export const modules = {

/***/ 8880:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  assumeRoleWithWebIdentity: () => (/* binding */ assumeRoleWithWebIdentity)
});

// UNUSED EXPORTS: describeStsError

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 8 modules
var core = __webpack_require__(1078);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sts/dist-cjs/index.js
var dist_cjs = __webpack_require__(1695);
// EXTERNAL MODULE: ./src/aws.ts
var aws = __webpack_require__(4258);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: ./src/proxy.ts
var proxy = __webpack_require__(8903);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
;// CONCATENATED MODULE: ./src/oidc.ts
// GitHub's OIDC ID token for this job, fetched from the runner's token service. Our own small
// request (not core.getIDToken) so that it shares the step's proxy, retries and deadline.






const MISSING_TOKEN_HELP = 'role-to-assume is set, but this job cannot get a GitHub OIDC token: the runner did not set ' +
    'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. Give the workflow or the job ' +
    "'permissions: id-token: write' (with 'contents: read' if it checks out code). Pull requests " +
    'from forks never get a token; run those jobs without role-to-assume or from pull_request_target with care.';
/** The runner's token-service address and bearer token, or the error that explains how to get them. */
function oidcRequestFromEnv(env) {
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !requestToken)
        throw new errors/* ActionError */.lZ(MISSING_TOKEN_HELP);
    return { url, requestToken };
}
/** Decodes a JWT's payload; undefined when it is not a JWT. Never verifies: STS does. */
function decodeClaims(jwt) {
    const payload = jwt.split('.')[1];
    if (!payload)
        return undefined;
    try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        return typeof claims === 'object' && claims !== null ? claims : undefined;
    }
    catch {
        return undefined;
    }
}
function get(url, headers, agents, signal) {
    const transport = url.protocol === 'http:' ? external_node_http_ : external_node_https_;
    const agent = url.protocol === 'http:' ? agents.http : agents.https;
    return new Promise((resolve, reject) => {
        const request = transport.get(url, { headers, agent, signal, timeout: 8000 }, response => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
            response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new retry/* TransientError */.N_('no answer within 8 s')));
        request.on('error', reject);
    });
}
/**
 * One attempt at fetching the ID token for `audience`. Masks the token before returning it.
 * Throws TransientError for answers worth retrying (429, 5xx).
 */
async function fetchIdToken({ url, requestToken }, audience, agents, signal) {
    const target = new URL(url);
    target.searchParams.set('audience', audience);
    const { status, body } = await get(target, { Authorization: `Bearer ${requestToken}`, Accept: 'application/json', 'User-Agent': 'ecr-login' }, agents, signal);
    if (status === 429 || status >= 500)
        throw new retry/* TransientError */.N_(`the token service answered HTTP ${status}`);
    if (status === 407)
        throw new errors/* ActionError */.lZ(`GitHub's OIDC token request failed: ${proxy/* PROXY_REFUSED_HELP */.SP}.`);
    if (status !== 200) {
        throw new errors/* ActionError */.lZ(`GitHub's OIDC token service refused the request (HTTP ${status}). The job's id-token permission ` +
            `or its request token may be wrong: check 'permissions: id-token: write'.`);
    }
    let token;
    try {
        token = JSON.parse(body)?.value;
    }
    catch (error) {
        throw new errors/* ActionError */.lZ(`GitHub's OIDC token service sent an answer that is not JSON: ${(0,errors/* messageOf */.bD)(error)}`);
    }
    if (typeof token !== 'string' || token === '') {
        throw new errors/* ActionError */.lZ("GitHub's OIDC token service sent no token (no 'value' in its answer).");
    }
    core/* setSecret */.Pq(token);
    return token;
}

;// CONCATENATED MODULE: ./src/web-identity.ts
// GitHub OIDC → STS AssumeRoleWithWebIdentity. The temporary credentials stay in this process:
// they go to the ECR clients and are not exported to later steps.






function claimsText(claims) {
    if (!claims)
        return 'the token has no readable claims';
    const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud;
    return `sub=${claims.sub ?? '(none)'}, aud=${aud ?? '(none)'}`;
}
/** Turns an STS refusal into a message that says what to fix. */
function describeStsError(error, settings, claims) {
    const name = (0,aws/* awsErrorName */.ZH)(error);
    const quoted = (0,aws/* describeAwsError */.Pp)(error);
    switch (name) {
        case 'AccessDenied':
            return (`STS refused to let this workflow assume ${settings.roleArn} (${quoted}). Check the role's trust ` +
                `policy: it must trust the OIDC provider token.actions.githubusercontent.com with ` +
                `sts:AssumeRoleWithWebIdentity, and its conditions must match this token's claims: ${claimsText(claims)}.`);
        case 'InvalidIdentityToken':
            return (`STS did not accept GitHub's OIDC token for ${settings.roleArn} (${quoted}). The role's account ` +
                `needs an IAM OIDC identity provider for https://token.actions.githubusercontent.com whose audience ` +
                `is '${settings.audience}' (the audience input).`);
        case 'ExpiredTokenException':
            return `STS says GitHub's OIDC token has expired (${quoted}). Re-run the job.`;
        case 'ValidationError':
            return (`STS rejected the request to assume ${settings.roleArn} (${quoted}). If it is about the duration, ` +
                `role-duration-seconds (${settings.durationSeconds}) must not exceed the role's maximum session duration.`);
        case 'RegionDisabledException':
            return `STS is not activated in this region for the account (${quoted}). Activate it, or use another aws-region.`;
        default:
            return `STS AssumeRoleWithWebIdentity for ${settings.roleArn} failed (${quoted}).`;
    }
}
async function assumeRoleWithWebIdentity(settings, region, context) {
    const request = oidcRequestFromEnv(process.env);
    core/* info */.pq(`Assuming ${settings.roleArn} with GitHub's OIDC token (audience ${settings.audience})`);
    const policy = { policy: context.retry, deadline: context.deadline };
    const token = await (0,retry/* withRetry */.bD)("GitHub's OIDC token request", signal => fetchIdToken(request, settings.audience, context.agents, signal), policy);
    const claims = decodeClaims(token);
    core/* debug */.Yz(`OIDC token claims: ${claimsText(claims)}`);
    const sts = new dist_cjs/* STSClient */.iM((0,aws/* clientConfig */.yO)(context, region));
    const command = new dist_cjs/* AssumeRoleWithWebIdentityCommand */.WH({
        RoleArn: settings.roleArn,
        RoleSessionName: settings.sessionName,
        WebIdentityToken: token,
        DurationSeconds: settings.durationSeconds
    });
    let response;
    try {
        response = await (0,retry/* withRetry */.bD)(`STS AssumeRoleWithWebIdentity in ${region}`, signal => sts.send(command, { abortSignal: signal }), policy);
    }
    catch (error) {
        if (error instanceof errors/* ActionError */.lZ)
            throw error;
        throw new errors/* ActionError */.lZ(describeStsError(error, settings, claims), { cause: error });
    }
    const issued = response.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
        throw new errors/* ActionError */.lZ(`STS AssumeRoleWithWebIdentity for ${settings.roleArn} returned no credentials.`);
    }
    const credentials = {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
        expiration: issued.Expiration
    };
    (0,aws/* maskCredentials */.Bs)(credentials);
    core/* info */.pq(`Assumed role as ${response.AssumedRoleUser?.Arn ?? settings.roleArn}`);
    return credentials;
}


/***/ })

};
