#!/usr/bin/env node
// The `driftline` executable: registers tsx so the TypeScript sources run as
// they are (no build step to forget), then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../services/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
