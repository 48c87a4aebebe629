/** Kept in sync with package.json by a test (test/core/version.test.ts). */
export const SDK_VERSION = '0.1.0';
