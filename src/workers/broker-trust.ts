import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { ConfigError, flagOf } from '../config.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * DINO_MQTT_CA_FILE's certificates, checked at start: TLS would take a file of anything (a key, an empty file) and the
 * fan-out would then never connect, with no word of why.
 */
export function brokerCertificates(pem: string): string {
  const where = `DINO_MQTT_CA_FILE (${flagOf('DINO_MQTT_CA_FILE')})`;
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${where}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new ConfigError(`${where}: certificate ${i + 1} of the file cannot be read: ${(err as Error).message}`);
    }
  }
  return blocks.join('\n');
}

/** The one context of this thread for its CA file (every connection of a thread is given the same). */
let made: { ca: string; context: SecureContext } | undefined;

/**
 * What a TLS connection to the broker verifies its certificate with: Node's bundled CAs plus `ca` (TLS's `ca` option
 * alone would replace them); undefined, Node's default, without one. Made once per thread, not per connection or
 * connect: parsing the ~150 bundled CAs takes tens of milliseconds.
 */
export function brokerTrust(ca: string | undefined): SecureContext | undefined {
  if (ca === undefined) return undefined;
  if (made?.ca !== ca) made = { ca, context: createSecureContext({ ca: [...rootCertificates, ca] }) };
  return made.context;
}

/** True for the error of a TLS handshake that failed on the broker's certificate (unknown CA, wrong name, expired…). */
export function isCertificateError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /CERT|SIGNATURE|ISSUER|ALTNAME/.test(code);
}
