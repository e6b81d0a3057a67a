#!/usr/bin/env node
// The `weft` executable: hands over to the TypeScript CLI (Node >= 22.18 runs .ts directly).
await import('../src/cli/main.ts');
