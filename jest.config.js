// ts-jest transpiles only (no type-check: `npm run typecheck` does that once for the whole tree).
// @middy/core is ESM-only, so it is transformed to CommonJS along with our TypeScript.
const transform = {
  '^.+\\.[tj]s$': [
    'ts-jest',
    { tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, isolatedModules: true } },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['node_modules/(?!@middy/)'],
  // @middy/core exports only an `import` condition, which jest's CommonJS resolver does not follow.
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/test/integration/', '/test/properties/'],
    },
    { ...common, displayName: 'properties', testMatch: ['<rootDir>/test/properties/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
