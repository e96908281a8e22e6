import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A new self-signed EC certificate for 127.0.0.1 and its key, made by `openssl` in a new folder under `dir`. */
export function selfSignedCertificate(dir: string): { cert: string; certFile: string; key: string } {
  const own = mkdtempSync(join(dir, 'certificate-'));
  const [keyFile, certFile] = [join(own, 'key.pem'), join(own, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), certFile, key: readFileSync(keyFile, 'utf8') };
}
