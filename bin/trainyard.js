#!/usr/bin/env node
// The CLI is TypeScript run by Node's built-in type stripping (Node 22.18+).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`trainyard needs Node 22.18 or newer (this is ${process.version}).`);
  process.exit(1);
}
await import('../main/cli/index.ts');
