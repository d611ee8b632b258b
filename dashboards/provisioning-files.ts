import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Readers of the provisioning files, for the tests that hold them to the
 * dashboards, docker-compose.yml and each other. Grafana and ClickHouse
 * cannot run here, so these files are checked by reading them.
 */

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const DATASOURCES_FILE = here('./provisioning/datasources/clickhouse.yaml');
export const DASHBOARD_PROVIDERS_FILE = here('./provisioning/dashboards/driftline.yaml');
export const CLICKHOUSE_USERS_FILE = here('./clickhouse/grafana-reader.xml');

export interface ProvisionedDatasource {
  name: string;
  uid: string;
  type: string;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

/** datasources/clickhouse.yaml, parsed. */
export function readDatasources(): { apiVersion: number; datasources: ProvisionedDatasource[] } {
  return parse(readFileSync(DATASOURCES_FILE, 'utf8'));
}

export interface DashboardProvider {
  name: string;
  type: string;
  folder?: string;
  allowUiUpdates?: boolean;
  options: { path: string };
}

/** dashboards/driftline.yaml, parsed. */
export function readDashboardProviders(): { apiVersion: number; providers: DashboardProvider[] } {
  return parse(readFileSync(DASHBOARD_PROVIDERS_FILE, 'utf8'));
}

export interface ClickHouseProfile {
  /** Plain settings (readonly, max_execution_time…) as text. */
  settings: Record<string, string>;
  /** Per setting: min / max as text, readonly when changing it is forbidden. */
  constraints: Record<string, { min?: string; max?: string; readonly?: boolean }>;
}

export interface ClickHouseUser {
  profile: string;
  /** The environment variable the password is read from (`from_env`), if any. */
  passwordFromEnv?: string;
  /** A literal password, which this project never ships. */
  password?: string;
  grants: string[];
}

// ElementTree, through python3 like test/integration/compose.test.ts reads YAML: no XML parser is a dependency.
const XML_TO_JSON = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def children(e): return list(e) if e is not None else []
profiles = {}
for p in children(root.find('profiles')):
    settings = {c.tag: (c.text or '').strip() for c in p if c.tag != 'constraints'}
    constraints = {}
    for c in children(p.find('constraints')):
        d = {k.tag: (k.text or '').strip() for k in c if k.tag in ('min', 'max')}
        if c.find('readonly') is not None or c.find('const') is not None: d['readonly'] = True
        constraints[c.tag] = d
    profiles[p.tag] = {'settings': settings, 'constraints': constraints}
users = {}
for u in children(root.find('users')):
    pw = u.find('password')
    user = {'profile': (u.findtext('profile') or '').strip(), 'grants': [(q.text or '').strip() for q in u.findall('grants/query')]}
    if pw is not None and pw.get('from_env'): user['passwordFromEnv'] = pw.get('from_env')
    elif pw is not None and (pw.text or '').strip(): user['password'] = pw.text.strip()
    users[u.tag] = user
print(json.dumps({'profiles': profiles, 'users': users}))
`;

/** clickhouse/grafana-reader.xml (a users.d file), as profiles and users. */
export function readClickHouseUsers(): { profiles: Record<string, ClickHouseProfile>; users: Record<string, ClickHouseUser> } {
  return JSON.parse(execFileSync('python3', ['-c', XML_TO_JSON, CLICKHOUSE_USERS_FILE]).toString());
}

/** The profile of the ClickHouse user the provisioned datasource logs in as. */
export function grafanaClickHouseProfile(): ClickHouseProfile {
  const ds = readDatasources().datasources[0]!;
  const { users, profiles } = readClickHouseUsers();
  const user = users[String(ds.jsonData.username)];
  if (!user) throw new Error(`${CLICKHOUSE_USERS_FILE} defines no user '${ds.jsonData.username}' (the datasource's username)`);
  const profile = profiles[user.profile];
  if (!profile) throw new Error(`${CLICKHOUSE_USERS_FILE}: user '${ds.jsonData.username}' uses undefined profile '${user.profile}'`);
  return profile;
}
