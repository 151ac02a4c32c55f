// Real .p12 files built with the openssl command line in a temp dir, for the certificate inspection tests.
// OpenSSL 3's default PKCS#12 (PBES2/PBKDF2 with AES-256-CBC, SHA-256 MAC) is read by node-forge 1.4, so
// the default format is used; `legacy` builds the old PBE-SHA1-3DES/RC2 format as well.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';
export const SUBJECT = '/UID=com.example.demo/CN=Apple Development IOS Push Services: com.example.demo/O=Example';
export const TOPICS = ['com.example.demo', 'com.example.demo.voip'];

/** DER of Apple's topics extension value: SEQUENCE { UTF8String topic, SEQUENCE { UTF8String kind }, … }. */
function topicsExtensionHex(): string {
  const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
  const items = [utf8(TOPICS[0]!), tlv(0x30, utf8('app')), utf8(TOPICS[1]!), tlv(0x30, utf8('voip'))];
  return tlv(0x30, Buffer.concat(items)).toString('hex').toUpperCase();
}

export interface Fixtures {
  dir: string;
  password: string;
  /** Default OpenSSL 3 format, certificate + key, valid for 30 days from now. */
  p12: Buffer;
  /** The same certificate and key in the legacy format (-legacy). */
  legacyP12: Buffer;
  /** Certificate only (-nokeys). */
  noKeyP12: Buffer;
  /** Key only (-nocerts). */
  noCertP12: Buffer;
  /** A certificate valid for one day from now (-days 1): expired when `now` is later. */
  shortLivedP12: Buffer;
  /** The certificate as PEM text, not a .p12. */
  pem: Buffer;
  /** A certificate that expired in 2021 (validity set with node-forge: OpenSSL 3.0 cannot backdate). */
  expiredP12: Buffer;
  cleanup(): void;
}

function expiredP12(keyPem: string, password: string): Buffer {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2021-01-01T00:00:00Z');
  const subject = [
    { type: '0.9.2342.19200300.100.1.1', value: 'com.example.demo' },
    { name: 'commonName', value: 'Apple Development IOS Push Services: com.example.demo' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(key, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, cert, password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

export function buildFixtures(password = 'p12-test-secret'): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'p12-'));
  const path = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(OPENSSL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pass = `pass:${password}`;

  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path('key.pem'),
    '-out',
    path('cert.pem'),
    '-days',
    '30',
    '-subj',
    SUBJECT,
    '-addext',
    `1.2.840.113635.100.6.3.6=DER:${topicsExtensionHex()}`,
  );
  // OpenSSL 3.0's `req` has no -not_before/-not_after (3.4 added them), so the expired case is a
  // one-day certificate inspected with a `now` in the future.
  run('req', '-x509', '-key', path('key.pem'), '-out', path('short.pem'), '-days', '1', '-subj', SUBJECT);

  run('pkcs12', '-export', '-in', path('cert.pem'), '-inkey', path('key.pem'), '-out', path('default.p12'), '-passout', pass);
  run('pkcs12', '-export', '-legacy', '-in', path('cert.pem'), '-inkey', path('key.pem'), '-out', path('legacy.p12'), '-passout', pass);
  run('pkcs12', '-export', '-nokeys', '-in', path('cert.pem'), '-out', path('nokey.p12'), '-passout', pass);
  run('pkcs12', '-export', '-nocerts', '-inkey', path('key.pem'), '-out', path('nocert.p12'), '-passout', pass);
  run('pkcs12', '-export', '-in', path('short.pem'), '-inkey', path('key.pem'), '-out', path('short.p12'), '-passout', pass);

  return {
    dir,
    password,
    p12: readFileSync(path('default.p12')),
    legacyP12: readFileSync(path('legacy.p12')),
    noKeyP12: readFileSync(path('nokey.p12')),
    noCertP12: readFileSync(path('nocert.p12')),
    shortLivedP12: readFileSync(path('short.p12')),
    pem: readFileSync(path('cert.pem')),
    expiredP12: expiredP12(readFileSync(path('key.pem'), 'utf8'), password),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
