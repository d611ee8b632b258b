#!/usr/bin/env node
// The npm registry reachable from Driftline's build machines is a filtered
// mirror: platform binaries for other systems (darwin, win32, linux-arm…)
// answer 404, so `npm install` cannot record them and `npm ci` then refuses
// the lock ("Missing: @chdb/lib-darwin-arm64@ from lock file"). This script
// adds a lock entry for every such optional package, tagged with its os/cpu,
// so `npm ci` sees it, finds the platform does not match, and skips it — it
// never downloads anything. Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const platformOf = (name) => {
  const os = ['darwin', 'linux', 'win32', 'freebsd', 'android'].find((o) => name.includes(o));
  const cpu = ['arm64', 'x64', 'ia32', 'arm'].find((c) => new RegExp(`${c}(?![0-9])`).test(name.replace(/^.*\//, '')));
  return os && cpu ? { os, cpu } : undefined;
};

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    const nested = `${path}/node_modules/${dep}`;
    if (packages[key] || packages[nested]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[key] = { version: spec.replace(/^[\^~=]/, ''), cpu: [platform.cpu], os: [platform.os], optional: true };
    added++;
    console.log(`locked ${dep}@${packages[key].version} (${platform.os}/${platform.cpu}, skipped here)`);
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`${added} foreign optional packages added to package-lock.json`);
