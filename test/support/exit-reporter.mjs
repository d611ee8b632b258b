// Entry of the exit reporter (exit-reporter.ts) for scripts/test.sh: node:test
// loads reporters before the --import hooks take effect, so this entry
// registers tsx itself, like the worker entries do.
import { register } from 'tsx/esm/api';

register();
const { default: exitReporter } = await import('./exit-reporter.ts');
export default exitReporter;
