/**
 * `npm run dashboards`: regenerates dashboards/generated/*.json from the
 * TypeScript definitions (and removes JSON files of dashboards that no
 * longer exist). Commit the result: Grafana provisions those files, and
 * dashboards/dashboards.test.ts fails while they are stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIR, renderDashboardFiles } from './all-dashboards.ts';

const dir = fileURLToPath(GENERATED_DIR);
mkdirSync(dir, { recursive: true });
const files = renderDashboardFiles();
for (const name of readdirSync(dir)) {
  if (name.endsWith('.json') && !files.has(name)) {
    rmSync(`${dir}${name}`);
    console.log(`removed ${name}`);
  }
}
for (const [name, text] of files) {
  writeFileSync(`${dir}${name}`, text);
  console.log(`wrote dashboards/generated/${name}`);
}
