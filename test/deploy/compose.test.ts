/**
 * The deployment's defaults, read from docker-compose.yml itself (no Docker engine is needed to
 * read it): every published port binds loopback only, and Temporal's own gRPC port and UI are not
 * published at all.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  ports?: (string | { host_ip?: string; published?: string | number; target?: number })[];
}

const compose = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8')) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('publishes ports on 127.0.0.1 only', () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    expect(published.map((p) => p.name).sort()).toEqual(['api', 'mail']);
    for (const { name, port } of published) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
      expect(hostIp, `${name}: ${JSON.stringify(port)}`).toBe('127.0.0.1');
      if (typeof port === 'string') expect(port.split(':')).toHaveLength(3);
    }
  });

  it('never publishes Temporal\'s gRPC port or its UI', () => {
    for (const name of ['temporal', 'temporal-ui']) {
      expect(compose.services[name], name).toBeDefined();
      expect(compose.services[name].ports ?? []).toEqual([]);
    }
  });
});
