/**
 * docker-compose.yml cannot run here (no Docker engine), so it is checked
 * against the code instead: every variable it sets on a Driftline container
 * is one a service's config schema reads, every entry point exists, images
 * are pinned, and infrastructure containers have health checks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commonEnv, processorsEnv, sinkEnv } from '../../libs/config/common.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { apiEnv } from '../../services/api/config.ts';
import { feedbackEnv } from '../../services/feedback/config.ts';
import { servingEnv } from '../../services/serving/config.ts';
import { trainerEnv } from '../../services/trainer/config.ts';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, unknown>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

// PyYAML resolves anchors and merge keys the way Compose does.
const compose = JSON.parse(
  execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(repoRoot, 'docker-compose.yml')]).toString(),
) as { services: Record<string, ComposeService> };

const known = new Set([...Object.keys(commonEnv), ...Object.keys(sinkEnv), ...Object.keys(processorsEnv), ...Object.keys(servingEnv), ...Object.keys(feedbackEnv), ...Object.keys(trainerEnv), ...Object.keys(apiEnv)]);

describe('docker-compose.yml', () => {
  it('has the whole distributed stack', () => {
    for (const name of ['kafka', 'clickhouse', 'redis', 'migrate', 'sink', 'processors', 'serving', 'grafana', 'feedback', 'trainer', 'api', 'model-init']) assert.ok(compose.services[name], `service ${name}`);
  });

  it('bind-mounts paths that exist in the repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) assert.ok(existsSync(join(repoRoot, source)), `${name}: ${source} exists`);
      }
    }
  });

  it('sets only variables the services read', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build === undefined) continue;
      for (const key of Object.keys(service.environment ?? {})) assert.ok(known.has(key), `${name}: ${key} is not read by any config schema`);
      assert.ok(service.environment?.CLICKHOUSE_URL, `${name} talks to the ClickHouse server`);
    }
  });

  it('starts entry points that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const arg of service.command ?? []) {
        if (/\.(ts|mjs)$/.test(arg)) assert.ok(existsSync(join(repoRoot, arg)), `${name}: ${arg} exists`);
      }
    }
  });

  it('pins images and health-checks the infrastructure', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image) {
        assert.match(service.image, /:[0-9][\w.-]*$/, `${name} pins a version`);
        assert.ok(service.healthcheck, `${name} has a health check`);
      }
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (condition === 'service_healthy') assert.ok(compose.services[dep]?.healthcheck, `${name} waits on ${dep}, which has a health check`);
      }
    }
  });
});
