#!/usr/bin/env node
// n3x CLI entry: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
