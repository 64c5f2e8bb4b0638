// Mutation testing of the code that guards inputs and secrets: `npm run test:mutation` (Node 24,
// about ten minutes on two cores; not part of `npm test`). Each surviving mutant is a change to
// that code that no unit test notices.

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts' },
  mutate: [
    'src/log-text.ts',
    'src/inputs.ts',
    'src/network.ts',
    'src/registries.ts',
    'src/state.ts',
    'src/aws-sdk.ts',
    // aws-ecr.ts: decodeAuthorizationToken, accountOf, endpointHost and fetchRegistryLogins (token
    // decoding, masking, the default registry's host), not its error wording. Lines: keep in step.
    'src/aws-ecr.ts:22-31',
    'src/aws-ecr.ts:82-84',
    'src/aws-ecr.ts:90-100',
    'src/aws-ecr.ts:168-198'
  ],
  ignorePatterns: ['dist', 'bench', '__tests__/e2e', '__tests__/dist.test.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  reporters: ['clear-text', 'progress']
}
