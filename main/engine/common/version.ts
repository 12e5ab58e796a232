import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The package version, recorded in every run manifest. */
export const PACKAGE_VERSION: string = pkg.version;
