import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { brokerCertificates, brokerTrust, isCertificateError } from '../../src/workers/broker-trust.js';
import { selfSignedCertificate } from '../support/certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'dino-broker-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const [one, two] = [selfSignedCertificate(dir), selfSignedCertificate(dir)];

describe('DINO_MQTT_CA_FILE', () => {
  it('takes one or more PEM certificates, text around them left out', () => {
    expect(brokerCertificates(one.cert)).toBe(one.cert.trim());
    expect(brokerCertificates(`a comment\n${one.cert}\n${two.cert}trailing`)).toBe(`${one.cert.trim()}\n${two.cert.trim()}`);
    expect(brokerTrust(brokerCertificates(one.cert))).toBeDefined();
    expect(brokerTrust(undefined)).toBeUndefined();
  });

  it('refuses a file with no certificate, or a broken one, naming the setting', () => {
    for (const text of ['', 'not a certificate', one.key]) {
      expect(() => brokerCertificates(text)).toThrow(/^DINO_MQTT_CA_FILE \(--mqtt-ca-file\): the file holds no PEM certificate/);
    }
    const broken = one.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
    expect(() => brokerCertificates(broken)).toThrow(ConfigError);
    expect(() => brokerCertificates(broken)).toThrow(/certificate 1 of the file cannot be read/);
  });

  it('is for a broker reached over TLS only', () => {
    const base = { DINO_MQTT_CA_FILE: one.certFile };
    expect(() => loadConfig(base)).toThrow(/DINO_MQTT_CA_FILE .*DINO_MQTT_URL is not an mqtts:\/\/ or wss:\/\/ URL/);
    expect(() => loadConfig({ ...base, DINO_MQTT_URL: 'mqtt://127.0.0.1:1883' })).toThrow(/not an mqtts/);
    expect(loadConfig({ ...base, DINO_MQTT_URL: 'mqtts://broker.example:8883' }).mqtt.caFile).toBe(one.certFile);
    expect(loadConfig({ ...base, DINO_MQTT_URL: 'wss://broker.example/mqtt' }).mqtt.caFile).toBe(one.certFile);
  });

  it('tells certificate failures from network ones', () => {
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
      expect(isCertificateError(Object.assign(new Error(code), { code }))).toBe(true);
    }
    for (const err of [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), new Error('plain'), null, { code: 5 }]) {
      expect(isCertificateError(err)).toBe(false);
    }
  });
});
